"""The contract registry: the one source of truth of the feeds the hub knows.

A subject is an event type; its versions are contract documents (``schemas.contracts.document``:
JSON Schema of the row plus key fields, admin-unit field, per-field description and sensitivity),
numbered 1..n in registration order, and never change. The registry writes each version's number
into its ``$id`` (``urn:vn-gov-hub:contract:<event type>:v<N>``, the ``dataschema`` of the events
it describes); a document that already names a version must name the one it gets. The built-in
contract files are loaded at migration (``hub.store.contract_seed``); a ministry registers a new
feed with one more document, no code. A new version is accepted only when the subject's mode
(or the process default) says it is compatible with the history, so publishers cannot break
subscribers by accident. Registering a schema already live under the subject is a no-op that
returns that version (so seeding from files can run any number of times). Deleting a subject is
soft: its versions stop counting and stop being served, their numbers are never reused.

Everything here runs inside one session (one transaction) of the caller: a rejected request
raises before the transaction commits, so it changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow
from schemas.contracts.compatibility import Incompatibility, Mode, check
from schemas.contracts.document import (
    ADMIN_UNIT_FIELD_KEY,
    KEY_FIELDS_KEY,
    InvalidContract,
    contract_version,
    numbered,
    parse_contract,
)
from schemas.errors import Conflict, IncompatibleContract, NotFound
from schemas.feeds import FeedCatalogue, FeedSpec

SUBJECT_PATTERN = r"^[a-z0-9](?:[a-z0-9.-]{0,198}[a-z0-9])?$"


class ConcurrentUpdate(Conflict):
    """Another request changed the same subject at the same moment; trying again will work."""

    code = "concurrent_update"
    retriable = True


class ContractVersionMismatch(Conflict):
    """The document's ``$id`` names another version than the one it would get."""

    code = "contract_version_mismatch"


class ContractSubject(Base):
    __tablename__ = "contract_subjects"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    compatibility: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class ContractVersion(Base):
    __tablename__ = "contract_versions"

    subject: Mapped[str] = mapped_column(
        String(200), ForeignKey("contract_subjects.name", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


@dataclass(frozen=True)
class SubjectSummary:
    subject: str
    latest_version: int
    version_count: int
    compatibility: Mode


@dataclass(frozen=True)
class Registration:
    version: ContractVersion
    created: bool


def fingerprint(schema: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON text: key order and whitespace do not make a new version."""
    canonical = json.dumps(schema, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def incompatibility_details(found: Sequence[Incompatibility]) -> list[dict[str, Any]]:
    return [asdict(item) for item in found]


class ContractRegistry:
    """The registry's rules over one session; ``default_mode`` applies to subjects without one."""

    def __init__(self, session: Session, default_mode: Mode) -> None:
        self.session = session
        self.default_mode = default_mode

    def subjects(self) -> list[SubjectSummary]:
        live = ContractVersion.deleted_at.is_(None)
        rows = self.session.execute(
            select(ContractSubject, func.max(ContractVersion.version), func.count(ContractVersion.version))
            .join(ContractVersion, (ContractVersion.subject == ContractSubject.name) & live)
            .group_by(ContractSubject.name)
            .order_by(ContractSubject.name)
        ).all()
        return [SubjectSummary(row.name, latest, count, self._mode_of(row)) for row, latest, count in rows]

    def versions(self, subject: str) -> list[ContractVersion]:
        """Live versions, oldest first; ``NotFound`` when the subject has none."""
        found = self._live_versions(subject)
        if not found:
            raise NotFound(f"no contract subject {subject!r}")
        return found

    def version(self, subject: str, number: int | None) -> ContractVersion:
        """One live version; ``None`` means the latest."""
        found = self.versions(subject)
        if number is None:
            return found[-1]
        for item in found:
            if item.version == number:
                return item
        raise NotFound(f"contract subject {subject!r} has no version {number}")

    def mode(self, subject: str) -> Mode:
        return self._mode_of(self.session.get(ContractSubject, subject))

    def set_mode(self, subject: str, mode: Mode) -> Mode:
        """Set before the first version too, so a subject can start out stricter than the default."""
        self._locked_subject(subject).compatibility = mode.value
        self._flush()
        return mode

    def check(self, subject: str, schema: dict[str, Any]) -> list[Incompatibility]:
        """What registering ``schema`` now would break (an already live schema breaks nothing)."""
        _checked(subject, schema)
        live = self._live_versions(subject)
        if _existing(live, schema) is not None:
            return []
        found = _identity_changes(schema, live)
        return found + check(schema, [(item.version, item.document) for item in live], self.mode(subject))

    def register(self, subject: str, schema: dict[str, Any]) -> Registration:
        _checked(subject, schema)
        row = self._locked_subject(subject)
        live = self._live_versions(subject)
        existing = _existing(live, schema)
        if existing is not None:
            return Registration(existing, created=False)
        mode = self._mode_of(row)
        found = _identity_changes(schema, live)
        found += check(schema, [(item.version, item.document) for item in live], mode)
        if found:
            raise IncompatibleContract(
                f"contract is not {mode.value} compatible with subject {subject!r}",
                details=incompatibility_details(found),
            )
        return Registration(self._add_version(row, schema), created=True)

    def document(self, event_type: str) -> dict[str, Any] | None:
        """The latest live contract document of ``event_type``; None when it has none."""
        live = self._live_versions(event_type)
        return live[-1].document if live else None

    def catalogue(self) -> FeedCatalogue:
        """Every live feed at its latest version: the feeds the hub knows."""
        latest = self.session.execute(
            select(ContractVersion.subject, func.max(ContractVersion.version))
            .where(ContractVersion.deleted_at.is_(None))
            .group_by(ContractVersion.subject)
        ).all()
        rows = [self.session.get(ContractVersion, (subject, version)) for subject, version in latest]
        return FeedCatalogue(spec for row in rows if row is not None and (spec := _feed(row)) is not None)

    def delete(self, subject: str) -> list[int]:
        """Soft-delete every live version; the numbers they had are never given out again."""
        row = self._lock(subject)
        live = self.versions(subject)
        now = utcnow()
        for item in live:
            item.deleted_at = now
        assert row is not None, "a subject with versions has a row"
        row.deleted_at = now
        self._flush()
        return [item.version for item in live]

    def _add_version(self, row: ContractSubject, schema: dict[str, Any]) -> ContractVersion:
        highest = self.session.scalar(
            select(func.max(ContractVersion.version)).where(ContractVersion.subject == row.name)
        )
        number = (highest or 0) + 1
        named = contract_version(schema)
        if named is not None and named != number:
            raise ContractVersionMismatch(
                f"the document's $id names version {named}, but it would be version {number} of {row.name!r}",
                details={"named": named, "next": number},
            )
        document = numbered(schema, number)
        version = ContractVersion(
            subject=row.name, version=number, document=document, fingerprint=fingerprint(document)
        )
        row.deleted_at = None
        self.session.add(version)
        self._flush()
        return version

    def _live_versions(self, subject: str) -> list[ContractVersion]:
        return list(
            self.session.scalars(
                select(ContractVersion)
                .where(ContractVersion.subject == subject, ContractVersion.deleted_at.is_(None))
                .order_by(ContractVersion.version)
            )
        )

    def _locked_subject(self, name: str) -> ContractSubject:
        """The subject row, created if new, locked until the transaction ends."""
        row = self._lock(name)
        if row is None:
            row = ContractSubject(name=name)
            self.session.add(row)
            self._flush()
        return row

    def _lock(self, name: str) -> ContractSubject | None:
        """Serialise writers of one subject, as the transaction's first statement.

        A no-op UPDATE locks the row on PostgreSQL and takes SQLite's write lock before this
        transaction has read anything, so no writer decides on a snapshot another one changed.
        """
        self.session.execute(
            update(ContractSubject).where(ContractSubject.name == name).values(name=ContractSubject.name)
        )
        return self.session.get(ContractSubject, name)

    def _mode_of(self, row: ContractSubject | None) -> Mode:
        if row is None or row.compatibility is None:
            return self.default_mode
        return Mode(row.compatibility)

    def _flush(self) -> None:
        """Write now, so a concurrent writer's conflict surfaces here as a retriable error."""
        try:
            self.session.flush()
        except IntegrityError as exc:
            raise ConcurrentUpdate("the subject changed concurrently; try again") from exc


class SubjectMismatch(InvalidContract):
    """A contract sent to another subject than its own ``x-event-type``."""

    code = "subject_mismatch"


def _checked(subject: str, schema: dict[str, Any]) -> None:
    """A contract document registered under its own event type, or ``InvalidContract``."""
    contract = parse_contract(schema)
    if contract.event_type != subject:
        raise SubjectMismatch(
            f"the document is the contract of {contract.event_type!r}, not of {subject!r}",
            details=[{"code": "subject_mismatch", "path": "/x-event-type", "message": contract.event_type}],
        )


def _existing(live: Sequence[ContractVersion], schema: dict[str, Any]) -> ContractVersion | None:
    """The live version ``schema`` already is (its ``$id`` set or not), if any."""
    matches = (item for item in live if item.fingerprint == fingerprint(numbered(schema, item.version)))
    return next(matches, None)


def _identity_changes(schema: dict[str, Any], live: Sequence[ContractVersion]) -> list[Incompatibility]:
    """Key and admin-unit fields stay put within a major: keys place records on partitions, and
    subscribers route by the unit; changing either needs a new event type."""
    if not live:
        return []
    latest = live[-1]
    return [
        Incompatibility(f"/{key}", f"{key[2:].replace('-', '_')}_changed",
                        f"{key} changed from {latest.document.get(key)!r} to {schema.get(key)!r}",
                        latest.version)
        for key in (KEY_FIELDS_KEY, ADMIN_UNIT_FIELD_KEY)
        if schema.get(key) != latest.document.get(key)
    ]  # fmt: skip


def _feed(row: ContractVersion) -> FeedSpec | None:
    """The feed a stored version describes; None for a document stored before contracts carried
    the hub's metadata (it names no feed until a proper version is registered)."""
    try:
        return FeedSpec.of(row.document, row.version, trusted=True)
    except InvalidContract:
        return None
