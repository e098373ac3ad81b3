"""A store with subscriptions at province and ward level around the merge fixture, and a fake job runner."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from hub.access.principals import Principal
from hub.store import subscriptions as stored
from hub.store.base import Store
from hub.subscriptions.model import SubscriptionSpec
from hub.subscriptions.secrets import SigningSecrets, generate_secret
from schemas.errors import Conflict

ADMIN = Principal(org="000.00.00.H01", roles=frozenset({"admin"}))
# subscription id -> admin-unit filter; the fixture moves 01849 and 01864 (Thái Nguyên, 19)
# into 00700 (Tuyên Quang, 08)
FILTERS = {
    "thai-nguyen": ["19"],
    "tuyen-quang": ["08"],
    "ngoc-duong": ["00700"],
    "phong-quang": ["01849"],
    "ha-noi": ["01"],
    "national": [],
}
REHOMED = ["ngoc-duong", "phong-quang", "thai-nguyen", "tuyen-quang"]  # by id


def with_subscriptions(store: Store) -> Store:
    with store.session() as session:
        for sid, units in FILTERS.items():
            spec = SubscriptionSpec(
                id=sid,
                endpoint_url="https://93.184.216.34/",
                feeds=["vn.gov.*"],
                filter={"admin_units": units},
            )
            stored.insert(session, spec, SigningSecrets(generate_secret()))
    return store


@dataclass(frozen=True)
class Job:
    id: int
    state: str = "running"
    scanned: int = 10
    total: int | None = 20
    selected: int = 2
    produced: int = 2
    delivered: int = 1
    error: str | None = None


@dataclass
class FakeRunner:
    """Starts jobs (refusing the subscriptions in ``busy`` as a running job would) and reports them."""

    busy: set[str] = field(default_factory=set)
    started: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)

    def __call__(
        self, subscription_id: str, *, kind: str, params: Mapping[str, Any], actor: Principal
    ) -> Job:
        if subscription_id in self.busy:
            raise Conflict(f"a job of {subscription_id} is running")
        self.started.append((subscription_id, kind, dict(params), actor.org))
        return Job(id=len(self.started))

    def get(self, subscription_id: str, job_id: int) -> Job:
        return Job(id=job_id, state="done" if job_id == 1 else "running")
