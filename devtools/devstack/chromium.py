"""Debian's ``chromium``, the browser the console's tests drive (``make install`` ensures it).

Playwright launches this binary (``executable_path``); ``playwright install`` and its browser
downloads are never used, so the tests need nothing from outside Debian's and PyPI's packages.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devtools.devstack import debian
from schemas.errors import LocalServiceError

CHROMIUM = Path("/usr/bin/chromium")


def ensure() -> Path:
    """The browser's path, installing Debian's package first when it is missing."""
    if not CHROMIUM.exists():
        debian.install("chromium", "chromium (the console's test browser) is not installed")
    if not CHROMIUM.exists():
        raise LocalServiceError(f"{CHROMIUM} not found after installing 'chromium'")
    return CHROMIUM


if __name__ == "__main__":
    try:
        ensure()
    except LocalServiceError as exc:
        sys.exit(f"error: {exc.message}")
