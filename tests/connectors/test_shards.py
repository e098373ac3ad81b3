"""Task names of key-sharded connectors, and the ``tasks`` option's static rules."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from connectors import registry, worker
from connectors.postgres import validation
from connectors.postgres.errors import TasksNeedPostgres15
from connectors.shards import TaskShard, connector_of, shard_of, task_names


def _document(**changes: Any) -> dict[str, Any]:
    return {
        "name": "parcels", "kind": "postgres_cdc", "dsn": "postgresql://db.example/land",
        "feeds": [{"table": "public.parcel", "event_type": "vn.gov.land.parcel.v1"}], **changes,
    }  # fmt: skip


def test_one_task_keeps_the_connector_name_and_more_are_numbered() -> None:
    assert task_names("parcels", 1) == ["parcels"]
    assert task_names("parcels", 3) == ["parcels#0", "parcels#1", "parcels#2"]
    assert connector_of("parcels#2") == connector_of("parcels") == "parcels"
    assert shard_of("parcels#1", 2) == TaskShard(1, 2) and shard_of("parcels", 2) is None


def test_one_task_streams_from_the_slot_and_publication_it_always_had() -> None:
    config: Any = registry.parse_config(_document())
    assert config.tasks == config.task_count() == 1 and config.shards() == [None]
    assert (config.task_slot(None), config.task_publication(None)) == ("hub_parcels", "hub_parcels")


def test_each_task_gets_its_own_slot_and_publication_within_postgres_limits() -> None:
    config: Any = registry.parse_config(_document(tasks=2, slot_name="s" * 63))
    first, second = config.shards()
    assert config.task_slot(second) == "s" * 58 + "_1of2" and len(config.task_slot(first)) == 63
    assert config.task_publication(first) == "hub_parcels_0of2"
    assert sum(claim.startswith("slot:") for claim in config.claims()) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"tasks": 0}, "tasks"), ({"tasks": 9}, "tasks"), ({"tasks": 2, "publication_name": "mine"}, ""),
     ({"tasks": 2, "outbox": "public.parcel"}, "")],
)  # fmt: skip
def test_tasks_out_of_range_or_with_a_dba_publication_or_an_outbox_are_refused(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(registry.InvalidConnectorConfig) as caught:
        registry.parse_config(_document(**changes))
    assert caught.value.code == "invalid_connector_config"
    assert any(error["field"] == field for error in caught.value.details)


async def test_a_server_before_postgresql_15_is_refused_more_than_one_task() -> None:
    older = SimpleNamespace(info=SimpleNamespace(server_version=140011))
    with pytest.raises(TasksNeedPostgres15) as caught:
        await validation._check_sharding(older, [])  # type: ignore[arg-type]
    assert caught.value.code == "tasks_need_postgres_15" and "runs 14" in caught.value.message


def test_a_task_of_another_count_is_refused_by_the_worker() -> None:
    config = registry.parse_config(_document(tasks=2))
    assert worker._shard("parcels#1", config) == TaskShard(1, 2)
    with pytest.raises(registry.InvalidConnectorConfig):
        worker._shard("parcels#2", config)
