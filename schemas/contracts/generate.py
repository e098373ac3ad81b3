"""Check ``contracts/`` and write its AsyncAPI document from the contract files.

::

    python -m schemas.contracts.generate           # (re)write contracts/asyncapi.yaml
    python -m schemas.contracts.generate --check   # write nothing; exit 1 on any problem

The contract files are the source (``contracts/<event type>/v<N>.schema.json``, the format of
``schemas.contracts.document``); nothing generates them. What this checks about them: each is a
valid contract, lives in the folder of its event type and names its own version in ``$id``,
versions run 1..N without gaps, and the newest is ``FEED_COMPATIBILITY`` compatible with every
earlier one, so a change that would break subscribers fails here, before any connector ships it
(the fix is a new major: a new event type and topic). Rendering is pure (``render``); only
``main`` touches files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from itertools import groupby
from pathlib import Path
from typing import Any

import yaml

from schemas.contracts.asyncapi import asyncapi_document
from schemas.contracts.compatibility import Mode, check
from schemas.contracts.document import contract_version
from schemas.errors import HubError
from schemas.feeds import ContractFile, FeedCatalogue, FeedSpec
from schemas.feeds.builtin import read_contract_tree

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "contracts"
ASYNCAPI_FILE = "asyncapi.yaml"
# Every event names its exact contract version (``dataschema``), so a consumer can always check
# an event against the version it was written with; what must hold across versions is that the
# newest contract reads every older event (replays, backfills): backward, against all versions.
FEED_COMPATIBILITY = Mode.BACKWARD_TRANSITIVE


def dump_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dump_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100, default_flow_style=False)


def catalogue(files: Sequence[ContractFile]) -> FeedCatalogue:
    """The feeds of a tree: the latest version of each event type."""
    latest = {item.event_type: item for item in sorted(files)}
    return FeedCatalogue(FeedSpec.of(item.document, item.version) for item in latest.values())


def render(feeds: tuple[FeedSpec, ...]) -> dict[str, str]:
    """Every generated file, by path relative to ``contracts/``, as its exact text."""
    return {ASYNCAPI_FILE: dump_yaml(asyncapi_document(feeds))}


def problems(root: Path) -> list[str]:
    """Everything wrong with the tree at ``root``: broken contracts, history, a stale AsyncAPI file."""
    files = sorted(read_contract_tree(root))
    found = [p for item in files for p in _file_problems(item)]
    for event_type, versions in groupby(files, key=lambda f: f.event_type):
        found += _history(event_type, list(versions))
    if found:
        return found
    for path, text in render(catalogue(files).feeds).items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            found.append(f"{path}: stale (run python -m schemas.contracts.generate)")
    return found


def _file_problems(item: ContractFile) -> list[str]:
    where = f"{item.event_type}/v{item.version}.schema.json"
    try:
        spec = FeedSpec.of(item.document, item.version)
    except HubError as exc:
        return [f"{where}: {exc.code}: {exc.message}"]
    found = []
    if spec.event_type != item.event_type:
        found.append(f"{where}: x-event-type is {spec.event_type}, not its folder's name")
    if contract_version(item.document) != item.version:
        found.append(f"{where}: $id must be {spec.dataschema}")
    return found


def _history(event_type: str, versions: list[ContractFile]) -> list[str]:
    numbers = [item.version for item in versions]
    gaps = [v for v in range(1, max(numbers)) if v not in numbers]
    found = [f"{event_type}/v{v}.schema.json: history is missing" for v in gaps]
    newest, older = versions[-1], versions[:-1]
    incompatible = check(newest.document, [(i.version, i.document) for i in older], FEED_COMPATIBILITY)
    found += [
        f"{event_type}: v{newest.version} {i.rule} at {i.path} against v{i.version}: {i.message}"
        for i in incompatible
    ]
    return found


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
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on any problem")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the contracts folder")
    args = parser.parse_args(argv)
    if not args.check:
        try:
            files = render(catalogue(read_contract_tree(args.root)).feeds)
        except HubError as exc:
            print(f"{exc.code}: {exc.message}", file=sys.stderr)
            return 1
        for path in write(args.root, files):
            print(f"wrote {args.root / path}")
    found = problems(args.root)
    for problem in found:
        print(problem, file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
