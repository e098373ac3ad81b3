"""Write ``contracts/`` from the row models, or check that it is up to date.

::

    python -m schemas.contracts.generate           # (re)write the current contract versions
    python -m schemas.contracts.generate --check   # exit 1 on drift, listing every difference

Rendering is pure (``render``); only ``main`` touches files. For each feed the generator owns one
file, its current contract version ``contracts/<event type>/v<N>.schema.json``. Earlier versions
are history: they are never rewritten, must stay in place, and the current version must be
``FEED_COMPATIBILITY`` compatible with them, so a row-model change that would break subscribers
fails here, before any connector ships it (the fix is a new major: a new event type and topic).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from schemas.contracts.asyncapi import asyncapi_document
from schemas.contracts.compatibility import Mode, check
from schemas.contracts.json_schema import contract_path, contract_schema
from schemas.feeds import FeedSpec, all_feeds

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "contracts"
ASYNCAPI_FILE = "asyncapi.yaml"
# Every event names its exact contract version (``dataschema``), so a consumer can always check
# an event against the version it was written with; what must hold across versions is that the
# newest contract reads every older event (replays, backfills): backward, against all versions.
FEED_COMPATIBILITY = Mode.BACKWARD_TRANSITIVE
_VERSION_FILE = re.compile(r"^v(?P<version>[1-9][0-9]*)\.schema\.json$")


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100, default_flow_style=False)


def render(feeds: tuple[FeedSpec, ...] | None = None) -> dict[str, str]:
    """Every generated file, by path relative to ``contracts/``, as its exact text."""
    feeds = all_feeds() if feeds is None else feeds
    files = {contract_path(f.event_type, f.contract_version): dump_json(contract_schema(f)) for f in feeds}
    files[ASYNCAPI_FILE] = dump_yaml(asyncapi_document(feeds))
    return files


def problems(root: Path, files: dict[str, str], feeds: tuple[FeedSpec, ...] | None = None) -> list[str]:
    """Everything that makes ``root`` differ from what the generator would write, or unsafe."""
    feeds = all_feeds() if feeds is None else feeds
    found = [f"{path}: missing" for path in sorted(files) if not (root / path).is_file()]
    found += [
        f"{path}: differs from the row model (run python -m schemas.contracts.generate)"
        for path in sorted(files)
        if (root / path).is_file() and (root / path).read_text(encoding="utf-8") != files[path]
    ]
    known = {f.event_type: f for f in feeds}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        spec = known.get(folder.name)
        found += [f"{folder.name}/: no feed has this event type"] if spec is None else _history(folder, spec)
    return found


def _history(folder: Path, spec: FeedSpec) -> list[str]:
    versions = _versions(folder)
    current = spec.contract_version
    found = [
        f"{folder.name}/v{v}.schema.json: newer than the model's v{current}" for v in versions if v > current
    ]
    found += [
        f"{folder.name}/v{v}.schema.json: history is missing" for v in range(1, current) if v not in versions
    ]
    older = [
        (v, json.loads((folder / f"v{v}.schema.json").read_text(encoding="utf-8")))
        for v in versions
        if v < current
    ]
    found += [
        f"{folder.name}: v{current} {i.rule} at {i.path} against v{i.version}: {i.message}"
        for i in check(contract_schema(spec), older, FEED_COMPATIBILITY)
    ]
    return found


def _versions(folder: Path) -> list[int]:
    return sorted(int(m["version"]) for p in folder.iterdir() if (m := _VERSION_FILE.match(p.name)))


def write(root: Path, files: dict[str, str]) -> list[str]:
    written = []
    for path, text in sorted(files.items()):
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m schemas.contracts.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on drift")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the contracts folder")
    args = parser.parse_args(argv)
    files = render()
    if not args.check:
        for path in write(args.root, files):
            print(f"wrote {args.root / path}")
    found = problems(args.root, files)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
