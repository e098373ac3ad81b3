"""Migration files are numbered uniquely, and alembic still finds every revision by its id."""

from __future__ import annotations

from collections import Counter

from alembic.script import ScriptDirectory

from hub.store import migrate

VERSIONS = migrate.MIGRATIONS / "versions"


def test_every_migration_file_has_its_own_number() -> None:
    numbers = Counter(path.name.partition("_")[0] for path in VERSIONS.glob("[0-9]*.py"))
    assert [number for number, count in numbers.items() if count > 1] == []


def test_revision_ids_installed_databases_record_still_resolve() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert {script.revision for script in scripts.walk_revisions()} >= {
        "0000_base",
        "0001_contracts",
        "0002_connectors",
        "0003_subscriptions",
        "0004_deliveries",
        "0005_access",
        "0006_encrypted_columns",
        "0006_routed_events",  # file 0007_routed_events.py: the id predates the renumbering
    }
