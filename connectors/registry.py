"""The registry of source kinds: kind name -> typed config model, factory and validation hook.

A kind registers itself once, at import, from its package (``connectors/<kind>/__init__.py``)::

    registry.register("postgres_cdc", PostgresCdcConfig, PostgresCdcSource, validate=check_config)

- ``config_model`` subclasses ``ConnectorConfigBase`` with ``kind: Literal["postgres_cdc"]``;
- ``factory(config, context) -> Source`` builds a fresh, unstarted source (``SourceContext``);
- ``validate(config, contracts) -> None`` runs at registration, in a worker thread (it may block on the
  database for a few seconds), and raises ``schemas.errors.ConfigurationError`` with a precise
  code when the config cannot work: ``source_unreachable``, ``table_missing``,
  ``no_replication_privilege``, ``wal_level_not_logical``, ``unknown_contract``...

Built-in kinds are imported explicitly in ``connectors.kinds`` (no discovery), and
``parse_config`` loads them first, so every caller sees the same set of kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Generic, TypeVar, Union

from pydantic import Field, TypeAdapter, ValidationError

from connectors.config import ConnectorConfigBase
from connectors.context import SourceContext
from connectors.contracts import ContractLookup, builtin_contract
from connectors.source import Source
from schemas.errors import Conflict, InvalidInput, NotFound

C = TypeVar("C", bound=ConnectorConfigBase)


class UnknownKind(NotFound):
    code = "unknown_connector_kind"
    status = 422


class InvalidConnectorConfig(InvalidInput):
    code = "invalid_connector_config"


@dataclass(frozen=True)
class Kind(Generic[C]):
    name: str
    config_model: type[C]
    factory: Callable[[C, SourceContext], Source]
    validate: Callable[[C, ContractLookup], None] | None = None


_KINDS: dict[str, Kind[Any]] = {}


def register(
    kind: str,
    config_model: type[C],
    factory: Callable[[C, SourceContext], Source],
    *,
    validate: Callable[[C, ContractLookup], None] | None = None,
) -> None:
    """Add a kind; registering the same kind twice with another model is a programming error."""
    existing = _KINDS.get(kind)
    if existing is not None and existing.config_model is not config_model:
        raise Conflict(f"connector kind {kind!r} is already registered")
    _KINDS[kind] = Kind(kind, config_model, factory, validate)
    _union_adapter.cache_clear()


def kinds() -> Mapping[str, Kind[Any]]:
    _load_builtins()
    return dict(_KINDS)


def kind_of(config: ConnectorConfigBase) -> Kind[Any]:
    return _lookup(config.kind)


def _lookup(name: str) -> Kind[Any]:
    _load_builtins()
    found = _KINDS.get(name)
    if found is None:
        raise UnknownKind(f"unknown connector kind {name!r}", details={"known": sorted(_KINDS)})
    return found


def parse_config(document: Mapping[str, Any]) -> ConnectorConfigBase:
    """Parse a YAML/JSON document into exactly one registered config type."""
    kind = document.get("kind")
    if not isinstance(kind, str):
        raise InvalidConnectorConfig("connector config needs a 'kind'", details={"known": sorted(kinds())})
    _lookup(kind)
    try:
        config: ConnectorConfigBase = _union_adapter().validate_python(document)
    except ValidationError as exc:
        raise InvalidConnectorConfig(
            f"invalid {kind} connector config", details=_field_errors(exc, kind)
        ) from exc
    return config


def build_source(config: ConnectorConfigBase, context: SourceContext) -> Source:
    return kind_of(config).factory(config, context)


def validate(config: ConnectorConfigBase, contracts: ContractLookup = builtin_contract) -> None:
    """Run the kind's registration check (blocking); a kind without one accepts any config.

    ``contracts`` finds the feeds' contract documents (the hub passes its registry) for the
    mapping checks.
    """
    check = kind_of(config).validate
    if check is not None:
        check(config, contracts)


def config_union() -> Any:
    """The discriminated union of every registered config model (for OpenAPI and parsing)."""
    models = tuple(kind.config_model for kind in kinds().values())
    if not models:
        return ConnectorConfigBase
    if len(models) == 1:
        return models[0]
    return Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007  # built at run time


@cache
def _union_adapter() -> TypeAdapter[ConnectorConfigBase]:
    return TypeAdapter(config_union())


def _field_errors(exc: ValidationError, kind: str) -> list[dict[str, str]]:
    """Field and message of each failure, without the rejected value (it may be a password)."""
    errors = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in err["loc"]]
        if loc and loc[0] == kind:  # the union's tag, not a field the user wrote
            loc = loc[1:]
        errors.append({"field": ".".join(loc), "message": err["msg"], "type": err["type"]})
    return errors


@cache
def _load_builtins() -> None:
    import connectors.kinds  # noqa: F401  # registers the built-in kinds


__all__ = [
    "InvalidConnectorConfig",
    "Kind",
    "UnknownKind",
    "build_source",
    "config_union",
    "kind_of",
    "kinds",
    "parse_config",
    "register",
    "validate",
]
