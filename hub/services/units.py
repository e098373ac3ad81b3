"""Administrative-units versions: list, diff, load (check, store, activate, re-home), and any version's index.

``load`` takes a version file (``schemas.admin_units``, ADR 012), refuses it with a stable code
when it is malformed (``invalid_units_file``), names an unknown parent (``unknown_units_parent``),
does not follow the active version (``units_version_not_newer``) or is already loaded
(``units_version_exists``); otherwise it stores it as the active version in one transaction
(audited as ``units.load``), then starts one re-homing job per subscription whose scope moves
(``hub.services.rehoming``). ``hub run`` and ``hub connect`` pick the new version up by polling
``active_version`` (``hub.services.active_units``).

``unit_index(version)`` is what the job runner builds a re-homing selector from. Chains are
cached per process by their versions' digests: building one parses its files (~0.2 s each).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from hub.access.principals import Principal
from hub.services import audit
from hub.services.rehoming import JobStarter, RehomingJob, affected, start_rehoming
from hub.store import admin_unit_versions as rows
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store, utcnow
from schemas.admin_units import (
    SHIPPED_VERSION,
    ParsedFile,
    UnitsDiff,
    VersionedUnits,
    diff_versions,
    extend,
    parse_units_file,
    shipped_units,
)
from schemas.errors import UnitsVersionExists, UnitsVersionNotNewer, UnknownUnitsParent, UnknownUnitsVersion

_CACHED_CHAINS = 16
ChainKey = tuple[tuple[str, str], ...]  # (version, digest) from the first loaded version on


class CommuneChangeView(BaseModel):
    code: str
    name: str
    change: str
    from_province: str
    to_province: str
    to_communes: list[str]
    to_names: list[str]


class ProvinceChangeView(BaseModel):
    code: str
    name: str
    to_province: str
    to_name: str


class DiffView(BaseModel):
    """What ``new_version`` changes against ``old_version``: communes that move, renames, counts."""

    old_version: str
    new_version: str
    counts: dict[str, int]
    communes: list[CommuneChangeView]
    provinces: list[ProvinceChangeView]

    @classmethod
    def of(cls, changes: UnitsDiff) -> DiffView:
        return cls(
            old_version=changes.old_version,
            new_version=changes.new_version,
            counts=changes.counts,
            communes=[CommuneChangeView.model_validate(dataclasses.asdict(c)) for c in changes.communes],
            provinces=[ProvinceChangeView.model_validate(dataclasses.asdict(p)) for p in changes.provinces],
        )


class UnitsVersionView(BaseModel):
    version: str
    parent: str | None = Field(description="the version it follows; none for the shipped one")
    shipped: bool = Field(description="the version of the installed dataset package")
    active: bool = Field(description="the version routing decides by")
    loaded_at: datetime | None = None
    loaded_by: str | None = None
    digest: str | None = Field(default=None, description="SHA-256 of the file's canonical JSON")
    description: str = ""
    rehoming: list[RehomingJob] = Field(default_factory=list, description="the jobs its load started")


class LoadReport(BaseModel):
    version: UnitsVersionView
    diff: DiffView
    rehoming: list[RehomingJob]


class JobProgress(Protocol):
    """A state job as its runner reports it (``hub.services.state_jobs.JobView``)."""

    @property
    def state(self) -> str: ...
    @property
    def scanned(self) -> int: ...
    @property
    def total(self) -> int | None: ...
    @property
    def selected(self) -> int: ...
    @property
    def produced(self) -> int: ...
    @property
    def delivered(self) -> int: ...
    @property
    def error(self) -> str | None: ...


JobReader = Callable[[str, int], JobProgress]  # (subscription id, job id) -> the job now


class RehomingProgress(BaseModel):
    """One subscription's re-homing, as the CLI shows it until every job ended."""

    subscription_id: str
    job_id: int | None
    state: str = Field(description="the job's state, or not_started")
    scanned: int = 0
    total: int | None = None
    selected: int = 0
    produced: int = 0
    delivered: int = 0
    error: str | None = None


ENDED_STATES = frozenset({"done", "failed", "not_started"})  # the job runner's final states, and ours


class UnitsService:
    def __init__(
        self, store: Store, starter: JobStarter | None = None, jobs: JobReader | None = None
    ) -> None:
        self.store = store
        self.starter = starter
        self.jobs = jobs

    def versions(self) -> list[UnitsVersionView]:
        """The shipped version, then every loaded one, oldest first."""
        with self.store.session() as session:
            loaded = rows.listed(session)
        shipped = UnitsVersionView(
            version=SHIPPED_VERSION, parent=None, shipped=True, active=not any(v.active for v in loaded)
        )
        return [shipped, *(_view(version) for version in loaded)]

    def active_version(self) -> str:
        with self.store.session() as session:
            found = rows.active(session)
        return SHIPPED_VERSION if found is None else found[0]

    def unit_index(self, version: str) -> VersionedUnits:
        """The routing index of ``version`` (shipped or loaded): what re-homing selectors compare."""
        return self.chain(version)

    def chain(self, version: str | None = None) -> VersionedUnits:
        """The chain up to ``version`` (the active one when None); ``unknown_units_version`` if none."""
        with self.store.session() as session:
            known = rows.lineage(session)
            wanted = version or (rows.active(session) or (SHIPPED_VERSION, ""))[0]
        if wanted == SHIPPED_VERSION:
            return shipped_units()
        line = _line(known, wanted)
        return _chain(tuple((name, known[name][1]) for name in line), self._content)

    def _content(self, version: str) -> str:
        with self.store.session() as session:
            return rows.content(session, version)

    def diff(self, old: str | bytes, new: str | bytes) -> UnitsDiff:
        """``old`` and ``new`` each a version name or a version file's bytes (the new may follow the old)."""
        old_chain = self._chain_of(old, None)
        return diff_versions(old_chain, self._chain_of(new, old_chain))

    def _chain_of(self, given: str | bytes, other: VersionedUnits | None) -> VersionedUnits:
        if isinstance(given, str):
            return self.chain(given)
        parsed = parse_units_file(given)
        parent = parsed.content.parent
        if other is not None and other.version == parent:
            return extend(other, parsed)
        try:
            return extend(self.chain(parent), parsed)
        except UnknownUnitsVersion:
            raise _unknown_parent(parsed) from None

    def load(self, raw: bytes, actor: Principal) -> LoadReport:
        """Check, store and activate the version file ``raw``, then start re-homing."""
        parsed = parse_units_file(raw)
        current = self.chain()
        self._check_follows(parsed, current)
        new = extend(current, parsed)
        changes = diff_versions(current, new)
        version = rows.StoredVersion(
            parsed.content.version, parsed.content.parent, utcnow(), actor.label, parsed.digest,
            parsed.content.description, True,
        )  # fmt: skip
        try:
            with self.store.session() as session:
                rows.add_active(session, version, parsed.canonical)
                audit.record(
                    session, actor, "units.load", "units", version.version, after=_audited(version, changes)
                )
        except IntegrityError as exc:  # another load of the same parent won the race
            raise UnitsVersionNotNewer(
                f"version {version.version}: another version was loaded on {version.parent} meanwhile"
            ) from exc
        jobs = self._rehome(current, new, changes, actor)
        return LoadReport(version=_view(version, jobs), diff=DiffView.of(changes), rehoming=jobs)

    def rehome(self, version: str, actor: Principal) -> list[RehomingJob]:
        """Start the re-homing of ``version`` again for the subscriptions whose job did not start."""
        new = self.chain(version)
        if len(new.versions) < 2:
            raise UnknownUnitsVersion(f"{version} is the shipped version: nothing was re-homed to it")
        old = new.truncated(new.versions[-2])
        done = {job.subscription_id for job in self._jobs_of(version) if job.job_id is not None}
        return self._rehome(old, new, diff_versions(old, new), actor, skip=done)

    def rehoming(self, version: str) -> list[RehomingProgress]:
        """Each re-homing job of ``version`` with its progress (from the job runner)."""
        return [self._progress(job) for job in self._jobs_of(version)]

    def _jobs_of(self, version: str) -> list[RehomingJob]:
        views = [view for view in self.versions() if view.version == version]
        if not views:
            raise UnknownUnitsVersion(f"no administrative-units version {version!r} is loaded")
        return views[0].rehoming

    def _progress(self, job: RehomingJob) -> RehomingProgress:
        if job.job_id is None or self.jobs is None:
            return RehomingProgress(
                subscription_id=job.subscription_id, job_id=job.job_id, state="not_started", error=job.error
            )
        now = self.jobs(job.subscription_id, job.job_id)
        return RehomingProgress(
            subscription_id=job.subscription_id, job_id=job.job_id, state=now.state, scanned=now.scanned,
            total=now.total, selected=now.selected, produced=now.produced, delivered=now.delivered,
            error=now.error,
        )  # fmt: skip

    def _rehome(
        self,
        old: VersionedUnits,
        new: VersionedUnits,
        changes: UnitsDiff,
        actor: Principal,
        skip: frozenset[str] | set[str] = frozenset(),
    ) -> list[RehomingJob]:
        with self.store.session() as session:
            subscriptions = stored_subscriptions.list_all(session)
        ids = [sid for sid in affected(subscriptions, old, new, changes) if sid not in skip]
        started = start_rehoming(self.starter, ids, old.version, new.version, actor)
        kept = [job for job in self._jobs_of(new.version) if job.subscription_id in skip]
        with self.store.session() as session:
            rows.set_rehoming(session, new.version, [job.model_dump() for job in [*kept, *started]])
        return started

    def _check_follows(self, parsed: ParsedFile, current: VersionedUnits) -> None:
        content = parsed.content
        with self.store.session() as session:
            known = {SHIPPED_VERSION, *rows.lineage(session)}
        if content.version in known:
            raise UnitsVersionExists(
                f"administrative-units version {content.version} is already loaded",
                details={"version": content.version},
            )
        if content.parent not in known:
            raise _unknown_parent(parsed)
        if content.parent != current.version:
            raise UnitsVersionNotNewer(
                f"version {content.version} follows {content.parent}, but the active version is "
                f"{current.version}: write it on top of {current.version}",
                details={"parent": content.parent, "active": current.version},
            )


def _unknown_parent(parsed: ParsedFile) -> UnknownUnitsParent:
    return UnknownUnitsParent(
        f"version {parsed.content.version} follows {parsed.content.parent}, "
        "which is neither shipped nor loaded",
        details={"parent": parsed.content.parent},
    )


def _line(stored: dict[str, tuple[str, str]], version: str) -> list[str]:
    """The loaded versions from the shipped one's child to ``version``."""
    if version not in stored:
        raise UnknownUnitsVersion(
            f"no administrative-units version {version!r}; known: {[SHIPPED_VERSION, *sorted(stored)]}",
            details={"version": version},
        )
    line = [version]
    while stored[line[-1]][0] != SHIPPED_VERSION:
        line.append(stored[line[-1]][0])
    return line[::-1]


def _chain(key: ChainKey, content: Callable[[str], str]) -> VersionedUnits:
    """Extends the cached chain of the key's prefix: loading one more version parses one file."""
    cached = _CHAINS.get(key)
    if cached is not None:
        return cached
    base = shipped_units() if len(key) == 1 else _chain(key[:-1], content)
    built = extend(base, parse_units_file(content(key[-1][0])))
    _CHAINS[key] = built
    while len(_CHAINS) > _CACHED_CHAINS:
        _CHAINS.pop(next(iter(_CHAINS)))
    return built


_CHAINS: dict[ChainKey, VersionedUnits] = {}  # oldest first; a process uses one or two at a time


def _view(version: rows.StoredVersion, jobs: list[RehomingJob] | None = None) -> UnitsVersionView:
    return UnitsVersionView(
        version=version.version, parent=version.parent, shipped=False, active=version.active,
        loaded_at=version.loaded_at, loaded_by=version.loaded_by, digest=version.digest,
        description=version.description,
        rehoming=jobs if jobs is not None else [RehomingJob.model_validate(job) for job in version.rehoming],
    )  # fmt: skip


def _audited(version: rows.StoredVersion, changes: UnitsDiff) -> dict[str, Any]:
    return {
        "version": version.version,
        "parent": version.parent,
        "digest": version.digest,
        "counts": changes.counts,
    }


__all__ = [
    "ENDED_STATES",
    "DiffView",
    "JobProgress",
    "JobReader",
    "LoadReport",
    "RehomingProgress",
    "UnitsService",
    "UnitsVersionView",
]
