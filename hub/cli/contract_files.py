"""Contract files on disk: one file (JSON, or YAML for hand-written ones), or a tree shaped like
``contracts/<subject>/v<N>.schema.json``.

Other files in a tree (the AsyncAPI document, READMEs) are not contracts and are skipped.
Reading a file that is not a JSON or YAML object fails with ``InvalidResourceFile`` naming the
file, before anything is sent to the API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.cli.yaml_files import InvalidResourceFile, load_yaml_documents, read_text
from schemas.contracts.document import EVENT_TYPE_KEY
from schemas.errors import InvalidInput

YAML_SUFFIXES = (".yaml", ".yml")

_VERSION_FILE = re.compile(r"^v(?P<version>[1-9][0-9]*)\.schema\.json$")


class InvalidPath(InvalidInput):
    """The path given as the contracts' root is not a directory."""

    code = "invalid_path"


@dataclass(frozen=True, order=True)
class FoundContract:
    subject: str
    version: int
    path: Path


def discover(root: Path) -> list[FoundContract]:
    """Every contract file under ``root``, by subject then version (the order to register them)."""
    if not root.is_dir():
        raise InvalidPath(f"{root} is not a directory of contracts")
    found = [
        FoundContract(subject=path.parent.name, version=int(match["version"]), path=path)
        for path in root.glob("*/v*.schema.json")
        if (match := _VERSION_FILE.match(path.name))
    ]
    return sorted(found)


def read_schema(path: Path) -> dict[str, Any]:
    """One contract document, read with the apply files' limits (size, UTF-8, no YAML aliases)."""
    text = read_text(path)
    if path.suffix in YAML_SUFFIXES:
        documents = load_yaml_documents(text, path)
        if len(documents) != 1:
            raise InvalidResourceFile(f"{path} holds {len(documents)} YAML documents; a contract is one")
        document = documents[0]
    else:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidResourceFile(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidResourceFile(f"{path} does not hold a JSON object")
    return document


class MissingEventType(InvalidInput):
    """A contract file without ``x-event-type``, registered without naming its subject."""

    code = "missing_event_type"


def subject_of(document: dict[str, Any], path: Path) -> str:
    """The subject a contract file registers under: its event type."""
    event_type = document.get(EVENT_TYPE_KEY)
    if not isinstance(event_type, str):
        raise MissingEventType(f"{path} names no {EVENT_TYPE_KEY}: add it or give the subject")
    return event_type
