"""The contract registry as the API uses it: one transaction per request, in the process's mode.

A request that changes the registry (register, set a mode, delete) runs in one session with its
audit entry, so a refusal raised anywhere in it changes nothing. The registry's rules
(versions, compatibility, soft deletes) live in ``hub.store.contracts``; this module only owns
the unit of work, so the API never opens a store session itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from hub.store.base import Store
from hub.store.contracts import (
    SUBJECT_PATTERN,
    ContractRegistry,
    ContractVersion,
    incompatibility_details,
)
from schemas.contracts.compatibility import Mode


@contextmanager
def contract_registry(store: Store, mode: Mode) -> Iterator[ContractRegistry]:
    """The registry over one session: committed when the block ends, rolled back on an error."""
    with store.session() as session:
        yield ContractRegistry(session, mode)


__all__ = [
    "SUBJECT_PATTERN",
    "ContractRegistry",
    "ContractVersion",
    "contract_registry",
    "incompatibility_details",
]
