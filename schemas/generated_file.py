"""The command line of a generated reference page: write it, or (``--check``) report drift.

The connectors' option reference and the error reference are both pages generated from code and
committed; a test runs each with ``--check`` so the committed page can never drift from the code.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path


def generated_file_main(
    prog: str, description: str, default_path: Path, render: Callable[[], str], argv: Sequence[str] | None
) -> int:
    """Write ``render()`` to the page, or with ``--check`` exit 1 when the page differs from it."""
    parser = argparse.ArgumentParser(prog=f"python -m {prog}", description=description)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    parser.add_argument("--path", type=Path, default=default_path, help="the page to write")
    args = parser.parse_args(argv)
    text = render()
    current = args.path.read_text(encoding="utf-8") if args.path.is_file() else None
    if current == text:
        return 0
    if args.check:
        print(f"{args.path} is out of date: run python -m {prog}", file=sys.stderr)
        return 1
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return 0


__all__ = ["generated_file_main"]
