"""The built-in feeds: the contract files under the repository's ``contracts/`` folder.

``contracts/<event type>/v<N>.schema.json`` holds version N of a contract in the format of
``schemas.contracts.document``. The folder ships inside this package (``contracts`` here links to
it, copied into wheels as package data), so an installed hub reads the same files as a checkout.
The hub's store loads them into its contract registry at migration; this module only reads them.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from typing import Any

from schemas.errors import InvalidInput


class UnreadableContractFile(InvalidInput):
    """A file of a contracts tree is not a JSON object: the tree (or the package) is damaged."""

    code = "contract_file_unreadable"


BUILTIN_FOLDER = "contracts"
VERSION_FILE = re.compile(r"^v(?P<version>[1-9][0-9]*)\.schema\.json$")


@dataclass(frozen=True, order=True)
class ContractFile:
    """One version of one contract, as its file names it."""

    event_type: str
    version: int
    document: dict[str, Any]


def builtin_root() -> Traversable:
    return importlib.resources.files("schemas.feeds") / BUILTIN_FOLDER


@functools.cache
def builtin_contract_files() -> tuple[ContractFile, ...]:
    """Every built-in contract version, by event type then version (the order to register them)."""
    return tuple(sorted(read_contract_tree(builtin_root()), key=lambda f: (f.event_type, f.version)))


def read_contract_tree(root: Traversable) -> list[ContractFile]:
    """The contract files of a ``contracts/``-shaped tree; other files (AsyncAPI, READMEs) skipped."""
    found = []
    for folder in (item for item in root.iterdir() if item.is_dir()):
        for item in folder.iterdir():
            match = VERSION_FILE.match(item.name)
            if match is not None:
                found.append(ContractFile(folder.name, int(match["version"]), _read(item)))
    return found


def _read(item: Traversable) -> dict[str, Any]:
    try:
        document = json.loads(item.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableContractFile(f"cannot read contract file {item.name}: {exc}") from exc
    if not isinstance(document, dict):
        raise UnreadableContractFile(f"contract file {item.name} does not hold a JSON object")
    return document
