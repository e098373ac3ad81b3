"""The administrative-units versions loaded after the shipped one, and which one is active.

One row per loaded version: its parent, who loaded it and when, the digest and canonical JSON of
its file (``schemas.admin_units``), whether it is the active one, and the re-homing jobs its load
started. ``parent`` is unique, so versions form one line: two loads racing on the same parent
cannot both be stored. No row active means the shipped version is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow


class AdminUnitVersionRow(Base):
    __tablename__ = "admin_unit_versions"

    version: Mapped[str] = mapped_column(String(20), primary_key=True)
    parent: Mapped[str] = mapped_column(String(20), unique=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    loaded_by: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=False)
    rehoming: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


@dataclass(frozen=True)
class StoredVersion:
    version: str
    parent: str
    loaded_at: datetime
    loaded_by: str
    digest: str
    description: str
    active: bool
    rehoming: list[dict[str, Any]] = field(default_factory=list)


def _stored(row: AdminUnitVersionRow) -> StoredVersion:
    return StoredVersion(
        row.version, row.parent, row.loaded_at, row.loaded_by, row.digest, row.description, row.active,
        list(row.rehoming),
    )  # fmt: skip


def listed(session: Session) -> list[StoredVersion]:
    """Every loaded version, without contents, oldest load first."""
    rows = session.scalars(select(AdminUnitVersionRow).order_by(AdminUnitVersionRow.loaded_at))
    return [_stored(row) for row in rows]


def lineage(session: Session) -> dict[str, tuple[str, str]]:
    """Every loaded version's (parent, digest), by version: enough to tell whether a chain is cached."""
    rows = session.execute(
        select(AdminUnitVersionRow.version, AdminUnitVersionRow.parent, AdminUnitVersionRow.digest)
    )
    return {version: (parent, digest) for version, parent, digest in rows}


def content(session: Session, version: str) -> str:
    """The canonical JSON of one loaded version's file."""
    found = session.scalar(select(AdminUnitVersionRow.content).where(AdminUnitVersionRow.version == version))
    if found is None:
        raise KeyError(version)
    return found


def active(session: Session) -> tuple[str, str] | None:
    """The active version and its digest (the cheap question ``hub run`` polls), None: the shipped one."""
    row = session.execute(
        select(AdminUnitVersionRow.version, AdminUnitVersionRow.digest).where(AdminUnitVersionRow.active)
    ).first()
    return None if row is None else (row[0], row[1])


def add_active(session: Session, version: StoredVersion, content: str) -> None:
    """Store ``version`` as the only active one (the caller's transaction decides both together)."""
    session.execute(update(AdminUnitVersionRow).values(active=False))
    session.add(
        AdminUnitVersionRow(
            version=version.version, parent=version.parent, loaded_at=version.loaded_at,
            loaded_by=version.loaded_by, digest=version.digest, description=version.description,
            content=content, active=True, rehoming=version.rehoming,
        )
    )  # fmt: skip
    session.flush()


def set_rehoming(session: Session, version: str, jobs: list[dict[str, Any]]) -> None:
    session.execute(
        update(AdminUnitVersionRow).where(AdminUnitVersionRow.version == version).values(rehoming=jobs)
    )


__all__ = [
    "AdminUnitVersionRow",
    "StoredVersion",
    "active",
    "add_active",
    "content",
    "lineage",
    "listed",
    "set_rehoming",
]
