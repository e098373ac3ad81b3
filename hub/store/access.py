"""Stored organisations, API tokens, grants and the audit log.

Tokens are kept as SHA-256 digests of their secret part only (the secret is shown once, at
issue). Grants and tokens are never deleted, only revoked (``revoked_at``), so the audit trail
can always name what a past decision relied on. The audit log is append-only: this module has
no function that updates or deletes an entry, and the migration adds triggers that make the
database refuse it too. All functions run inside the caller's session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow
from schemas.errors import Conflict, NotFound

_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
Added = TypeVar("Added", "TokenRow", "GrantRow")


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"


class OrganisationExists(Conflict):
    code = "organisation_exists"


class TokenNotFound(NotFound):
    code = "token_not_found"


class GrantNotFound(NotFound):
    code = "grant_not_found"


class OrganisationRow(Base):
    __tablename__ = "organisations"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20))
    roles: Mapped[list[str]] = mapped_column(JSON)
    domains: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    last_used_at: Mapped[datetime | None] = mapped_column()
    replaced_by: Mapped[str | None] = mapped_column(String(32))


class GrantRow(Base):
    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    org_code: Mapped[str] = mapped_column(ForeignKey("organisations.code"), index=True)
    feed: Mapped[str] = mapped_column(String(200))
    admin_unit: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(500))
    legal_basis: Mapped[str] = mapped_column(String(500))
    expires_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(String(200))


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(200), index=True)
    token_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(100))
    resource_kind: Mapped[str] = mapped_column(String(40))
    resource_id: Mapped[str] = mapped_column(String(300))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    purpose: Mapped[str | None] = mapped_column(String(1000))


class AuditExportRow(Base):
    """How far the audit log has been exported to each topic (the exporter's watermark)."""

    __tablename__ = "audit_exports"

    topic: Mapped[str] = mapped_column(String(249), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


# ---- organisations ----------------------------------------------------------------------


def org(session: Session, code: str) -> OrganisationRow:
    row = session.get(OrganisationRow, code)
    if row is None:
        raise OrganisationNotFound(f"no organisation {code!r}")
    return row


def orgs(session: Session, codes: Sequence[str] | None = None) -> list[OrganisationRow]:
    query = select(OrganisationRow).order_by(OrganisationRow.code)
    if codes is not None:
        query = query.where(OrganisationRow.code.in_(codes))
    return list(session.scalars(query))


def add_org(session: Session, row: OrganisationRow) -> OrganisationRow:
    if session.get(OrganisationRow, row.code) is not None:
        raise OrganisationExists(f"organisation {row.code!r} already exists")
    session.add(row)
    session.flush()
    return row


def count_admin_orgs(session: Session) -> int:
    return sum(1 for row in orgs(session) if "admin" in row.roles)


# ---- tokens -----------------------------------------------------------------------------


def token(session: Session, token_id: str, *, for_update: bool = False) -> TokenRow:
    row = session.get(TokenRow, token_id, with_for_update=for_update)
    if row is None:
        raise TokenNotFound(f"no token {token_id!r}")
    return row


def find_token(session: Session, token_id: str) -> TokenRow | None:
    return session.get(TokenRow, token_id)


def tokens(session: Session, org_code: str | None = None) -> list[TokenRow]:
    query = select(TokenRow).order_by(TokenRow.created_at, TokenRow.id)
    if org_code is not None:
        query = query.where(TokenRow.org_code == org_code)
    return list(session.scalars(query))


# ---- grants -----------------------------------------------------------------------------


def grant(session: Session, grant_id: int, *, for_update: bool = False) -> GrantRow:
    row = session.get(GrantRow, grant_id, with_for_update=for_update)
    if row is None:
        raise GrantNotFound(f"no grant {grant_id}")
    return row


def grants(session: Session, org_code: str | None = None) -> list[GrantRow]:
    query = select(GrantRow).order_by(GrantRow.id)
    if org_code is not None:
        query = query.where(GrantRow.org_code == org_code)
    return list(session.scalars(query))


def add(session: Session, row: Added) -> Added:
    """Store a new token or grant (neither is ever deleted: revocation is a column)."""
    session.add(row)
    session.flush()
    return row


# ---- audit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    resource_kind: str | None = None
    resource_id: str | None = None
    action: str | None = None
    before_id: int | None = None
    after_id: int | None = None
    limit: int = 100
    oldest_first: bool = False


def append_audit(session: Session, row: AuditRow) -> AuditRow:
    """The only write of the audit log: a new entry."""
    session.add(row)
    session.flush()
    return row


def audit_entries(session: Session, query: AuditQuery) -> list[AuditRow]:
    """Newest first (page with ``before_id``), or oldest first after ``after_id`` (export)."""
    order = AuditRow.id.asc() if query.oldest_first else AuditRow.id.desc()
    statement = select(AuditRow).order_by(order).limit(query.limit)
    conditions = {
        AuditRow.actor: query.actor,
        AuditRow.resource_kind: query.resource_kind,
        AuditRow.resource_id: query.resource_id,
        AuditRow.action: query.action,
    }
    for column, value in conditions.items():
        if value is not None:
            statement = statement.where(column == value)
    if query.before_id is not None:
        statement = statement.where(AuditRow.id < query.before_id)
    if query.after_id is not None:
        statement = statement.where(AuditRow.id > query.after_id)
    return list(session.scalars(statement))


def export_position(session: Session, topic: str) -> int:
    row = session.get(AuditExportRow, topic)
    return 0 if row is None else row.last_id


def set_export_position(session: Session, topic: str, last_id: int) -> None:
    row = session.get(AuditExportRow, topic, with_for_update=True)
    if row is None:
        session.add(AuditExportRow(topic=topic, last_id=last_id, updated_at=utcnow()))
    elif last_id > row.last_id:
        row.last_id, row.updated_at = last_id, utcnow()
    session.flush()


__all__ = [
    "AuditExportRow",
    "AuditQuery",
    "AuditRow",
    "GrantNotFound",
    "GrantRow",
    "OrganisationExists",
    "OrganisationNotFound",
    "OrganisationRow",
    "TokenNotFound",
    "TokenRow",
    "add",
    "add_org",
    "append_audit",
    "audit_entries",
    "count_admin_orgs",
    "export_position",
    "find_token",
    "grant",
    "grants",
    "org",
    "orgs",
    "set_export_position",
    "token",
    "tokens",
]
