"""A captured change of a mapped table, reshaped into its contract's fields (pure).

Both images of a change are mapped: the ``after`` row of an insert or update, and the ``before``
row, which PostgreSQL may send partial (only the replica identity's columns); a column the
image does not carry leaves its field out rather than failing, so the contract check judges a
partial image as it does today. Constants appear in full rows only (``after``). The record key
is rebuilt from the contract's key fields of the mapped row, so it is the same whatever the
source table's own primary key is; the administrative unit is the mapping's ``admin_unit`` rule,
else the contract's admin-unit field of the mapped row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from connectors.mapping.config import TableMapping
from connectors.mapping.contract import ContractShape
from connectors.mapping.values import MappingFailed, produce
from connectors.source import Change
from schemas.events import Op


class MappingKeyMissing(MappingFailed):
    code = "mapping_key_missing"


class TableMapper:
    """One feed's mapping, bound to its contract and the connector's salt."""

    def __init__(self, mapping: TableMapping, contract: ContractShape, salt: bytes = b"") -> None:
        self.mapping = mapping
        self.contract = contract
        self.salt = salt

    def row(self, source: Mapping[str, Any], *, full: bool = True) -> dict[str, Any]:
        """The contract row; ``full=False`` for a partial image (constants left out)."""
        mapped: dict[str, Any] = {}
        for name, rule in self.mapping.fields.items():
            if rule.column is None and full:
                mapped[name] = rule.constant
            elif rule.column is not None and rule.column in source:
                mapped[name] = produce(name, rule, source[rule.column], self.salt)
        return mapped

    def dropped(self, source: Mapping[str, Any]) -> list[str]:
        """The source columns that do not leave the ministry."""
        return sorted(set(source) - self.mapping.columns())

    def admin_unit(self, source: Mapping[str, Any], mapped: Mapping[str, Any]) -> str | None:
        rule = self.mapping.admin_unit
        if rule is not None:
            value = produce("(admin unit)", rule, source.get(rule.column or ""), self.salt)
        else:
            field = self.contract.admin_unit_field
            value = mapped.get(field) if field is not None else None
        return None if value is None else str(value)

    def key(self, mapped: Mapping[str, Any]) -> dict[str, Any]:
        missing = [name for name in self.contract.key_fields if mapped.get(name) is None]
        if missing:
            raise MappingKeyMissing(
                f"key field(s) {', '.join(missing)} of {self.contract.event_type} are missing from the "
                "mapped row (a delete under the default replica identity carries only the primary key: "
                "ALTER TABLE ... REPLICA IDENTITY FULL)",
                details={"fields": missing},
            )
        return {name: mapped[name] for name in self.contract.key_fields}

    def _fields_of(self, columns: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(name for name, rule in self.mapping.fields.items() if rule.column in columns)

    def change(self, change: Change) -> Change:
        """The change with contract rows, the contract's key and the computed admin unit."""
        if change.op is Op.TRUNCATE:
            return change
        before = None if change.before is None else self.row(change.before, full=False)
        after = None if change.after is None else self.row(change.after)
        source = change.after if change.after is not None else change.before or {}
        mapped = after if after is not None else before or {}
        return dataclasses.replace(
            change,
            key=self.key(mapped),
            before=before,
            after=after,
            admin_unit=self.admin_unit(source, mapped),
            unchanged_toast=self._fields_of(change.unchanged_toast),
        )


__all__ = ["MappingKeyMissing", "TableMapper"]
