"""Loading a boundaries version: checked, stored, activated, re-homing started for the subscriptions whose
scope moves (province and ward level, old and new); refused with a code when it cannot be loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from hub.services.active_units import active_units, follow, refresh
from hub.services.units import UnitsService
from hub.settings import Settings
from hub.store import migrate
from hub.store.base import Store
from schemas.errors import (
    InvalidUnitsFile,
    UnitsVersionExists,
    UnitsVersionNotNewer,
    UnknownUnitsParent,
    UnknownUnitsVersion,
)
from tests.fixtures.admin_units.build import MERGE_FILE
from tests.fixtures.admin_units.versions import edited
from tests.hub.services.units_world import ADMIN, REHOMED, FakeRunner, with_subscriptions

MERGE = MERGE_FILE.read_bytes()


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    migrate.upgrade(settings.store_url())
    store = with_subscriptions(Store(settings.store_url()))
    yield store
    store.engine.dispose()


@pytest.fixture
def runner() -> FakeRunner:
    return FakeRunner()


@pytest.fixture
def service(store: Store, runner: FakeRunner) -> UnitsService:
    return UnitsService(store, runner, runner.get)


def test_a_fresh_store_routes_by_the_shipped_version(service: UnitsService) -> None:
    [shipped] = service.versions()
    assert (shipped.version, shipped.shipped, shipped.active) == ("2025.07", True, True)
    assert service.active_version() == "2025.07" and service.chain().version == "2025.07"


def test_loading_activates_the_version_and_rehomes_the_subscriptions_it_moves(
    service: UnitsService, runner: FakeRunner
) -> None:
    report = service.load(MERGE, ADMIN)
    assert report.version.version == "2026.01" and report.version.active
    assert report.diff.counts["merged"] == 2
    assert sorted(job.subscription_id for job in report.rehoming) == REHOMED
    assert {(kind, str(params), org) for _, kind, params, org in runner.started} == {
        ("rehome", str({"from_version": "2025.07", "to_version": "2026.01"}), ADMIN.org)
    }
    assert service.active_version() == "2026.01"
    assert [(v.version, v.active) for v in service.versions()] == [("2025.07", False), ("2026.01", True)]
    assert service.versions()[1].loaded_by == ADMIN.label and len(service.versions()[1].rehoming) == 4
    assert service.unit_index("2026.01").contains("08", "01849")
    assert not service.unit_index("2025.07").contains("08", "01849")


def test_progress_is_read_from_the_job_runner(service: UnitsService) -> None:
    service.load(MERGE, ADMIN)
    progress = {item.subscription_id: item for item in service.rehoming("2026.01")}
    assert sorted(progress) == REHOMED
    assert {item.state for item in progress.values()} == {"done", "running"}
    assert all(item.scanned == 10 and item.selected == 2 for item in progress.values())


def test_a_job_that_cannot_start_is_reported_and_can_be_started_later(store: Store) -> None:
    runner = FakeRunner(busy={"tuyen-quang"})
    service = UnitsService(store, runner, runner.get)
    report = service.load(MERGE, ADMIN)
    refused = [job for job in report.rehoming if job.error]
    assert [(job.subscription_id, job.job_id) for job in refused] == [("tuyen-quang", None)]
    assert refused[0].error is not None and refused[0].error.startswith("conflict: ")
    states = {item.subscription_id: item.state for item in service.rehoming("2026.01")}
    assert states["tuyen-quang"] == "not_started"
    runner.busy.clear()
    again = service.rehome("2026.01", ADMIN)
    assert [(job.subscription_id, job.error) for job in again] == [("tuyen-quang", None)]
    assert all(item.job_id is not None for item in service.rehoming("2026.01"))


def test_without_a_job_runner_the_load_says_rehoming_did_not_start(store: Store) -> None:
    report = UnitsService(store).load(MERGE, ADMIN)
    assert {job.error for job in report.rehoming} == {"rehoming_unavailable: no job runner"}


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"{}", InvalidUnitsFile),
        (edited(parent="2025.09"), UnknownUnitsParent),
        (edited(version="2025.07"), UnitsVersionExists),
    ],
)
def test_a_file_that_cannot_be_loaded_changes_nothing(
    service: UnitsService, runner: FakeRunner, raw: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        service.load(raw, ADMIN)
    assert service.active_version() == "2025.07" and runner.started == []


def test_a_version_is_loaded_once_and_only_on_top_of_the_active_one(service: UnitsService) -> None:
    service.load(MERGE, ADMIN)
    with pytest.raises(UnitsVersionExists):
        service.load(MERGE, ADMIN)
    with pytest.raises(UnitsVersionNotNewer, match=r"the active version is 2026\.01"):
        service.load(edited(version="2026.02"), ADMIN)  # still on 2025.07
    on_top = service.load(
        edited(version="2026.02", parent="2026.01", converter={}), ADMIN
    )  # same table: nothing moves
    assert on_top.rehoming == [] and service.chain().versions == ("2025.07", "2026.01", "2026.02")


def test_diff_takes_version_names_and_files(service: UnitsService) -> None:
    from_file = service.diff("2025.07", MERGE)
    assert [change.code for change in from_file.moves] == ["01849", "01864"]
    service.load(MERGE, ADMIN)
    assert service.diff("2025.07", "2026.01").counts == from_file.counts
    later = edited(version="2026.02", parent="2026.01", converter={})
    assert service.diff(MERGE, later).communes == ()  # both files; the second follows the first
    with pytest.raises(UnknownUnitsVersion):
        service.diff("2024.01", "2026.01")
    with pytest.raises(UnknownUnitsParent):
        service.diff("2025.07", edited(version="2027.01", parent="2026.12"))


def test_a_running_process_swaps_in_the_loaded_version(service: UnitsService) -> None:
    active = active_units(service)
    assert active.version == "2025.07" and not active.contains("08", "01849")
    assert not refresh(service, active)
    service.load(MERGE, ADMIN)

    async def poll_once() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(follow(service, active, stop, poll_s=0.01))
        for _ in range(500):
            if active.version == "2026.01":
                break
            await asyncio.sleep(0.01)
        stop.set()
        await task

    asyncio.run(poll_once())
    assert active.version == "2026.01" and active.contains("08", "01849")
    assert active.current_code("01849") == "00700" and active.resolve("01849").original.code == "01849"
