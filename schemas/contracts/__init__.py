"""Contracts: JSON Schemas generated from the feeds' row models, their compatibility rules,
and the validation connectors run before producing.

``compatibility`` is pure logic over JSON Schema documents (the registry API builds on it);
``validation`` checks change payloads; ``generate`` writes ``contracts/`` and checks it for drift.
"""

from schemas.contracts.compatibility import Incompatibility, Mode, check, check_schema
from schemas.contracts.json_schema import contract_schema
from schemas.contracts.validation import ContractValidator, compile_contract, validate_change

__all__ = [
    "ContractValidator",
    "Incompatibility",
    "Mode",
    "check",
    "check_schema",
    "compile_contract",
    "contract_schema",
    "validate_change",
]
