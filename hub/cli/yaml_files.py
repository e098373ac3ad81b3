"""The ``apply`` commands' shared steps: read one resource per YAML document, PUT each.

Shared by ``hub connectors apply`` and ``hub subscriptions apply`` so both refuse a bad file the
same way, with the same code, before anything reaches the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.cli.client import ApiClient
from schemas.errors import InvalidInput


class InvalidResourceFile(InvalidInput):
    """A file the CLI reads (apply YAML, a contract's JSON) cannot be read or holds no resource."""

    code = "invalid_file"


@dataclass(frozen=True)
class Applied:
    name: str
    verb: str  # "created" | "updated"
    body: Any


def read_documents(file: Path, *, identity: str, what: str) -> list[dict[str, Any]]:
    """The documents of ``file``, each a mapping whose ``identity`` field is a string."""
    try:
        documents = [doc for doc in yaml.safe_load_all(file.read_text(encoding="utf-8")) if doc is not None]
    except yaml.YAMLError as exc:
        raise InvalidResourceFile(f"{file} is not valid YAML: {exc}") from exc
    if not documents:
        raise InvalidResourceFile(f"{file} holds no {what}")
    for doc in documents:
        if not isinstance(doc, dict) or not isinstance(doc.get(identity), str):
            raise InvalidResourceFile(f"{file}: each document must be a mapping with a '{identity}'")
    return documents


def put_each(
    client: ApiClient, path: str, documents: list[dict[str, Any]], *, identity: str
) -> Iterator[Applied]:
    """PUT every document at ``path/<identity>`` in file order, saying whether each was new."""
    for document in documents:
        name = document[identity]
        response = client.request("PUT", f"{path}/{name}", document)
        yield Applied(name, "created" if response.status_code == 201 else "updated", response.json())
