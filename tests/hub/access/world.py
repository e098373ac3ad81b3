"""A small world of organisations, tokens and grants for access tests, built through the service.

::

    admin       000.00.00.G22   hub operations              admin, operator (bootstrapped)
    civil       000.00.00.G15   ministry, civil-status       publisher
    land        000.00.00.G10   ministry, land               publisher
    quang_ninh  000.00.00.H49   province                     subscriber: civil-status in 22
    hue         000.00.00.H57   province                     subscriber: civil-status in 46
    operator    000.00.01.G22   operations desk              operator
    replayer    000.00.02.G22   operations desk              operator, replay
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from hub.access.grants import GrantSpec
from hub.access.principals import OrganisationSpec, Principal
from hub.access.tokens import TokenSpec
from hub.services.access import AccessService
from hub.store.base import Store
from tests.hub.access.auth import ADMIN_ORG, admin_token, bearer

ORGS: dict[str, dict[str, Any]] = {
    "civil": {"code": "G15", "name": "Bộ Tư pháp", "kind": "ministry",
              "roles": ["publisher"], "domains": ["civil-status"]},
    "land": {"code": "G10", "name": "Bộ Nông nghiệp và Môi trường", "kind": "ministry",
             "roles": ["publisher"], "domains": ["land"]},
    "quang_ninh": {"code": "H49", "name": "UBND tỉnh Quảng Ninh", "kind": "province",
                   "roles": ["subscriber"]},
    "hue": {"code": "H57", "name": "UBND thành phố Huế", "kind": "province", "roles": ["subscriber"]},
    "operator": {"code": "000.00.01.G22", "name": "Trực vận hành", "kind": "operator", "roles": ["operator"]},
    "replayer": {"code": "000.00.02.G22", "name": "Trực sự cố", "kind": "operator",
                 "roles": ["operator", "replay"]},
}  # fmt: skip
GRANTED_UNIT = {"quang_ninh": "22", "hue": "46"}
PURPOSE = "Giải quyết thủ tục hành chính liên thông"
LEGAL_BASIS = "Nghị định 47/2020/NĐ-CP"
SYSTEM_ADMIN = Principal(org=ADMIN_ORG.code, roles=frozenset({"admin"}))


@dataclass
class World:
    store: Store
    tokens: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)
    grants: dict[str, int] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        return bearer(self.tokens[who])

    def client(self, transport: httpx.AsyncBaseTransport, who: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, base_url="http://hub.test", headers=self.headers(who))


def grant_spec(org: str, feed: str, unit: str, days: float = 30) -> GrantSpec:
    return GrantSpec(
        org=org, feed=feed, admin_unit=unit, purpose=PURPOSE, legal_basis=LEGAL_BASIS,
        expires_at=datetime.now(UTC) + timedelta(days=days),
    )  # fmt: skip


def build_world(store: Store) -> World:
    """Every organisation with one token; each province granted civil-status in its own province."""
    world = World(store, tokens={"admin": admin_token(store)}, codes={"admin": ADMIN_ORG.code})
    service = AccessService(store)
    for who, fields in ORGS.items():
        org = service.create_org(SYSTEM_ADMIN, OrganisationSpec.model_validate(fields))
        world.codes[who] = org.code
        issued = service.issue_token(SYSTEM_ADMIN, TokenSpec(org=org.code, name=f"{who} tests"))
        world.tokens[who] = issued.secret
    for who, unit in GRANTED_UNIT.items():
        made = service.create_grant(SYSTEM_ADMIN, grant_spec(world.codes[who], "vn.gov.civil-status.*", unit))
        world.grants[who] = made.id
    return world
