"""Stored subscriptions and their signing secrets.

The declaration is kept as one JSON document (``spec``), so adding an optional field to the
model needs no migration; what the runtime queries on (state, owner) are columns. Every change of
spec or state bumps ``generation``, which is how a running sink notices it must reload.

Secrets are read only through ``signing_secrets`` and written only through ``write_secrets``;
their columns are encrypted at rest (``hub.store.crypto.EncryptedText``). All functions
run inside the caller's session, so a rejected request changes nothing. A row whose stored
declaration no longer validates (stored before a rule was added) is left out of listings, and
``disable_unreadable`` disables it with the reason, so it can neither stop the hub nor loop.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import JSON, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from hub.store.base import Base, utcnow
from hub.store.crypto import EncryptedText
from hub.subscriptions.model import Subscription, SubscriptionBase, SubscriptionState
from hub.subscriptions.secrets import SigningSecrets
from schemas.errors import Conflict, NotFound

log = logging.getLogger(__name__)


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"


class SubscriptionExists(Conflict):
    code = "subscription_exists"


class SubscriptionRow(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(63), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(200), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), index=True, default="active")
    status_reason: Mapped[str | None] = mapped_column(String(1000))
    generation: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    secret_current: Mapped[str] = mapped_column(EncryptedText())  # Fernet, key from HUB_SECRET_KEY
    secret_previous: Mapped[str | None] = mapped_column(EncryptedText())
    secret_previous_expires_at: Mapped[datetime | None] = mapped_column()

    def to_model(self) -> Subscription:
        return Subscription.model_validate(
            {
                **self.spec,
                "id": self.id,
                "owner": self.owner,
                "state": self.state,
                "status_reason": self.status_reason,
                "generation": self.generation,
                "created_at": self.created_at,
                "updated_at": self.updated_at,
                "secret_previous_expires_at": self.secret_previous_expires_at,
            }
        )


def _spec_document(spec: SubscriptionBase) -> dict[str, Any]:
    return spec.model_dump(mode="json", exclude={"id", "owner"})


def _row(session: Session, subscription_id: str, *, for_update: bool = False) -> SubscriptionRow:
    query = select(SubscriptionRow).where(SubscriptionRow.id == subscription_id)
    row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
    if row is None:
        raise SubscriptionNotFound(f"no subscription {subscription_id!r}")
    return row


def insert(session: Session, spec: SubscriptionBase, secrets: SigningSecrets) -> Subscription:
    if session.get(SubscriptionRow, spec.id) is not None:
        raise SubscriptionExists(f"subscription {spec.id!r} already exists")
    row = SubscriptionRow(id=spec.id, owner=spec.owner, spec=_spec_document(spec), secret_current="")
    session.add(row)
    write_secrets(session, spec.id, secrets, row=row)
    try:
        session.flush()
    except IntegrityError as exc:  # created concurrently since the check above
        raise SubscriptionExists(f"subscription {spec.id!r} already exists") from exc
    return row.to_model()


def get(session: Session, subscription_id: str) -> Subscription:
    return _row(session, subscription_id).to_model()


def exists(session: Session, subscription_id: str) -> bool:
    return session.get(SubscriptionRow, subscription_id) is not None


def list_all(
    session: Session, *, states: tuple[SubscriptionState, ...] | None = None, owner: str | None = None
) -> list[Subscription]:
    """Subscriptions by id; ``states`` e.g. ``("active", "unhealthy")`` for what should run."""
    query = select(SubscriptionRow).order_by(SubscriptionRow.id)
    if states is not None:
        query = query.where(SubscriptionRow.state.in_(states))
    if owner is not None:
        query = query.where(SubscriptionRow.owner == owner)
    return [sub for row in session.scalars(query) if (sub := _loaded(row)) is not None]


def _loaded(row: SubscriptionRow) -> Subscription | None:
    """The row as a model, or ``None`` (logged) when its stored declaration no longer validates."""
    try:
        return row.to_model()
    except ValidationError as exc:
        log.error("subscription %s is unreadable, left out: %s", row.id, _problems(exc))
        return None


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, err['loc']))}: {err['msg']}"
        for err in exc.errors(include_url=False, include_input=False)
    )


def disable_unreadable(session: Session, states: tuple[SubscriptionState, ...]) -> list[str]:
    """Disable each subscription in ``states`` whose stored declaration no longer validates (a
    value an older API let through, such as a ``NaN`` retry delay), saying which field; returns
    their ids. Its sink would otherwise fail at every start; a ``PUT`` of a valid one mends it."""
    disabled = []
    for row in session.scalars(select(SubscriptionRow).where(SubscriptionRow.state.in_(states))):
        try:
            row.to_model()
        except ValidationError as exc:
            row.state, row.status_reason = (
                "disabled",
                f"stored declaration is invalid: {_problems(exc)}"[:1000],
            )
            _touch(row)
            disabled.append(row.id)
    session.flush()
    return disabled


def replace(session: Session, spec: SubscriptionBase) -> Subscription:
    """Replace the declaration (state, secrets and history stay)."""
    row = _row(session, spec.id, for_update=True)
    document = _spec_document(spec)
    if document != row.spec or spec.owner != row.owner:
        row.spec, row.owner = document, spec.owner
        _touch(row)
    session.flush()
    return row.to_model()


def set_state(
    session: Session, subscription_id: str, state: SubscriptionState, reason: str | None = None
) -> Subscription:
    """Record a state change (pause, resume, unhealthy, disabled) and why."""
    row = _row(session, subscription_id, for_update=True)
    if (row.state, row.status_reason) != (state, reason):
        row.state, row.status_reason = state, reason
        _touch(row)
    session.flush()
    return row.to_model()


def delete(session: Session, subscription_id: str) -> None:
    session.delete(_row(session, subscription_id))
    session.flush()


def signing_secrets(session: Session, subscription_id: str) -> SigningSecrets:
    """THE way to read a subscription's secrets (decrypted by the column type)."""
    row = _row(session, subscription_id)
    return SigningSecrets(row.secret_current, row.secret_previous, row.secret_previous_expires_at)


def write_secrets(
    session: Session, subscription_id: str, secrets: SigningSecrets, *, row: SubscriptionRow | None = None
) -> None:
    """THE way to store a subscription's secrets (encrypted by the column type)."""
    row = row or _row(session, subscription_id, for_update=True)
    row.secret_current = secrets.current
    row.secret_previous = secrets.previous
    row.secret_previous_expires_at = secrets.previous_expires_at
    _touch(row)


def _touch(row: SubscriptionRow) -> None:
    row.generation = (row.generation or 0) + 1
    row.updated_at = utcnow()


__all__ = [
    "SubscriptionExists",
    "SubscriptionNotFound",
    "SubscriptionRow",
    "delete",
    "disable_unreadable",
    "exists",
    "get",
    "insert",
    "list_all",
    "replace",
    "set_state",
    "signing_secrets",
    "write_secrets",
]
