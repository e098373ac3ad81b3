"""Grants: which organisation may receive which feed, for which administrative unit, why, and until when.

A grant is made by an admin for one feed (an event type, a topic, or a pattern with ``*``) and
one administrative unit (a code of either era, or ``*`` for the whole country), with the
purpose and legal basis of the processing and an expiry. A subscription is *covered* when every
pair of (feed it names) x (unit in its filter) lies within a live grant of its owner; a
subscription without a unit filter asks for the whole country and needs ``*`` grants.

Coverage is decided here, without I/O, for both moments that matter: registration (the API
refuses with ``grant_missing``) and delivery (the engine pauses the subscription, saying
which grant is missing, expired or revoked; see ``hub.services.admission``).

Feed containment: the grant's pattern must match the subscription's feed read literally (its
``*`` as a character); since only the grant's ``*`` can match a ``*``, every name the
subscription's pattern matches is then matched by the grant's. Topic names are compared in
event-type form (``gov.land.parcel.v1`` = ``vn.gov.land.parcel.v1``). Unit containment is the
routing test (``Normaliser.contains``): a pre-merger commune split between current communes
lies within each of them, so a grant on one of them covers it (the events carry both codes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import quote

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from hub.access.principals import AgencyCode
from hub.routing import AdminUnitIndex
from hub.routing.feeds import matches
from schemas import naming
from schemas.errors import UnknownAdminUnit

NATIONWIDE = "*"
REASON_PREFIX = "grant_"  # every status reason written for a grant starts with it
FEED_PATTERN = r"^[A-Za-z0-9*][A-Za-z0-9._*-]{0,199}$"
UNIT_PATTERN = r"^(\*|[0-9]{2,5})$"
GrantState = Literal["live", "expired", "revoked"]


class GrantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=10_000)

    org: AgencyCode = Field(description="the subscribing organisation")
    feed: str = Field(pattern=FEED_PATTERN, description="event type, topic or pattern, e.g. vn.gov.land.*")
    admin_unit: str = Field(pattern=UNIT_PATTERN, description="unit code of either era, or * (nationwide)")
    purpose: str = Field(min_length=3, max_length=500, description="why the data is processed")
    legal_basis: str = Field(min_length=3, max_length=500, description="e.g. Nghị định 47/2020/NĐ-CP")
    expires_at: AwareDatetime


class Grant(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    org: str = Field(validation_alias="org_code")
    feed: str
    admin_unit: str
    purpose: str
    legal_basis: str
    expires_at: datetime
    created_at: datetime
    created_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def state_at(self, now: datetime) -> GrantState:
        if self.revoked_at is not None and self.revoked_at <= now:
            return "revoked"
        return "expired" if self.expires_at <= now else "live"


class GrantOut(Grant):
    """A grant as the API shows it, with its state at the time of the answer."""

    state: GrantState

    @classmethod
    def of(cls, grant: Grant, now: datetime) -> GrantOut:
        return cls.model_validate({**grant.model_dump(), "org_code": grant.org, "state": grant.state_at(now)})


def event_type_form(feed: str) -> str:
    """``gov.x.y.v1`` (and topic patterns) as ``vn.gov.x.y.v1``; anything else unchanged."""
    if feed.startswith(naming.TOPIC_PREFIX):
        return "vn." + feed
    return feed


def feed_covers(granted: str, wanted: str) -> bool:
    return matches(event_type_form(granted), event_type_form(wanted))


def unit_covers(units: AdminUnitIndex, granted: str, wanted: str | None) -> bool:
    if granted == NATIONWIDE:
        return True
    if wanted is None:
        return False
    try:
        return units.contains(granted, wanted)
    except UnknownAdminUnit:
        return False


@dataclass(frozen=True)
class Gap:
    """One (feed, unit) pair no live grant covers; ``lapsed`` a grant that did, before it ended."""

    feed: str
    admin_unit: str | None
    lapsed: Grant | None = None

    def reason(self, now: datetime) -> str:
        where = f"feed {self.feed} in unit {self.admin_unit or 'nationwide'}"
        if self.lapsed is None:
            return f"grant_missing: no live grant covers {where}"
        state = self.lapsed.state_at(now)
        when = self.lapsed.revoked_at if state == "revoked" else self.lapsed.expires_at
        return f"grant_{state}: grant {self.lapsed.id} for {where} {state} at {when:%Y-%m-%dT%H:%M:%SZ}"


@dataclass(frozen=True)
class Coverage:
    used: tuple[Grant, ...] = ()
    gaps: tuple[Gap, ...] = field(default_factory=tuple)

    @property
    def covered(self) -> bool:
        return not self.gaps

    def reason(self, now: datetime) -> str | None:
        """The status reason of an uncovered subscription (the first gap, and how many more)."""
        if not self.gaps:
            return None
        more = f" (and {len(self.gaps) - 1} more)" if len(self.gaps) > 1 else ""
        return (self.gaps[0].reason(now) + more)[:1000]


def coverage(
    feeds: Sequence[str],
    admin_units: Sequence[str],
    grants: Iterable[Grant],
    units: AdminUnitIndex,
    now: datetime,
) -> Coverage:
    """Which live grants cover the subscription's feeds x units, and which pairs none does."""
    candidates = list(grants)
    live = [g for g in candidates if g.state_at(now) == "live"]
    used: dict[int, Grant] = {}
    gaps: list[Gap] = []
    wanted_units: list[str | None] = [*admin_units] or [None]  # no filter = the whole country
    for feed in feeds:
        for unit in wanted_units:
            found = _covering(live, feed, unit, units)
            if found is not None:
                used[found.id] = found
                continue
            lapsed = _covering([g for g in candidates if g.state_at(now) != "live"], feed, unit, units)
            gaps.append(Gap(feed, unit, lapsed))
    return Coverage(tuple(used[i] for i in sorted(used)), tuple(gaps))


def _covering(grants: Iterable[Grant], feed: str, unit: str | None, units: AdminUnitIndex) -> Grant | None:
    return next(
        (g for g in grants if feed_covers(g.feed, feed) and unit_covers(units, g.admin_unit, unit)), None
    )


def delivery_headers(used: Sequence[Grant]) -> tuple[tuple[str, str], ...]:
    """The grants, purposes and legal bases a push is made under, as HTTP headers.

    Header values must be ASCII, and purposes are Vietnamese: each is percent-encoded UTF-8;
    several grants are listed in the same order in each header, comma-separated.
    """
    if not used:
        return ()
    return (
        ("hub-grants", ", ".join(str(g.id) for g in used)),
        ("hub-purpose", ", ".join(quote(g.purpose, safe="") for g in used)),
        ("hub-legal-basis", ", ".join(quote(g.legal_basis, safe="") for g in used)),
    )


__all__ = [
    "NATIONWIDE",
    "REASON_PREFIX",
    "Coverage",
    "Gap",
    "Grant",
    "GrantOut",
    "GrantSpec",
    "coverage",
    "delivery_headers",
    "event_type_form",
    "feed_covers",
    "unit_covers",
]
