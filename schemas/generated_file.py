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
    return 0 if sync_page(args.path, render(), check=args.check, prog=prog) else 1


def sync_page(path: Path, text: str, *, check: bool, prog: str) -> bool:
    """Bring ``path`` to ``text``; with ``check`` write nothing and say whether it already is."""
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    if current == text:
        return True
    if check:
        print(f"{path} is out of date: run python -m {prog}", file=sys.stderr)
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")
    return True


__all__ = ["generated_file_main", "sync_page"]
