"""Check a change's rows against the feed's contract before it is produced.

What a connector calls on every change: ``validate_change(event_type, payload, contract)``
returns the contract id (the contract's ``$id``) to put in the event's ``dataschema``, or raises
``ContractViolation`` whose ``details`` list every failure (row, field, JSON pointer, the JSON
Schema keyword that failed, the offending value truncated), which is what the connector puts on
the quarantine topic.

Which rows are checked follows the operation: the ``after`` image of a create, update or
snapshot read must satisfy the whole contract; a ``before`` image only has to be right about the
fields it carries, because PostgreSQL sends partial old images (only the key columns, under the
default replica identity), except that a delete's ``before`` must carry the key fields, or
nobody could tell which record went. Fields an update lists in ``unchanged`` (TOASTed values the
source did not send) are not required in its ``after``. A truncate has no rows.

Rows are checked as they go on the wire (JSON values: dates as strings), with formats (``date``,
``date-time``) asserted, by validators compiled once per contract. A row is accepted by
``jsonschema-rs`` (Rust, about a hundred times faster: a bulk migration must not wait on its
contract check) and explained by ``jsonschema``, which is the authority on rejection: a row the
fast path refuses but ``jsonschema`` finds nothing wrong with is accepted.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from pydantic_core import to_jsonable_python

from schemas.contracts.normal_form import check_schema
from schemas.errors import ContractViolation
from schemas.events import ChangePayload, Op

SHOWN_VALUE_CHARS = 40
SHOWN_MESSAGE_CHARS = 200
FULL_ROWS = {Op.CREATE: "after", Op.UPDATE: "after", Op.READ: "after"}


class MissingRow(ContractViolation):
    code = "missing_row"


@dataclass(frozen=True)
class _Compiled:
    """One schema compiled twice: the fast acceptance path and the explaining one."""

    fast: Any
    explain: Draft202012Validator

    @classmethod
    def of(cls, schema: dict[str, Any]) -> _Compiled:
        fast = jsonschema_rs.validator_for(schema, validate_formats=True)
        return cls(fast, Draft202012Validator(schema, format_checker=FormatChecker()))

    def errors(self, row: Any) -> list[ValidationError]:
        if self.fast.is_valid(row):
            return []
        found = self.explain.iter_errors(row)
        return sorted(found, key=lambda e: (list(map(str, e.absolute_path)), str(e.validator)))


class ContractValidator:
    """One contract, compiled once: whole rows, partial rows, and partial rows with the key."""

    def __init__(self, schema: dict[str, Any]) -> None:
        check_schema(schema)
        self.contract_id: str | None = schema.get("$id")
        self.key_fields: list[str] = list(schema.get("x-key-fields", []))
        partial = {k: v for k, v in schema.items() if k != "required"}
        self.full = _Compiled.of(schema)
        self.partial = _Compiled.of({**partial, "required": self.key_fields})
        self.any_subset = _Compiled.of(partial)

    def failures(self, payload: ChangePayload) -> list[dict[str, Any]]:
        rows = {"before": _as_json(payload.before), "after": _as_json(payload.after)}
        if self._accepted(payload.op, rows):
            return []
        found: list[dict[str, Any]] = []
        for side, compiled, needed in self._checks(payload.op):
            row = rows[side]
            if row is None and needed:
                found.append(_missing(side, payload.op))
            elif row is not None:
                found += [_detail(side, error) for error in compiled.errors(row)]
        unchanged = set(payload.unchanged or ())  # not sent because unchanged (TOAST): not missing
        return [
            d
            for d in found
            if not (d["rule"] == "required" and d["row"] == "after" and d["field"] in unchanged)
        ]

    def validate(self, event_type: str, payload: ChangePayload) -> str | None:
        """The contract id the payload satisfies; ``ContractViolation`` listing every failure if not."""
        found = self.failures(payload)
        if found:
            fields = ", ".join(f"{d['row']}.{d['field']} ({d['rule']})" for d in found[:10])
            more = f" and {len(found) - 10} more" if len(found) > 10 else ""
            error = MissingRow if all(d["rule"] == "missing_row" for d in found) else ContractViolation
            raise error(f"{event_type} contract violated: {fields}{more}", details=found)
        return self.contract_id

    def _accepted(self, op: Op, rows: dict[str, Any]) -> bool:
        """The fast path's verdict alone, for the rows ``_checks`` names: almost every change
        passes, and then neither a failure list nor the checks' generator is built for it."""
        before, after = rows["before"], rows["after"]
        if op in FULL_ROWS:
            return (
                after is not None
                and self.full.fast.is_valid(after)
                and (before is None or self.any_subset.fast.is_valid(before))
            )
        if op is Op.DELETE:
            return before is not None and bool(self.partial.fast.is_valid(before))
        return op is Op.TRUNCATE

    def _checks(self, op: Op) -> Iterator[tuple[str, _Compiled, bool]]:
        """(row, how to check it, whether it must be there) for each row ``op`` carries."""
        if op in FULL_ROWS:
            yield "after", self.full, True
            yield "before", self.any_subset, False
        elif op is Op.DELETE:
            yield "before", self.partial, True


@functools.lru_cache(maxsize=256)
def _compiled(text: str) -> ContractValidator:
    return ContractValidator(json.loads(text))


def compile_contract(schema: dict[str, Any]) -> ContractValidator:
    """A validator for any contract document (e.g. one from the registry), cached by content.

    Finding it serialises the whole document: ask once per contract version and keep the
    validator (``connectors.contracts.Contracts`` does), never once per change.
    """
    return _compiled(json.dumps(schema, sort_keys=True))


def validate_change(event_type: str, payload: ChangePayload, contract: dict[str, Any]) -> str | None:
    """The contract id the payload satisfies; ``ContractViolation`` listing every failure if not."""
    return compile_contract(contract).validate(event_type, payload)


def _as_json(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A row as its JSON reads (dates as text, NaN as null), as ``model_dump(mode="json")`` of the
    payload gives it, without going through the whole payload (asked per change)."""
    return None if row is None else to_jsonable_python(row, inf_nan_mode="null")


def _missing(side: str, op: Op) -> dict[str, Any]:
    return {"row": side, "field": "", "path": f"/{side}", "rule": "missing_row",
            "message": f"a {op.name.lower()} needs its {side} row", "value": None}  # fmt: skip


def _detail(side: str, error: ValidationError) -> dict[str, Any]:
    parts, value = [str(part) for part in error.absolute_path], error.instance
    if error.validator == "required" and isinstance(error.instance, dict):
        parts.append(_named(error, error.validator_value))
        value = None
    elif error.validator == "additionalProperties" and isinstance(error.instance, dict):
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        parts.append(",".join(extra))
        value = {name: error.instance[name] for name in extra}
    return {
        "row": side,
        "field": ".".join(parts),
        "path": "/" + "/".join([side, *parts]),
        "rule": str(error.validator),
        "message": _truncated(error.message, SHOWN_MESSAGE_CHARS),
        "value": None
        if value is None
        else _truncated(json.dumps(value, ensure_ascii=False), SHOWN_VALUE_CHARS),
    }


def _named(error: ValidationError, required: Any) -> str:
    """The one missing property a ``required`` error is about (jsonschema reports one each)."""
    missing = [name for name in required if name not in error.instance]
    return next((name for name in missing if repr(name) in error.message), ",".join(missing))


def _truncated(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
