"""Each role against each kind of resource through the real app: what is allowed, what is refused
(403 with its code), and that no /v1 route answers without a valid token.

One app and store serve the module; the world (``tests.hub.access.world``) is built once:
publishers of civil-status and land, two provinces each granted civil-status in its own province,
an operator, an operator granted replay, and the admin. Allowed cases that change something
create their own resources, so cases do not depend on each other's order.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from connectors.registry import parse_config
from hub.access.policy import RULES
from hub.api import create_app
from hub.api.auth import KIND_OF_TAG
from hub.settings import Settings
from hub.store import connectors as stored_connectors
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from tests.contract_documents import contract
from tests.hub.access.leaks import no_secret_in_logs
from tests.hub.access.world import World, build_world

PUBLIC = "https://93.184.216.34/hook"
SINCE = "2026-01-01T00:00:00+07:00"


def schema(event_type: str) -> dict[str, Any]:
    """A minimal contract document of ``event_type``."""
    return contract(event_type, {"id": {"type": "string"}}, key=("id",), admin_unit="id")


ROLE_OF = {
    "admin": "admin", "civil": "publisher", "land": "publisher", "quang_ninh": "subscriber",
    "hue": "subscriber", "operator": "operator", "replayer": "operator",
}  # fmt: skip


def sub_body(sid: str, units: list[str], **changes: Any) -> dict[str, Any]:
    return {"id": sid, "endpoint_url": PUBLIC, "feeds": ["vn.gov.civil-status.birth.v1"],
            "filter": {"admin_units": units}, **changes}  # fmt: skip


def connector_doc(name: str, event_type: str, tmp: str = "/tmp/none.db") -> dict[str, Any]:
    return {"name": name, "kind": "sql_polling", "url": f"sqlite:///{tmp}", "password": "pw-123",
            "feeds": [{"table": "main.t", "event_type": event_type}]}  # fmt: skip


def grant_body(org: str, unit: str) -> dict[str, Any]:
    return {"org": org, "feed": "vn.gov.land.*", "admin_unit": unit, "purpose": "Kiểm tra",
            "legal_basis": "Nghị định 47/2020/NĐ-CP", "expires_at": "2099-01-01T00:00:00Z"}  # fmt: skip


@dataclass(frozen=True)
class Case:
    who: str
    kind: str
    method: str
    path: str  # may name {tok_<who>}, {grant_<who>}, {code_<who>} of the world
    status: int
    code: str | None = None
    body: Any = None

    @property
    def allowed(self) -> bool:
        return self.status not in (401, 403)

    def __str__(self) -> str:
        return f"{self.who}-{self.method}-{self.path}-{self.status}"


CASES = [
    # ---- contracts
    Case("quang_ninh", "contract", "GET", "/v1/contracts", 200),
    Case("operator", "contract", "GET", "/v1/contracts/vn.gov.land.parcel.v1/versions", 200),
    Case("civil", "contract", "POST", "/v1/contracts/vn.gov.civil-status.adoption.v1/versions", 201,
         body={"schema": schema("vn.gov.civil-status.adoption.v1")}),
    Case("land", "contract", "POST", "/v1/contracts/vn.gov.civil-status.adoption.v2/versions", 403,
         "domain_not_owned", {"schema": schema("vn.gov.civil-status.adoption.v2")}),
    Case("land", "contract", "DELETE", "/v1/contracts/vn.gov.civil-status.birth.v1", 403, "domain_not_owned"),
    Case("quang_ninh", "contract", "PUT", "/v1/contracts/vn.gov.land.parcel.v1/config", 403, "role_missing",
         {"compatibility": "FULL"}),
    Case("operator", "contract", "DELETE", "/v1/contracts/vn.gov.land.parcel.v1", 403, "role_missing"),
    Case("replayer", "contract", "POST", "/v1/contracts/vn.gov.land.x.v1/versions", 403, "role_missing",
         {"schema": schema("vn.gov.land.x.v1")}),
    Case("admin", "contract", "PUT", "/v1/contracts/vn.gov.land.parcel.v1/config", 200,
         body={"compatibility": "FULL"}),
    # ---- connectors
    Case("operator", "connector", "GET", "/v1/connectors/land-db", 200),
    Case("replayer", "connector", "GET", "/v1/connectors/land-db/status", 200),
    Case("land", "connector", "GET", "/v1/connectors/land-db", 200),
    Case("land", "connector", "POST", "/v1/connectors/land-db/pause", 202),
    Case("land", "connector", "POST", "/v1/connectors", 422, "unknown_contract",
         connector_doc("land-new", "vn.gov.land.unregistered.v1")),
    Case("civil", "connector", "GET", "/v1/connectors/land-db", 403, "domain_not_owned"),
    Case("civil", "connector", "POST", "/v1/connectors/land-db/pause", 403, "domain_not_owned"),
    Case("civil", "connector", "PUT", "/v1/connectors/land-db", 403, "domain_not_owned",
         connector_doc("land-db", "vn.gov.land.parcel.v1")),
    Case("civil", "connector", "POST", "/v1/connectors", 403, "domain_not_owned",
         connector_doc("sneaky", "vn.gov.land.parcel.v1")),
    # a malformed body is 422 whoever sends it, not a 403 worked out from fields that did not parse
    Case("civil", "connector", "POST", "/v1/connectors", 422, "invalid_connector_config",
         connector_doc("sneaky", "vn.gov.land.parcel.v1") | {"url": 7}),
    Case("civil", "connector", "PUT", "/v1/connectors/land-db", 422, "invalid_connector_config",
         connector_doc("land-db", "vn.gov.land.parcel.v1") | {"batch_size": "many"}),
    Case("operator", "connector", "POST", "/v1/connectors/land-db/restart", 403, "role_missing"),
    Case("quang_ninh", "connector", "GET", "/v1/connectors", 403, "role_missing"),
    Case("admin", "connector", "POST", "/v1/connectors/hotich/resume", 202),
    # ---- subscriptions
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions", 201, body=sub_body("qn-births", ["22"])),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions", 403, "grant_missing",
         sub_body("qn-hue-births", ["46"])),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions", 403, "grant_missing",
         sub_body("qn-land", ["22"], feeds=["vn.gov.land.parcel.v1"])),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions", 403, "not_owner",
         sub_body("qn-as-hue", ["46"], owner="000.00.00.H57")),
    Case("quang_ninh", "subscription", "GET", "/v1/subscriptions/qn-civil", 200),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions/qn-civil/secret/rotate", 200, body={}),
    Case("quang_ninh", "subscription", "GET", "/v1/subscriptions/hue-civil", 403, "not_owner"),
    Case("quang_ninh", "subscription", "DELETE", "/v1/subscriptions/hue-civil", 403, "not_owner"),
    Case("quang_ninh", "subscription", "PUT", "/v1/subscriptions/hue-civil", 403, "not_owner",
         sub_body("hue-civil", ["22"])),
    Case("operator", "subscription", "GET", "/v1/subscriptions/hue-civil", 200),
    Case("operator", "subscription", "POST", "/v1/subscriptions/hue-civil/secret/rotate", 403, "role_missing",
         {}),
    Case("replayer", "subscription", "DELETE", "/v1/subscriptions/hue-civil", 403, "role_missing"),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions/qn-civil/resume", 200),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions/hue-civil/pause", 403, "not_owner"),
    Case("operator", "subscription", "POST", "/v1/subscriptions/hue-civil/pause", 403, "role_missing"),
    Case("quang_ninh", "subscription", "POST", "/v1/subscriptions/hue-civil/test-event", 403, "not_owner"),
    Case("civil", "subscription", "GET", "/v1/subscriptions", 403, "role_missing"),
    Case("admin", "subscription", "PUT", "/v1/subscriptions/ahead-of-grants", 201,
         body=sub_body("ahead-of-grants", ["01"], owner="000.00.00.H57")),
    # ---- deliveries (log, replay, dead letters)
    Case("operator", "delivery", "GET", "/v1/deliveries", 200),
    Case("quang_ninh", "delivery", "GET", "/v1/deliveries?subscription=qn-civil", 200),
    Case("quang_ninh", "delivery", "GET", "/v1/deliveries", 403, "not_owner"),
    Case("quang_ninh", "delivery", "GET", "/v1/deliveries?subscription=hue-civil", 403, "not_owner"),
    Case("quang_ninh", "delivery", "POST", "/v1/subscriptions/qn-civil/replay", 202, body={"from": SINCE}),
    Case("quang_ninh", "delivery", "POST", "/v1/subscriptions/hue-civil/replay", 403, "not_owner",
         {"from": SINCE}),
    Case("hue", "delivery", "GET", "/v1/subscriptions/qn-civil/dead-letters", 403, "not_owner"),
    Case("replayer", "delivery", "POST", "/v1/subscriptions/hue-civil/replay", 202, body={"from": SINCE}),
    Case("operator", "delivery", "POST", "/v1/subscriptions/hue-civil/replay", 403, "role_missing",
         {"from": SINCE}),
    Case("operator", "delivery", "POST", "/v1/subscriptions/qn-civil/dead-letters/redeliver", 403,
         "role_missing", {}),
    Case("civil", "delivery", "GET", "/v1/deliveries", 403, "role_missing"),
    Case("admin", "delivery", "GET", "/v1/deliveries?subscription=hue-civil", 200),
    Case("operator", "delivery", "GET", "/v1/status", 200),
    Case("quang_ninh", "delivery", "GET", "/v1/status", 200),
    Case("land", "delivery", "GET", "/v1/status", 403, "role_missing"),
    Case("operator", "delivery", "GET", "/v1/events/never-routed/trace", 404, "event_not_found"),
    Case("hue", "delivery", "GET", "/v1/events/never-routed/trace", 404, "event_not_found"),
    Case("civil", "delivery", "GET", "/v1/events/never-routed/trace", 403, "role_missing"),
    # ---- organisations
    Case("admin", "organisation", "POST", "/v1/orgs", 201,
         body={"code": "H01", "name": "UBND thành phố Hà Nội", "kind": "province", "roles": ["subscriber"]}),
    Case("quang_ninh", "organisation", "GET", "/v1/orgs/000.00.00.H49", 200),
    Case("quang_ninh", "organisation", "GET", "/v1/orgs/H57", 403, "not_owner"),
    Case("operator", "organisation", "GET", "/v1/orgs/{code_hue}", 403, "not_owner"),
    Case("replayer", "organisation", "GET", "/v1/orgs/{code_replayer}", 200),
    Case("land", "organisation", "GET", "/v1/orgs/G10", 200),
    Case("civil", "organisation", "PUT", "/v1/orgs/G15", 403, "role_missing",
         {"code": "G15", "name": "x", "kind": "ministry", "roles": ["publisher"], "domains": ["land"]}),
    Case("quang_ninh", "organisation", "POST", "/v1/orgs", 403, "role_missing",
         {"code": "H02", "name": "x", "kind": "province"}),
    # ---- tokens
    Case("civil", "token", "POST", "/v1/tokens", 201, body={"org": "G15", "name": "second"}),
    Case("civil", "token", "POST", "/v1/tokens", 422, "token_roles_exceed_organisation",
         {"org": "G15", "name": "x", "roles": ["admin"]}),
    Case("civil", "token", "POST", "/v1/tokens", 403, "not_owner", {"org": "G10", "name": "theirs"}),
    Case("quang_ninh", "token", "GET", "/v1/tokens", 200),
    Case("quang_ninh", "token", "GET", "/v1/tokens?org=000.00.00.H57", 403, "not_owner"),
    Case("hue", "token", "POST", "/v1/tokens/{tok_quang_ninh}/revoke", 403, "not_owner"),
    Case("operator", "token", "GET", "/v1/tokens/current", 200),
    Case("replayer", "token", "POST", "/v1/tokens/{tok_operator}/rotate", 403, "not_owner", {}),
    Case("admin", "token", "POST", "/v1/tokens", 201, body={"org": "H57", "name": "for hue"}),
    # ---- grants
    Case("admin", "grant", "POST", "/v1/grants", 201, body=grant_body("000.00.00.H57", "46")),
    Case("quang_ninh", "grant", "POST", "/v1/grants", 403, "role_missing", grant_body("000.00.00.H49", "*")),
    Case("quang_ninh", "grant", "GET", "/v1/grants/{grant_quang_ninh}", 200),
    Case("quang_ninh", "grant", "GET", "/v1/grants/{grant_hue}", 403, "not_owner"),
    Case("hue", "grant", "POST", "/v1/grants/{grant_hue}/revoke", 403, "role_missing"),
    Case("operator", "grant", "GET", "/v1/grants", 200),
    Case("civil", "grant", "GET", "/v1/grants", 200),
    Case("operator", "grant", "GET", "/v1/grants?org=H57", 403, "not_owner"),
    Case("land", "grant", "GET", "/v1/grants/{grant_hue}", 403, "not_owner"),
    # ---- audit
    Case("admin", "audit", "GET", "/v1/audit", 200),
    Case("operator", "audit", "GET", "/v1/audit", 403, "role_missing"),
    Case("replayer", "audit", "GET", "/v1/audit?limit=5", 403, "role_missing"),
    Case("civil", "audit", "GET", "/v1/audit", 403, "role_missing"),
    Case("hue", "audit", "GET", "/v1/audit", 403, "role_missing"),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _no_secret_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with no_secret_in_logs(caplog):
        yield


@pytest.fixture(scope="module")
async def api_app(
    base_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FastAPI]:
    url = f"sqlite:///{tmp_path_factory.mktemp('authz') / 'hub.sqlite'}"
    app = create_app(base_settings.model_copy(update={"database_url": url}))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture(scope="module")
async def world(api_app: FastAPI, tmp_path_factory: pytest.TempPathFactory) -> World:
    store: Store = api_app.state.store
    made = build_world(store)
    source = tmp_path_factory.mktemp("sources") / "src.db"
    with store.session() as session:
        for name, event_type in (
            ("land-db", "vn.gov.land.parcel.v1"),
            ("hotich", "vn.gov.civil-status.birth.v1"),
        ):
            stored_connectors.insert(session, parse_config(connector_doc(name, event_type, str(source))))
        for sid, who, unit in (("qn-civil", "quang_ninh", "22"), ("hue-civil", "hue", "46")):
            spec = SubscriptionSpec.model_validate(sub_body(sid, [unit], owner=made.codes[who]))
            stored_subscriptions.insert(session, spec, SigningSecrets(generate_secret()))
    transport = httpx.ASGITransport(app=api_app)
    async with made.client(transport, "admin") as admin:
        seeded = await admin.get("/v1/contracts/vn.gov.land.parcel.v1/versions")  # by the migration
        assert seeded.status_code == 200, seeded.text
    return made


def _substitutions(world: World) -> dict[str, str]:
    subs = {f"code_{who}": code for who, code in world.codes.items()}
    subs |= {f"grant_{who}": str(gid) for who, gid in world.grants.items()}
    for who, token in world.tokens.items():
        subs[f"tok_{who}"] = token.split("_")[1]
    return subs


@pytest.mark.parametrize("case", CASES, ids=str)
async def test_case(case: Case, api_app: FastAPI, world: World) -> None:
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    path = case.path.format(**_substitutions(world))
    async with world.client(transport, case.who) as client:
        response = await client.request(case.method, path, json=case.body)
    assert response.status_code == case.status, response.text
    if case.code is not None:
        assert response.json()["code"] == case.code


def test_every_role_meets_every_kind_allowed_and_denied() -> None:
    """The matrix above is complete: each role is tried on each kind, allowed where any rule of the
    policy lets it in (and then also denied somewhere), only denied where none does."""
    for role in set(ROLE_OF.values()):
        for kind in set(KIND_OF_TAG.values()):
            seen = {c.allowed for c in CASES if ROLE_OF[c.who] == role and c.kind == kind}
            rules = [r for rules in RULES[kind].values() for r, _ in rules]  # type: ignore[index]
            reachable = role == "admin" or any(r in (role, "*") for r in rules)
            expected = {True} if role == "admin" else ({True, False} if reachable else {False})
            assert seen == expected, f"{role} x {kind}: {seen}"


async def test_lists_show_only_what_the_caller_may_read(api_app: FastAPI, world: World) -> None:
    transport = httpx.ASGITransport(app=api_app)
    async with world.client(transport, "quang_ninh") as qn:
        subs = {s["id"] for s in (await qn.get("/v1/subscriptions")).json()}
        assert "qn-civil" in subs and "hue-civil" not in subs
        assert {o["code"] for o in (await qn.get("/v1/orgs")).json()} == {world.codes["quang_ninh"]}
        assert {t["org"] for t in (await qn.get("/v1/tokens")).json()} == {world.codes["quang_ninh"]}
        assert {g["org"] for g in (await qn.get("/v1/grants")).json()} == {world.codes["quang_ninh"]}
        overview = (await qn.get("/v1/status")).text
        assert "qn-civil" in overview and "hue-civil" not in overview and "land-db" not in overview
    async with world.client(transport, "land") as land:
        assert [c["name"] for c in (await land.get("/v1/connectors")).json()] == ["land-db"]
    async with world.client(transport, "operator") as operator:
        subs = {s["id"] for s in (await operator.get("/v1/subscriptions")).json()}
        assert {"qn-civil", "hue-civil"} <= subs
        overview = (await operator.get("/v1/status")).text
        assert "hue-civil" in overview and "land-db" in overview


def _v1_routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every documented /v1 operation, path parameters filled with "1" (authentication comes first)."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        if path.startswith("/v1/"):
            filled = re.sub(r"\{[^}]+\}", "1", path)
            found += [(method.upper(), filled) for method in operations]
    return found


async def test_no_v1_route_answers_without_a_valid_token(api_app: FastAPI, world: World) -> None:
    transport = httpx.ASGITransport(app=api_app, raise_app_exceptions=False)
    routes = _v1_routes(api_app)
    assert len(routes) > 30
    tampered = world.tokens["admin"][:-4] + "AAAA"
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as anonymous:
        for method, path in routes:
            bare = await anonymous.request(method, path, json={})
            assert (bare.status_code, bare.json()["code"]) == (401, "unauthenticated"), (method, path)
            assert bare.headers["www-authenticate"] == "Bearer"
            forged = await anonymous.request(
                method, path, json={}, headers={"Authorization": f"Bearer {tampered}"}
            )
            assert (forged.status_code, forged.json()["code"]) == (401, "invalid_token"), (method, path)


async def test_denials_are_logged(api_app: FastAPI, world: World, caplog: pytest.LogCaptureFixture) -> None:
    transport = httpx.ASGITransport(app=api_app)
    async with world.client(transport, "hue") as hue:
        assert (await hue.get("/v1/audit")).status_code == 403
    messages = [r.getMessage() for r in caplog.records if r.name == "hub.access"]
    assert any(world.codes["hue"] in m and "role_missing" in m for m in messages)


async def test_every_refusal_is_audited_and_logged(
    api_app: FastAPI, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Who was refused what, and why: 403s from the policy or the grants, and 401s."""
    transport = httpx.ASGITransport(app=api_app)
    async with world.client(transport, "quang_ninh") as qn:
        refused = await qn.post("/v1/subscriptions", json=sub_body("qn-audit-hue", ["46"]))
    assert (refused.status_code, refused.json()["code"]) == (403, "grant_missing")
    async with world.client(transport, "hue") as hue:
        assert (await hue.get("/v1/audit")).status_code == 403
    token_id = world.tokens["admin"].split("_")[1]
    forged = {"Authorization": f"Bearer {world.tokens['admin'][:-4]}AAAA"}
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=forged) as anon:
        assert (await anon.get("/v1/subscriptions")).status_code == 401
    async with world.client(transport, "admin") as admin:
        found = await admin.get("/v1/audit", params={"action": "access.refused", "limit": 1000})
    seen = {
        (
            e["actor"],
            e["token_id"],
            e["after"]["code"],
            e["after"]["status"],
            e["resource_kind"],
            e["resource_id"],
        )
        for e in found.json()["items"]
    }  # newest first, the module's other cases included
    qn_org, hue_org = world.codes["quang_ninh"], world.codes["hue"]
    qn_token, hue_token = world.tokens["quang_ninh"].split("_")[1], world.tokens["hue"].split("_")[1]
    assert (qn_org, qn_token, "grant_missing", 403, "subscription", "POST /v1/subscriptions") in seen
    assert (hue_org, hue_token, "role_missing", 403, "audit", "GET /v1/audit") in seen
    assert ("anonymous", token_id, "invalid_token", 401, "subscription", "GET /v1/subscriptions") in seen
    assert all(e["after"]["reason"] for e in found.json()["items"])
    logged = [r.getMessage() for r in caplog.records if r.name == "hub.access"]
    assert any("grant_missing" in m and world.codes["quang_ninh"] in m for m in logged)
