"""Registering and changing subscriptions: every check first, then one transaction.

A subscription is refused (nothing stored) when its endpoint is unsafe (``unsafe_endpoint``,
``unresolvable_endpoint``), when a feed names nothing the hub publishes (``unknown_feed``), or
when an administrative-unit code is unknown (``unknown_admin_unit``). The signing secret is
generated unless given and returned only by creation and rotation (``Issued.secret``).

Applying a spec whose secret differs from the stored one rotates to it with the usual overlap,
so ``hub subscriptions apply -f sub.yaml`` is declarative for secrets too.

A subscription created with ``start: backfill`` gets its backfill job in the same transaction,
so no process runs its feed lane before the job fixes the hand-over (ADR 011).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from hub.endpoint_safety import EndpointPolicy, Resolver, check_endpoint, system_resolve
from hub.routing import feed_matches
from hub.store import state_jobs
from hub.store import subscriptions as rows
from hub.store.base import Store
from hub.store.contracts import ContractRegistry
from hub.subscriptions.model import Subscription, SubscriptionSpec, SubscriptionState
from hub.subscriptions.secrets import DEFAULT_OVERLAP_S, SigningSecrets, generate_secret
from schemas.admin_units import AdminUnitResolver
from schemas.contracts.compatibility import Mode
from schemas.feeds import UnknownFeed, builtin_catalogue


def builtin_feed_names() -> frozenset[str]:
    """Event types and topics of the built-in feeds (the default where no store is at hand)."""
    return builtin_catalogue().names()


def registered_feed_names(store: Store) -> frozenset[str]:
    """Event types and topics of every live contract in the registry (built-ins are seeded into
    it at migration), so a publisher's newly registered feed can be subscribed to at once."""
    with store.session() as session:
        return ContractRegistry(session, Mode.BACKWARD).catalogue().names()


@dataclass(frozen=True)
class Checks:
    """The registration checks' inputs, injectable so tests need no DNS and no normaliser."""

    policy: EndpointPolicy = field(default_factory=EndpointPolicy)
    known_feeds: Callable[[], Collection[str]] = builtin_feed_names
    units: AdminUnitResolver | None = None
    resolve: Resolver = system_resolve

    async def validate(self, spec: SubscriptionSpec) -> None:
        check_feeds(spec.feeds, await asyncio.to_thread(self.known_feeds))
        check_admin_units(spec.filter.admin_units, self.units)
        await check_endpoint(spec.endpoint_url, self.policy, self.resolve)


def check_feeds(patterns: Iterable[str], known: Collection[str]) -> None:
    unknown = [p for p in patterns if not any(feed_matches(p, name) for name in known)]
    if unknown:
        raise UnknownFeed(
            f"no feed matches {', '.join(map(repr, unknown))}",
            details={"unknown": unknown, "known": sorted(known)},
        )


def check_admin_units(codes: Iterable[str], units: AdminUnitResolver | None) -> None:
    """Every filter code must name a unit of either era. A pre-merger unit without one current
    successor (a split commune, an old district) is fine: routing's ``contains`` handles it."""
    if units is None:
        return
    for code in codes:
        units.resolve(code)


@dataclass(frozen=True)
class Issued:
    """A subscription as stored, with the secret when this call issued one (shown once)."""

    subscription: Subscription
    created: bool
    secret: str | None = None


def _created(session: Session, spec: SubscriptionSpec) -> Issued:
    secret = spec.secret or generate_secret()
    stored = rows.insert(session, spec, SigningSecrets(secret))
    if spec.start == "backfill":
        state_jobs.insert(session, spec.id, "backfill", {}, spec.owner or "subscription.start")
    return Issued(stored, created=True, secret=secret)


class SubscriptionService:
    def __init__(self, store: Store, checks: Checks, *, overlap_s: float = DEFAULT_OVERLAP_S) -> None:
        self.store = store
        self.checks = checks
        self.overlap_s = overlap_s

    async def create(self, spec: SubscriptionSpec) -> Issued:
        await self.checks.validate(spec)
        return await asyncio.to_thread(self._insert, spec)

    async def apply(self, spec: SubscriptionSpec) -> Issued:
        """Create, or replace the declaration of, ``spec.id``."""
        await self.checks.validate(spec)
        return await asyncio.to_thread(self._upsert, spec)

    def _insert(self, spec: SubscriptionSpec) -> Issued:
        with self.store.session() as session:
            return _created(session, spec)

    def _upsert(self, spec: SubscriptionSpec) -> Issued:
        with self.store.session() as session:
            if not rows.exists(session, spec.id):
                return _created(session, spec)
            current = rows.signing_secrets(session, spec.id)
            if spec.secret and spec.secret != current.current:
                rows.write_secrets(session, spec.id, current.rotated(spec.secret, overlap_s=self.overlap_s))
            return Issued(rows.replace(session, spec), created=False)

    def get(self, subscription_id: str) -> Subscription:
        with self.store.session() as session:
            return rows.get(session, subscription_id)

    def list(self, *, owner: str | None = None, state: SubscriptionState | None = None) -> list[Subscription]:
        with self.store.session() as session:
            return rows.list_all(session, owner=owner, states=(state,) if state else None)

    def delete(self, subscription_id: str) -> None:
        with self.store.session() as session:
            rows.delete(session, subscription_id)

    def set_paused(self, subscription_id: str, paused: bool, by: str) -> Subscription:
        """Pause (the running hub stops the sink; its position stays) or resume from there.

        Resuming also re-enables a subscription the hub disabled after failing too long.
        """
        with self.store.session() as session:
            if paused:
                return rows.set_state(session, subscription_id, "paused", f"paused by {by}")
            return rows.set_state(session, subscription_id, "active")

    def rotate(
        self, subscription_id: str, *, secret: str | None = None, overlap_s: float | None = None
    ) -> Issued:
        """A new current secret; the old one keeps signing for the overlap (default: a day)."""
        new = secret or generate_secret()
        overlap = self.overlap_s if overlap_s is None else overlap_s
        with self.store.session() as session:
            rotated = rows.signing_secrets(session, subscription_id).rotated(new, overlap_s=overlap)
            rows.write_secrets(session, subscription_id, rotated)
            return Issued(rows.get(session, subscription_id), created=False, secret=new)
