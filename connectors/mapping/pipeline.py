"""A connector's mappings, applied to each change before its contract check.

Built once per publisher from the connector config: each mapped feed's rule set bound to its
contract (found through ``lookup.contract_schema``) and the connector's salt. A change of a
table without a mapping passes through untouched, so connectors without mappings behave as
before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.config import ConnectorConfigBase, TableFeed
from connectors.errors import AdminUnitColumnMissing
from connectors.mapping.checks import SourceType, check_mapping
from connectors.mapping.contract import ContractShape
from connectors.mapping.lookup import contract_schema
from connectors.mapping.rows import TableMapper
from connectors.source import Change
from schemas.errors import ConfigurationError

ContractLookup = Callable[[str], dict[str, Any] | None]


class MappedContractMissing(ConfigurationError):
    code = "mapping_contract_missing"


class Mappers:
    """Change -> change in the contract's shape, for every mapped feed of one connector."""

    def __init__(self, config: ConnectorConfigBase, lookup: ContractLookup = contract_schema) -> None:
        salt = config.mapping_salt.get_secret_value().encode() if config.mapping_salt else b""
        self._by_table = {
            feed.table: TableMapper(feed.mapping, shape_of(feed.event_type, lookup), salt)
            for feed in config.feeds
            if feed.mapping is not None
        }

    def __call__(self, change: Change) -> Change:
        mapper = self._by_table.get(change.table)
        return change if mapper is None or change.event_type is not None else mapper.change(change)

    def of(self, table: str) -> TableMapper | None:
        return self._by_table.get(table)


def shape_of(event_type: str, lookup: ContractLookup = contract_schema) -> ContractShape:
    schema = lookup(event_type)
    if schema is None:
        raise MappedContractMissing(
            f"a mapping targets {event_type}, whose contract is unknown: register the contract first",
            details={"event_type": event_type},
        )
    return ContractShape.of(event_type, schema)


def check_feed_columns(
    feed: TableFeed, columns: Mapping[str, SourceType], lookup: ContractLookup = contract_schema
) -> ContractShape | None:
    """A feed against its table's columns, at apply: the admin-unit column exists, and the mapping
    (if any) is sound against the columns and the contract, whose shape is returned."""
    if feed.admin_unit_column is not None and feed.admin_unit_column not in columns:
        raise AdminUnitColumnMissing(
            f"{feed.table} has no column {feed.admin_unit_column}: fix admin_unit_column "
            f"(columns: {', '.join(columns)})",
            details={"table": feed.table, "column": feed.admin_unit_column},
        )
    if feed.mapping is None:
        return None
    contract = shape_of(feed.event_type, lookup)
    check_mapping(feed.table, feed.mapping, columns, contract)
    return contract


__all__ = ["ContractLookup", "MappedContractMissing", "Mappers", "check_feed_columns", "shape_of"]
