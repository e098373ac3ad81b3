"""The real case: a Ministry of Justice table with Vietnamese columns and its own types, mapped
onto ``vn.gov.civil-status.birth.v1`` by the one example YAML file, tested, applied through the
API, run, and read back from Kafka; a row the mapping cannot read is quarantined with its reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest

from connectors import registry
from connectors.contracts import BuiltinContracts
from connectors.mapping.lookup import contract_schema
from connectors.positions import MemoryPositions
from connectors.task import ConnectorTask
from hub.settings import Settings
from schemas import naming
from tests.connectors.mapping import khai_sinh_db
from tests.connectors.mapping.khai_sinh import example_document
from tests.connectors.topics import Record, collect

pytestmark = pytest.mark.integration

BIRTH = "vn.gov.civil-status.birth.v1"


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"auth_enabled": False})


@pytest.fixture
def document(pg_database: str, unique: str) -> dict[str, Any]:
    khai_sinh_db.create(pg_database)
    found = example_document()
    local = {"dsn": pg_database, "password": None, "slot_name": f"s_{unique}", "publication_name": None}
    return found | local | {"name": f"ks-{unique}", "poll_interval_ms": 200, "heartbeat_interval_s": 0.2}


async def test_the_example_maps_the_ministrys_rows_and_quarantines_the_bad_one(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    response = await client.post("/v1/connectors/test?limit=10", json=document)
    assert response.status_code == 200, response.text
    [table] = response.json()
    published = [row for row in table["rows"] if row["published"]]
    held = [row for row in table["rows"] if not row["published"]]
    assert [row["key"] for row in published] == ["00004:01/2026:157", "00004:01/2026:158"]
    assert {row["admin_unit"] for row in published} == {"00004"}
    schema = contract_schema(BIRTH)
    for row in published:
        jsonschema.validate(row["payload"], schema)
        assert "ghi_chu_noi_bo" in row["dropped_columns"]
    assert published[1]["payload"]["sex"] == "female"
    [bad] = held
    assert bad["reason"]["code"] == "mapping_cast_failed"
    assert "ngay_sinh" in bad["reason"]["message"] and "%d/%m/%Y" in bad["reason"]["message"]
    assert (await client.get("/v1/connectors")).json() == []  # nothing saved


@pytest.fixture
async def task(
    client: httpx.AsyncClient, document: dict[str, Any], kafka_bootstrap: str
) -> AsyncIterator[ConnectorTask]:
    created = await client.post("/v1/connectors", json=document)
    assert created.status_code == 201, created.text
    running = ConnectorTask(
        registry.parse_config(document), bootstrap=kafka_bootstrap, positions=MemoryPositions(),
        contracts=BuiltinContracts(),
    )  # fmt: skip
    running.start()
    yield running
    await running.stop()


async def test_applied_and_run_its_events_have_the_contracts_shape_and_key(
    task: ConnectorTask, document: dict[str, Any], kafka_bootstrap: str, pg_database: str
) -> None:
    source = f"/connectors/{document['name']}/public.khai_sinh"
    topic = naming.parse_event_type(BIRTH).topic
    khai_sinh_db.insert(pg_database, ("160", "001226001237", "Đỗ Minh Anh", 2, "09/11/2026"))
    events = [r.event() for r in await _of(kafka_bootstrap, topic, source, 3)]
    assert sorted(e.subject for e in events) == [f"00004:01/2026:{n}" for n in (157, 158, 160)]
    schema = contract_schema(BIRTH)
    for event in events:
        assert event.adminunit == "00004" and event.dataschema == schema["$id"]  # type: ignore[index]
        jsonschema.validate(event.data.model_dump(mode="json")["after"], schema)
    [held] = await _of(kafka_bootstrap, naming.quarantine_topic(topic), source, 1)
    assert held.headers["quarantine-code"] == b"mapping_cast_failed"
    assert b"ngay_sinh" in held.headers["quarantine-reason"]


async def _of(bootstrap: str, topic: str, source: str, count: int) -> list[Record]:
    def mine(records: list[Record]) -> list[Record]:
        return [r for r in records if r.headers.get("ce_source") == source.encode()]

    found = mine(await collect(bootstrap, topic, lambda got: len(mine(got)) >= count, timeout_s=30))
    assert len(found) == count, f"{topic}: {len(found)} of {count} records from {source}"
    return found


@pytest.mark.parametrize(
    ("field", "rule", "code"),
    [
        ("full_name", "ten", "mapping_unknown_column"),
        ("registration_no", "so_dang_ky", "mapping_type_mismatch"),
        ("sex", {"column": "gioi_tinh", "values": {1: "male"}}, "mapping_enum_not_covered"),
    ],
)
async def test_a_bad_mapping_is_refused_at_apply_and_nothing_is_saved(
    client: httpx.AsyncClient, document: dict[str, Any], field: str, rule: Any, code: str
) -> None:
    document["feeds"][0]["mapping"]["fields"][field] = rule
    response = await client.post("/v1/connectors", json=document)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code
    assert (await client.get("/v1/connectors")).json() == []


async def test_a_second_connector_on_the_same_table_and_feed_or_slot_is_refused(
    client: httpx.AsyncClient, document: dict[str, Any]
) -> None:
    assert (await client.post("/v1/connectors", json=document)).status_code == 201
    twin = await client.post("/v1/connectors", json=document | {"name": "twin", "slot_name": "other_slot"})
    assert twin.status_code == 409 and twin.json()["code"] == "feed_already_connected", twin.text
    feeds = [{"table": "public.khai_sinh", "event_type": "vn.gov.civil-status.death.v1"}]
    same_slot = await client.post("/v1/connectors", json=document | {"name": "twin", "feeds": feeds})
    assert same_slot.status_code == 409 and same_slot.json()["code"] == "slot_claimed", same_slot.text
    assert (await client.put(f"/v1/connectors/{document['name']}", json=document)).status_code == 200


async def test_the_openapi_body_of_apply_is_the_typed_union_of_the_kinds(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    for path, method in (
        ("/v1/connectors", "post"),
        ("/v1/connectors/{name}", "put"),
        ("/v1/connectors/test", "post"),
    ):
        body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert body["discriminator"]["propertyName"] == "kind"
        assert {ref["$ref"].rsplit("/", 1)[-1] for ref in body["oneOf"]} == {
            "PostgresCdcConfig",
            "SqlPollingConfig",
        }
    feed = document["components"]["schemas"]["TableFeed"]["properties"]
    assert "mapping" in feed
