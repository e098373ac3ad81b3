"""The ``apply`` commands' shared steps: read one resource per YAML document, PUT each.

Shared by ``hub connectors apply`` and ``hub subscriptions apply`` so both refuse a bad file the
same way, with the same code (``invalid_file``), before anything reaches the API. A file is
checked in full first, so a file that cannot be applied changes nothing:

- its size (at most ``MAX_FILE_BYTES``) and encoding (UTF-8), before it is parsed;
- no anchors or aliases: they are found by the scanner, which is linear, before the composer
  could expand them (a few hundred bytes of nested aliases cost seconds to minutes of CPU);
- every document: a mapping with its identity, ``${VAR}`` expanded from the environment (an
  unset variable is refused by name), then the resource's own check (``check``), which is the
  API's parsing of the document, so a malformed second document stops the first one too.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from hub.cli.client import ApiClient
from schemas.errors import HubError, InvalidInput

MAX_FILE_BYTES = 1_048_576
MAX_DEPTH = 64  # the scanner slows down with every open level: no apply document needs more
# libyaml (bundled with PyYAML's wheels) reads ten times faster; the pure-Python loader otherwise.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPENS = (
    yaml.FlowSequenceStartToken,
    yaml.FlowMappingStartToken,
    yaml.BlockSequenceStartToken,
    yaml.BlockMappingStartToken,
)
_CLOSES = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class InvalidResourceFile(InvalidInput):
    """A file the CLI reads (apply YAML, a contract's JSON) cannot be read or holds no resource."""

    code = "invalid_file"


@dataclass(frozen=True)
class Applied:
    name: str
    verb: str  # "created" | "updated"
    body: Any


def read_text(file: Path) -> str:
    """The text of ``file``, refused when it is too large or not UTF-8 (a binary file)."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InvalidResourceFile(f"cannot read {file}: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise InvalidResourceFile(f"{file} is larger than {MAX_FILE_BYTES} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidResourceFile(
            f"{file} is not UTF-8 text (byte {exc.start}): is it a binary file?"
        ) from exc


def load_yaml_documents(text: str, file: Path) -> list[Any]:
    """Every document of ``text``, refusing anchors, aliases and deep nesting before composing."""
    try:
        _scan(text, file)
        return list(yaml.load_all(text, Loader=_LOADER))
    except yaml.YAMLError as exc:
        raise InvalidResourceFile(f"{file} is not valid YAML: {exc}") from exc


def _scan(text: str, file: Path) -> None:
    """Read the tokens only, stopping at the first anchor, alias or level past ``MAX_DEPTH``."""
    depth = 0
    for token in yaml.scan(text, Loader=_LOADER):
        if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
            problem = "YAML anchors and aliases (&name, *name) are not accepted"
        else:
            depth += isinstance(token, _OPENS) - isinstance(token, _CLOSES)
            if depth <= MAX_DEPTH:
                continue
            problem = f"nested more than {MAX_DEPTH} levels deep"
        raise InvalidResourceFile(f"{file}, line {token.start_mark.line + 1}: {problem}")


def read_documents(
    file: Path,
    *,
    identity: str,
    what: str,
    check: Callable[[dict[str, Any]], object] | None = None,
) -> list[dict[str, Any]]:
    """The documents of ``file``, each a mapping with a string ``identity``, ``${VAR}`` expanded.

    ``check`` parses one document as the API would and raises a ``HubError`` or pydantic's
    ``ValidationError`` when it is malformed; the whole file is then refused, naming the document.
    """
    documents = [doc for doc in load_yaml_documents(read_text(file), file) if doc is not None]
    if not documents:
        raise InvalidResourceFile(f"{file} holds no {what}")
    for doc in documents:
        if not isinstance(doc, dict) or not isinstance(doc.get(identity), str):
            raise InvalidResourceFile(f"{file}: each document must be a mapping with a '{identity}'")
    expanded = [_expanded(doc, file) for doc in documents]
    for number, doc in enumerate(expanded, start=1):
        if check is not None:
            _checked(check, doc, f"{file}, document {number} ({what} {doc[identity]!r})")
    return expanded


def _checked(check: Callable[[dict[str, Any]], object], document: dict[str, Any], where: str) -> None:
    try:
        check(document)
    except HubError as exc:
        raise InvalidResourceFile(
            f"{where}: [{exc.code}] {exc.message}; nothing in the file was applied", details=exc.details
        ) from exc
    except ValidationError as exc:
        fields = [
            {"field": ".".join(str(part) for part in err["loc"]), "message": err["msg"]}
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidResourceFile(
            f"{where} is invalid; nothing in the file was applied", details=fields
        ) from exc


def _expanded(value: Any, file: Path) -> Any:
    if isinstance(value, str):
        return _ENV_REFERENCE.sub(lambda match: _env(match.group(1), file), value)
    if isinstance(value, dict):
        return {key: _expanded(item, file) for key, item in value.items()}
    if isinstance(value, list):
        return [_expanded(item, file) for item in value]
    return value


def _env(name: str, file: Path) -> str:
    if name not in os.environ:
        raise InvalidResourceFile(f"{file} refers to ${{{name}}}, which is not set in the environment")
    return os.environ[name]


def put_each(
    client: ApiClient, path: str, documents: list[dict[str, Any]], *, identity: str
) -> Iterator[Applied]:
    """PUT every document at ``path/<identity>`` in file order, saying whether each was new."""
    for document in documents:
        name = document[identity]
        response = client.request("PUT", f"{path}/{name}", document)
        yield Applied(name, "created" if response.status_code == 201 else "updated", response.json())
