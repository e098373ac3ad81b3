"""The contract seam: checks and documents come from whatever lookup the process hands over."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from connectors.contracts import BuiltinContracts, Contracts, UnknownContract, builtin_contract
from schemas import naming
from schemas.errors import ContractViolation
from schemas.events import ChangePayload, Op, SourceInfo
from schemas.feeds import feed_for_event_type
from tests.contract_documents import contract

PARCEL = "vn.gov.land.parcel.v1"
PERMIT = "vn.gov.construction.building-permit.v1"
SOURCE = SourceInfo(connector="c", database="d", schema="public", table="t", position="0/1")


def created(row: dict[str, Any]) -> ChangePayload:
    return ChangePayload(op=Op.CREATE, before=None, after=row, source=SOURCE)


def permit_contract() -> dict[str, Any]:
    document = contract(PERMIT, {"permit_no": {"type": "string"}, "commune_code": {"type": "string"}},
                        key=("permit_no",), admin_unit="commune_code")  # fmt: skip
    return {**document, "$id": naming.contract_id(PERMIT, 2)}


def test_builtin_contracts_know_the_files_and_nothing_else() -> None:
    row = feed_for_event_type(PARCEL).schema["examples"][0]
    assert BuiltinContracts()(PARCEL, created(row)) == naming.contract_id(PARCEL, 1)
    assert builtin_contract(PERMIT) is None and builtin_contract("not an event type") is None
    with pytest.raises(UnknownContract) as info:
        BuiltinContracts()(PERMIT, created({}))
    assert info.value.code == "unknown_contract"


def test_a_lookup_feeds_checks_and_documents_for_any_feed() -> None:
    known: dict[str, dict[str, Any]] = {}
    contracts = Contracts(known.get)
    with pytest.raises(UnknownContract):
        contracts.document(PERMIT)
    known[PERMIT] = permit_contract()  # registered after the connector started
    assert contracts.document(PERMIT) is known[PERMIT]
    dataschema = contracts(PERMIT, created({"permit_no": "1/GPXD", "commune_code": "00004"}))
    assert dataschema == naming.contract_id(PERMIT, 2)  # the exact version the lookup returned
    with pytest.raises(ContractViolation):
        contracts(PERMIT, created({"permit_no": "1/GPXD"}))


def test_a_new_document_from_the_lookup_is_used_at_once() -> None:
    known = {PERMIT: permit_contract()}
    contracts = Contracts(known.get)
    row = {"permit_no": "1/GPXD", "commune_code": "00004"}
    assert contracts(PERMIT, created(row))
    stricter = copy.deepcopy(known[PERMIT])
    stricter["properties"]["commune_code"]["pattern"] = "^[0-9]{2}$"
    known[PERMIT] = stricter
    with pytest.raises(ContractViolation):
        contracts(PERMIT, created(row))
