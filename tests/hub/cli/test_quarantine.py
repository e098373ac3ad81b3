"""``hub quarantine`` end to end (real Kafka, a real API): visible in status, listed, shown, traced,
and republished once, in order, after the connector's mapping is fixed.

The connector's changes go through its real publisher (the worker's own path), so the quarantine
records are exactly what a running connector writes; only the source is left out.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from bus.producer import KafkaProducer
from bus.reads import read_at
from connectors import registry
from connectors.publisher import Publisher
from connectors.source import Change
from hub.services.contract_lookup import RegisteredContracts
from hub.settings import Settings
from hub.store import access as rows
from hub.store import connectors as stored
from hub.store import migrate
from hub.store.base import Store
from schemas.contracts.compatibility import Mode
from schemas.events import Op
from tests.connectors.mapping.khai_sinh import example_document, source_row
from tests.hub.cli.conftest import Hub

pytestmark = pytest.mark.integration


@pytest.fixture
def settings(base_settings: Settings, tmp_path: Path, kafka_bootstrap: str) -> Settings:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    return base_settings.model_copy(update={"database_url": url, "kafka_bootstrap": kafka_bootstrap})


def connector_document(name: str, *, females: bool) -> dict[str, Any]:
    """The ministry's khai_sinh connector; the first version forgot code 2 of ``gioi_tinh``."""
    document = example_document() | {"name": name, "password": "secret"}
    sex = {1: "male", 2: "female"} if females else {1: "male"}
    document["feeds"][0]["mapping"]["fields"]["sex"] = {"column": "gioi_tinh", "values": sex}
    return document


def changes() -> list[Change]:
    rows = [
        source_row(id=1, so_dang_ky="901"),  # fine
        source_row(id=2, so_dang_ky="902", gioi_tinh=2),  # unmapped code 2
        source_row(id=2, so_dang_ky="902", gioi_tinh=2, ho_ten="Nguyễn Thu Hà"),  # its update, same record
        source_row(id=3, so_dang_ky="903", ngay_sinh="2026-11-07"),  # not dd/mm/yyyy: stays bad
    ]
    ops = [Op.CREATE, Op.CREATE, Op.UPDATE, Op.CREATE]
    return [
        Change("public.khai_sinh", op, {"id": row["id"]}, None, row, position=f"0/{n + 1:X}")
        for n, (op, row) in enumerate(zip(ops, rows, strict=True))
    ]


async def run_connector(settings: Settings, store: Store, name: str) -> None:
    config = registry.parse_config(connector_document(name, females=False))
    producer = KafkaProducer(settings.kafka_address(), f"test-{name}")
    await producer.start()
    try:
        publisher = Publisher(config, producer, RegisteredContracts(store, Mode.BACKWARD))
        await publisher.start()
        outcome = await publisher.publish(changes())
    finally:
        await producer.stop()
    assert (outcome.published, outcome.quarantined) == (1, 3)


def json_of(hub: Hub, *args: str) -> Any:
    result = hub(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_held_changes_are_visible_traced_and_republished_once_in_order(
    hub: Hub, settings: Settings, unique: str
) -> None:
    name = f"ks-{unique}"
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    try:
        with store.session() as session:
            stored.insert(session, registry.parse_config(connector_document(name, females=False)))
        asyncio.run(run_connector(settings, store, name))

        # hub status: the connector is a problem, with its count and latest reasons
        overview = json_of(hub, "status")
        assert overview["broker"] == "ok"
        line = next(c for c in overview["connectors"] if c["name"] == name)
        assert line["quarantine_held"] == 3 and not line["healthy"]
        assert {reason.split("]")[0] for reason in line["quarantine_reasons"]} == {
            "[mapping_value_unmapped",
            "[mapping_cast_failed",
        }
        problem = next(p for p in overview["problems"] if p.startswith(f"connector {name}: "))
        assert "3 change(s) held in quarantine" in problem and "mapping_value_unmapped" in problem

        # list and show
        held = json_of(hub, "quarantine", "list", "--connector", name)
        assert [item["record_key"] for item in held] == ["2", "2", "3"]  # unmapped: the source's key
        assert [item["code"] for item in held] == ["mapping_value_unmapped"] * 2 + ["mapping_cast_failed"]
        assert all(item["republishable"] and item["republished_at"] is None for item in held)
        assert held[0]["topic"] == "gov.civil-status.birth.v1.quarantine"
        shown = hub("quarantine", "show", held[0]["id"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.output)["event"]["id"] == held[0]["event_id"]
        listed = hub("quarantine", "list", "--connector", name, "--feed", "vn.gov.civil-status.birth.v1")
        assert listed.exit_code == 0 and "3 quarantined change(s)" in listed.output, listed.output

        # hub trace finds the quarantined event, with its reason
        trace = json_of(hub, "trace", held[0]["event_id"])
        hop = next(h for h in trace["hops"] if h["kind"] == "quarantined")
        assert hop["outcome"] == "held" and "mapping_value_unmapped" in hop["detail"]
        assert [h["kind"] for h in trace["hops"]] == ["committed", "quarantined"]
        record = json_of(hub, "trace", "--record", "vn.gov.civil-status.birth.v1", "3")
        mine = [event for event in record["events"] if event["event_id"] == held[2]["event_id"]]
        assert [event["hops"][1]["detail"].split("]")[0] for event in mine] == ["[mapping_cast_failed"]

        # the ministry fixes its mapping; republish sends the two changes of record 902, in order
        with store.session() as session:
            stored.replace(session, registry.parse_config(connector_document(name, females=True)))
        report = json_of(hub, "quarantine", "republish", "--connector", name)
        assert [(line["id"], line["outcome"]) for line in report["items"]] == [
            (held[0]["id"], "republished"), (held[1]["id"], "republished"), (held[2]["id"], "held")
        ]  # fmt: skip
        assert report["items"][2]["code"] == "mapping_cast_failed"
        first, second = report["items"][:2]
        assert first["partition"] == second["partition"] and first["offset"] < second["offset"]
        addresses = [(line["feed_topic"], line["partition"], line["offset"]) for line in (first, second)]
        sent = asyncio.run(read_at(settings.kafka_address(), addresses))
        assert [sent[a].header("ce_id") for a in addresses] == [held[0]["event_id"], held[1]["event_id"]]
        assert json.loads(sent[addresses[0]].value or b"")["after"]["sex"] == "female"

        # a second republish sends nothing; the still-bad change stays held
        again = json_of(hub, "quarantine", "republish", "--connector", name)
        assert (again["republished"], again["held"]) == (0, 1)
        assert [item["id"] for item in json_of(hub, "quarantine", "list", "--connector", name, "--held")] == [
            held[2]["id"]
        ]
        overview = json_of(hub, "status")
        assert next(c for c in overview["connectors"] if c["name"] == name)["quarantine_held"] == 1

        trace = json_of(hub, "trace", held[0]["event_id"])
        assert next(h for h in trace["hops"] if h["kind"] == "quarantined")["outcome"] == "republished", trace
        with store.session() as session:
            trail = rows.audit_entries(
                session, rows.AuditQuery(action="quarantine.republish", resource_id=name)
            )
        assert [len(entry.after["republished"]) for entry in trail] == [0, 2]  # newest first
    finally:
        store.engine.dispose()


async def publish_huge_unmapped_row(settings: Settings, store: Store, name: str) -> None:
    """A 2 MB row the first mapping cannot read: quarantined as a record without its row."""
    config = registry.parse_config(connector_document(name, females=False))
    row = source_row(id=5, so_dang_ky="905", gioi_tinh=2, ghi_chu_noi_bo="x" * 2_000_000)
    producer = KafkaProducer(settings.kafka_address(), f"test-{name}")
    await producer.start()
    try:
        publisher = Publisher(config, producer, RegisteredContracts(store, Mode.BACKWARD))
        await publisher.start()
        outcome = await publisher.publish(
            [Change("public.khai_sinh", Op.CREATE, {"id": 5}, None, row, "0/9")]
        )
    finally:
        await producer.stop()
    assert (outcome.published, outcome.quarantined) == (0, 1)


def test_a_held_change_whose_row_was_not_kept_is_listed_and_never_republished(
    hub: Hub, settings: Settings, unique: str
) -> None:
    name = f"ks-{unique}"
    migrate.upgrade(settings.store_url())
    store = Store(settings.store_url())
    try:
        with store.session() as session:
            stored.insert(session, registry.parse_config(connector_document(name, females=False)))
        asyncio.run(publish_huge_unmapped_row(settings, store, name))

        [held] = json_of(hub, "quarantine", "list", "--connector", name)
        assert (held["code"], held["republishable"]) == ("mapping_value_unmapped", False)
        assert held["record_key"] == "5"  # unmapped: the source's key
        assert "was not kept" in held["not_republishable"]
        assert held["bounded"]["row_kept"] is False and held["bounded"]["position"] == "0/9"
        assert held["bounded"]["size_bytes"] > 2_000_000 and len(held["bounded"]["sha256"]) == 64
        listed = hub("quarantine", "list", "--connector", name)
        assert listed.exit_code == 0 and "1 of them cannot be republished" in listed.output, listed.output

        with store.session() as session:
            stored.replace(session, registry.parse_config(connector_document(name, females=True)))
        report = json_of(hub, "quarantine", "republish", "--connector", name)
        assert (report["republished"], report["items"][0]["code"]) == (0, "held_row_not_kept")
    finally:
        store.engine.dispose()
