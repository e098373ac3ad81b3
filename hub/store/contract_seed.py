"""Load the built-in contract files into the registry, as part of every migration.

The registry is the one source of truth of the feeds; the built-in feeds reach it here, so a
fresh install lists them (``hub contracts list``) with no sync step. Idempotent: a version whose
number the subject already has (live or deleted) is left alone, so an operator's deletion or a
later version registered through the API is never undone. Several processes migrating the same
store at once (the API, ``hub connect`` and ``hub run`` starting together) are serialised by the
registry's subject lock; the loser of a race on a new subject retries once.
"""

from __future__ import annotations

from hub.store.base import Store
from hub.store.contracts import ConcurrentUpdate, ContractRegistry, ContractVersion
from schemas.contracts.compatibility import Mode
from schemas.feeds import ContractFile, builtin_contract_files

# The mode the contract files themselves are checked with (``schemas.contracts.generate``).
SEED_MODE = Mode.BACKWARD_TRANSITIVE


def seed_builtin_contracts(store: Store) -> list[tuple[str, int]]:
    """Register every built-in contract version the registry lacks; returns what was added."""
    added = []
    for item in builtin_contract_files():
        try:
            created = _seed(store, item)
        except ConcurrentUpdate:
            created = _seed(store, item)
        if created:
            added.append((item.event_type, item.version))
    return added


def _seed(store: Store, item: ContractFile) -> bool:
    with store.session() as session:
        if session.get(ContractVersion, (item.event_type, item.version)) is not None:
            return False
        return ContractRegistry(session, SEED_MODE).register(item.event_type, item.document).created


def seed(url: str) -> list[tuple[str, int]]:
    store = Store(url)
    try:
        return seed_builtin_contracts(store)
    finally:
        store.engine.dispose()
