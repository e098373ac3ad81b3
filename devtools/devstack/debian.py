"""Installing a Debian package the project needs (PostgreSQL's server, the test browser), as root.

Run only when the package is missing: ``apt-get update`` then ``apt-get install -y``. A non-root
user is told the one command to run instead.
"""

from __future__ import annotations

import os
import subprocess

from schemas.errors import LocalServiceError


def install(package: str, missing: str, otherwise: str = "") -> None:
    """Install ``package``; ``missing`` (and ``otherwise``, another way out) for a non-root user."""
    if os.geteuid() != 0:
        raise LocalServiceError(f"{missing}: run 'sudo apt-get install -y {package}'{otherwise}.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603
        if proc.returncode != 0:
            raise LocalServiceError(f"'{' '.join(cmd)}' failed: {proc.stderr.strip()[-300:]}")
