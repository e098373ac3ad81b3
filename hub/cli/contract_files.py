"""The generated contract files on disk: ``contracts/<subject>/v<N>.schema.json``.

Other files in the tree (the AsyncAPI document, READMEs) are not contracts and are skipped.
Reading a file that is not a JSON object fails with ``InvalidResourceFile`` naming the file,
before anything is sent to the API.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.cli.yaml_files import InvalidResourceFile
from schemas.errors import InvalidInput

_VERSION_FILE = re.compile(r"^v(?P<version>[1-9][0-9]*)\.schema\.json$")


class InvalidPath(InvalidInput):
    """The path given as the contracts' root is not a directory."""

    code = "invalid_path"


@dataclass(frozen=True, order=True)
class ContractFile:
    subject: str
    version: int
    path: Path


def discover(root: Path) -> list[ContractFile]:
    """Every contract file under ``root``, by subject then version (the order to register them)."""
    if not root.is_dir():
        raise InvalidPath(f"{root} is not a directory of contracts")
    found = [
        ContractFile(subject=path.parent.name, version=int(match["version"]), path=path)
        for path in root.glob("*/v*.schema.json")
        if (match := _VERSION_FILE.match(path.name))
    ]
    return sorted(found)


def read_schema(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidResourceFile(f"cannot read {path}: {exc}") from exc
    if not isinstance(document, dict):
        raise InvalidResourceFile(f"{path} does not hold a JSON object")
    return document
