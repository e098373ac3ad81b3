"""Loading versions on the production store (PostgreSQL): stored, activated, one line of versions even
when two loads race on the same parent."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.exc import IntegrityError

from hub.services.units import UnitsService
from hub.settings import Settings
from hub.store import admin_unit_versions as rows
from hub.store import migrate
from hub.store.base import Store, utcnow
from schemas.errors import UnitsVersionNotNewer
from tests.fixtures.admin_units.build import MERGE_FILE
from tests.fixtures.admin_units.versions import edited
from tests.hub.services.units_world import ADMIN, REHOMED, FakeRunner, with_subscriptions
from tests.hub.store.pg_url import sqlalchemy_url

pytestmark = pytest.mark.integration


@pytest.fixture
def store(settings: Settings, pg_database: str) -> Iterator[Store]:
    url = sqlalchemy_url(pg_database)
    migrate.upgrade(url)
    store = with_subscriptions(Store(url))
    yield store
    store.engine.dispose()


def test_a_load_on_postgres_is_stored_active_and_rehomes(store: Store) -> None:
    runner = FakeRunner()
    service = UnitsService(store, runner, runner.get)
    report = service.load(MERGE_FILE.read_bytes(), ADMIN)
    assert sorted(job.subscription_id for job in report.rehoming) == REHOMED
    assert service.active_version() == "2026.01"
    assert [(v.version, v.active, len(v.rehoming)) for v in service.versions()] == [
        ("2025.07", False, 0),
        ("2026.01", True, 4),
    ]
    assert service.unit_index("2026.01").contains("08", "01864")


def test_a_second_version_on_the_same_parent_cannot_be_stored(store: Store) -> None:
    """The race ``load`` guards against: both checked the active version before either stored."""
    service = UnitsService(store)
    service.load(MERGE_FILE.read_bytes(), ADMIN)
    rival = rows.StoredVersion("2026.02", "2025.07", utcnow(), "rival", "0" * 64, "", True)
    with pytest.raises(IntegrityError), store.session() as session:
        rows.add_active(session, rival, edited(version="2026.02").decode())
    assert service.active_version() == "2026.01"
    with pytest.raises(UnitsVersionNotNewer):
        service.load(edited(version="2026.02"), ADMIN)
