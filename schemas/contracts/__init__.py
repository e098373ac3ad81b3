"""Contracts: the contract file format, compatibility rules between versions, and the validation
connectors run before producing.

``document`` reads and checks the format (JSON Schema of the row plus the hub's metadata);
``compatibility`` is pure logic over JSON Schema documents (the registry API builds on it);
``validation`` checks change payloads; ``generate`` checks ``contracts/`` and writes the AsyncAPI
document from it.
"""

from schemas.contracts.compatibility import Incompatibility, Mode, check, check_schema
from schemas.contracts.document import Contract, InvalidContract, parse_contract
from schemas.contracts.validation import ContractValidator, compile_contract, validate_change

__all__ = [
    "Contract",
    "ContractValidator",
    "Incompatibility",
    "InvalidContract",
    "Mode",
    "check",
    "check_schema",
    "compile_contract",
    "parse_contract",
    "validate_change",
]
