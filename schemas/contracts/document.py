"""The contract file format: a JSON Schema (draft 2020-12) of one feed's row plus the hub's metadata.

A contract document is the one definition of a feed; no code names feeds. It is a JSON Schema
object with these additions (full description and an example: ``docs/guide/contracts.md``)::

    $id                  urn:vn-gov-hub:contract:<event type>:v<N>  (optional: the registry sets it)
    x-event-type         vn.gov.<domain>.<entity>.v<major>           (required)
    title                a human title of the feed                    (required)
    type                 "object", with additionalProperties: false   (closed: nothing leaks by accident)
    properties           every field, each with a non-empty description and
                         x-sensitivity: public | personal | sensitive
    x-key-fields         the field(s) that identify a record, in key order; each required
    x-admin-unit-field   the field holding the record's administrative unit (a string code)

``parse_contract`` checks all of it and raises ``InvalidContract`` (``invalid_contract``) whose
``details`` list every problem with its own stable ``code`` and JSON pointer, so a ministry fixes
its file in one round. It does no I/O: the registry, the built-in catalogue and connectors all
read the same format through it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from schemas import naming
from schemas.contracts.normal_form import check_schema
from schemas.errors import InvalidInput

SENSITIVITIES = ("public", "personal", "sensitive")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
EVENT_TYPE_KEY = "x-event-type"
KEY_FIELDS_KEY = "x-key-fields"
ADMIN_UNIT_FIELD_KEY = "x-admin-unit-field"
SENSITIVITY_KEY = "x-sensitivity"
_CONTRACT_ID = re.compile(rf"^{re.escape(naming.CONTRACT_URN_PREFIX)}(?P<type>.+):v(?P<version>[1-9][0-9]*)$")
_SCALAR_TYPES = frozenset({"string", "integer", "number", "boolean"})


class InvalidContract(InvalidInput):
    """A document that is not a contract; ``details`` lists each problem (code, path, message)."""

    code = "invalid_contract"


@dataclass(frozen=True)
class Contract:
    """A checked contract document and the metadata the hub reads from it."""

    event_type: str
    version: int | None  # from ``$id``; None until the registry numbers it
    title: str
    key_fields: tuple[str, ...]
    admin_unit_field: str
    document: dict[str, Any]

    @property
    def name(self) -> naming.FeedName:
        return naming.parse_event_type(self.event_type)

    def sensitivity(self) -> dict[str, str]:
        """Each field's sensitivity class, by field name."""
        return {name: prop[SENSITIVITY_KEY] for name, prop in self.document["properties"].items()}


def parse_contract(document: Any, *, trusted: bool = False) -> Contract:
    """The contract ``document`` describes; ``InvalidContract`` listing every problem otherwise.

    ``trusted`` skips the meta-schema check (slow) for documents the registry already accepted.
    """
    if not isinstance(document, dict):
        raise InvalidContract("a contract is a JSON object", details=[_problem("not_an_object", "", "")])
    if not trusted:
        check_schema(document)
    found = list(_problems(document))
    if found:
        shown = "; ".join(f"{p['code']} at {p['path'] or '/'}" for p in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise InvalidContract(f"not a valid contract: {shown}{more}", details=found)
    return Contract(
        event_type=document[EVENT_TYPE_KEY],
        version=contract_version(document),
        title=document["title"],
        key_fields=tuple(document[KEY_FIELDS_KEY]),
        admin_unit_field=document[ADMIN_UNIT_FIELD_KEY],
        document=document,
    )


def contract_version(document: dict[str, Any]) -> int | None:
    """The version the document's ``$id`` names (None without one; not checked here)."""
    match = _CONTRACT_ID.match(str(document.get("$id", "")))
    return int(match["version"]) if match else None


def numbered(document: dict[str, Any], version: int) -> dict[str, Any]:
    """The document as version ``version`` of its event type: ``$id`` (and ``$schema``) set."""
    event_type = str(document.get(EVENT_TYPE_KEY))
    return {"$schema": DRAFT_2020_12, **document, "$id": naming.contract_id(event_type, version)}


def _problem(code: str, path: str, message: str) -> dict[str, str]:
    return {"code": code, "path": path, "message": message}


def _problems(doc: dict[str, Any]) -> Iterator[dict[str, str]]:
    yield from _identity(doc)
    if doc.get("type") != "object" or doc.get("additionalProperties") is not False:
        closed = 'a contract is "type": "object" with "additionalProperties": false'
        yield _problem("open_contract", "", closed)
    properties = doc.get("properties")
    if not isinstance(properties, dict) or not properties:
        yield _problem("missing_properties", "/properties", "a contract lists its fields under properties")
        return
    for name, prop in properties.items():
        yield from _field(name, prop)
    required = doc.get("required", [])
    for name in required:
        if name not in properties:
            message = f"required field {name!r} is not a property"
            yield _problem("unknown_required_field", "/required", message)
    yield from _key_fields(doc.get(KEY_FIELDS_KEY), properties, required)
    yield from _admin_unit_field(doc.get(ADMIN_UNIT_FIELD_KEY), properties)


def _identity(doc: dict[str, Any]) -> Iterator[dict[str, str]]:
    event_type = doc.get(EVENT_TYPE_KEY)
    named = _event_type_problem(event_type)
    if named is not None:
        yield named
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        yield _problem("missing_title", "/title", "a contract has a non-empty title")
    given = doc.get("$id")
    if given is not None and named is None:
        match = _CONTRACT_ID.match(str(given))
        if match is None or match["type"] != event_type:
            expected = f"{naming.CONTRACT_URN_PREFIX}{event_type}:v<N>"
            yield _problem("invalid_contract_id", "/$id", f"$id must be {expected} (or left out)")
    if doc.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        yield _problem("unsupported_draft", "/$schema", f"contracts are JSON Schema {DRAFT_2020_12}")


def _event_type_problem(event_type: Any) -> dict[str, str] | None:
    if not isinstance(event_type, str):
        message = "name the feed: vn.gov.<domain>.<entity>.v<major>"
        return _problem("missing_event_type", f"/{EVENT_TYPE_KEY}", message)
    try:
        naming.parse_event_type(event_type)
    except naming.InvalidName as exc:
        return _problem("invalid_event_type", f"/{EVENT_TYPE_KEY}", exc.message)
    return None


def _field(name: str, prop: Any) -> Iterator[dict[str, str]]:
    path = f"/properties/{name}"
    if not isinstance(prop, dict):
        yield _problem("invalid_field", path, "a field is a JSON Schema object")
        return
    if not isinstance(prop.get("description"), str) or not prop["description"].strip():
        yield _problem("missing_description", f"{path}/description", f"field {name!r} needs a description")
    if SENSITIVITY_KEY not in prop:
        yield _problem(
            "missing_sensitivity", f"{path}/{SENSITIVITY_KEY}", f"field {name!r} needs one of {SENSITIVITIES}"
        )
    elif prop[SENSITIVITY_KEY] not in SENSITIVITIES:
        yield _problem(
            "unknown_sensitivity",
            f"{path}/{SENSITIVITY_KEY}",
            f"{prop[SENSITIVITY_KEY]!r} is not one of {SENSITIVITIES}",
        )


def _key_fields(keys: Any, properties: dict[str, Any], required: list[Any]) -> Iterator[dict[str, str]]:
    path = f"/{KEY_FIELDS_KEY}"
    if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
        yield _problem("missing_key_fields", path, "name the field(s) that identify a record")
        return
    if len(set(keys)) != len(keys):
        yield _problem("duplicate_key_field", path, "a key field is listed twice")
    for key in keys:
        if key not in properties:
            yield _problem("unknown_key_field", path, f"key field {key!r} is not a property")
        elif key not in required:
            yield _problem("optional_key_field", path, f"key field {key!r} must be required")
        elif not _scalar(properties[key]):
            message = f"key field {key!r} must be a string, number or boolean"
            yield _problem("non_scalar_key_field", path, message)


def _admin_unit_field(field: Any, properties: dict[str, Any]) -> Iterator[dict[str, str]]:
    path = f"/{ADMIN_UNIT_FIELD_KEY}"
    if not isinstance(field, str):
        yield _problem("missing_admin_unit_field", path, "name the field holding the administrative unit")
    elif field not in properties:
        yield _problem("unknown_admin_unit_field", path, f"admin-unit field {field!r} is not a property")
    elif "string" not in _types(properties[field]):
        message = f"admin-unit field {field!r} must be a string code"
        yield _problem("non_string_admin_unit_field", path, message)


def _types(prop: Any) -> set[str]:
    if not isinstance(prop, dict):  # a boolean schema (true/false): no declared type
        return set()
    given = prop.get("type", [])
    return {given} if isinstance(given, str) else set(given)


def _scalar(prop: Any) -> bool:
    types = _types(prop) - {"null"}
    if not types and isinstance(prop, dict) and "enum" in prop:
        return True
    return bool(types) and types <= _SCALAR_TYPES


__all__ = [
    "ADMIN_UNIT_FIELD_KEY",
    "EVENT_TYPE_KEY",
    "KEY_FIELDS_KEY",
    "SENSITIVITIES",
    "SENSITIVITY_KEY",
    "Contract",
    "InvalidContract",
    "contract_version",
    "numbered",
    "parse_contract",
]
