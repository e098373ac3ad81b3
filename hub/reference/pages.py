"""Every generated reference page, and the command that writes or checks them all.

::

    python -m hub.reference           # (re)write every page under docs/reference/
    python -m hub.reference --check   # write nothing; exit 1 naming each page out of date

The connector options and the error codes keep their own generators (``connectors.reference``,
``hub.error_reference``), which this one runs too, so one command refreshes every page.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from connectors import reference as connector_reference
from hub import error_reference
from hub.reference import metrics_page, settings_page, subscriptions_page
from schemas.generated_file import sync_page

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference"


@dataclass(frozen=True)
class Page:
    file: str
    render: Callable[[], str]


PAGES = (
    Page("connectors.md", connector_reference.render),
    Page("subscriptions.md", subscriptions_page.render),
    Page("settings.md", settings_page.render),
    Page("errors.md", lambda: error_reference.render(error_reference.load_all())),
    Page("metrics.md", metrics_page.render),
)


def main(argv: Sequence[str] | None = None, *, folder: Path = REFERENCE) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.reference", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    args = parser.parse_args(argv)
    fresh = [
        sync_page(folder / page.file, page.render(), check=args.check, prog="hub.reference") for page in PAGES
    ]
    return 0 if all(fresh) else 1


__all__ = ["PAGES", "REFERENCE", "Page", "main"]
