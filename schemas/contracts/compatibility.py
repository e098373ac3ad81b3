"""Is a candidate contract compatible with the versions before it? The registry's gate.

Modes follow the usual schema-registry meanings, stated in terms of data::

    BACKWARD    the candidate can read data written with the latest version
    FORWARD     readers of the latest version can read data written with the candidate
    FULL        both
    *_TRANSITIVE  the same against every earlier version, not only the latest
    NONE        no check

"Can read" means: every value valid under the writer's schema is valid under the reader's.
Incompatibilities are reported field by field with a stable ``rule`` code. Codes name the
change from the old schema to the new one: backward checks report tightenings
(``required_field_added``, ``type_narrowed``, ``enum_value_removed``, ``max_length_tightened``,
``pattern_added``, ``field_removed`` from a closed schema...), forward checks report loosenings
(``field_removed`` of a required field, ``field_made_optional``, ``type_widened``,
``enum_value_added``, ``field_added`` to a closed schema, ``max_length_loosened``...);
``type_changed``, ``pattern_changed``, ``format_changed`` and ``unsupported_change`` (a keyword
whose effect cannot be proven safe, e.g. a changed ``anyOf``) can come from either.

Adding an optional field is backward compatible for a closed schema
(``additionalProperties: false``, as every generated contract is) but not for an open one:
old data may already carry that name with any value (``property_added_to_open_model``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from schemas.contracts import normal_form
from schemas.contracts.subsumption import compare


class Mode(StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"

    @property
    def transitive(self) -> bool:
        return self.endswith("_TRANSITIVE")

    @property
    def backward(self) -> bool:
        return self.startswith(("BACKWARD", "FULL"))

    @property
    def forward(self) -> bool:
        return self.startswith(("FORWARD", "FULL"))


@dataclass(frozen=True)
class Incompatibility:
    path: str  # JSON pointer into the candidate schema's instance, e.g. "/properties/area_m2"
    rule: str  # stable machine code, e.g. "required_field_added"
    message: str
    version: int | None  # the existing version it conflicts with

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "rule": self.rule, "message": self.message, "version": self.version}


def check_schema(schema: dict[str, Any]) -> None:
    """Raise ``InvalidInput`` (code ``invalid_schema``) unless ``schema`` can be a contract."""
    normal_form.check_schema(schema)


def check(
    candidate: dict[str, Any], history: Sequence[tuple[int, dict[str, Any]]], mode: Mode
) -> list[Incompatibility]:
    """Every incompatibility of ``candidate`` with ``history`` (oldest first) under ``mode``.

    An empty list means compatible. A malformed candidate raises ``InvalidInput``.
    """
    new = normal_form.normal_form(candidate)
    mode = Mode(mode)
    if mode is Mode.NONE or not history:
        return []
    against = history if mode.transitive else history[-1:]
    found: list[Incompatibility] = []
    for version, schema in against:
        old = normal_form.normal_form(schema, trusted=True)
        found += _against(new, old, version, mode)
    return found


def _against(new: Any, old: Any, version: int, mode: Mode) -> list[Incompatibility]:
    findings = []
    if mode.backward:
        findings += compare(new, old, reader_is_new=True)
    if mode.forward:
        findings += compare(old, new, reader_is_new=False)
    unique = {(f.path, f.rule): f for f in reversed(findings)}  # FULL: one per field and rule
    return [Incompatibility(f.path, f.rule, f.message, version) for f in reversed(unique.values())]


__all__ = ["Incompatibility", "Mode", "check", "check_schema"]
