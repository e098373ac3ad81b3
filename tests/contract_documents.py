"""Contract documents for tests that need a feed of their own (a unique event type per test)."""

from __future__ import annotations

import copy
from typing import Any

from schemas.feeds import feed_for_event_type

PARCEL = "vn.gov.land.parcel.v1"


def retyped(event_type: str, like: str = PARCEL) -> dict[str, Any]:
    """A built-in contract under another event type (``$id`` left for the registry to number)."""
    document = copy.deepcopy(feed_for_event_type(like).schema)
    document.pop("$id")
    document["x-event-type"] = event_type
    return document


def contract(
    event_type: str,
    properties: dict[str, dict[str, Any]],
    *,
    key: tuple[str, ...],
    admin_unit: str,
    required: list[str] | None = None,
) -> dict[str, Any]:
    """A closed contract of ``properties`` (each given a description and ``public`` sensitivity)."""
    fields = {
        name: {"description": name, "x-sensitivity": "public", **prop} for name, prop in properties.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "x-event-type": event_type,
        "title": f"Test feed {event_type}",
        "type": "object",
        "additionalProperties": False,
        "properties": fields,
        "required": list(fields) if required is None else required,
        "x-key-fields": list(key),
        "x-admin-unit-field": admin_unit,
    }
