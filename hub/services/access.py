"""Managing organisations, tokens and grants, and turning a bearer token into a principal.

Every change checks the caller with ``policy.authorize`` once the resource is known, then
changes the store and appends its audit entry in the same transaction. ``bootstrap`` is the
one way in on a fresh install: it creates the operating organisation with the admin role and
its first token, and refuses once any admin organisation exists.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hub.access import tokens
from hub.access.errors import InvalidToken
from hub.access.grants import NATIONWIDE, Grant, GrantOut, GrantSpec
from hub.access.policy import Resource, allows, authorize
from hub.access.principals import Organisation, OrganisationSpec, Principal, Role
from hub.services import audit
from hub.services.subscriptions import check_admin_units
from hub.store import access as rows
from hub.store.base import Store, utcnow
from schemas.admin_units import AdminUnitResolver
from schemas.errors import Conflict, InvalidInput

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most this often per token
BOOTSTRAP_TOKEN_NAME = "bootstrap admin"  # noqa: S105  # a label, not a secret


class AlreadyBootstrapped(Conflict):
    code = "already_bootstrapped"


class TokenRolesExceedOrganisation(InvalidInput):
    code = "token_roles_exceed_organisation"


class GrantAlreadyExpired(InvalidInput):
    """A grant whose expiry is not in the future would never allow anything."""

    code = "grant_already_expired"


def _org_out(row: rows.OrganisationRow) -> Organisation:
    return Organisation.model_validate(row, from_attributes=True)


def _token_out(row: rows.TokenRow, now: datetime) -> tokens.TokenInfo:
    fields: dict[str, Any] = {c.key: getattr(row, c.key) for c in rows.TokenRow.__table__.columns}
    return tokens.TokenInfo.model_validate(
        {**fields, "state": tokens.state(row.expires_at, row.revoked_at, now)}
    )


class AccessService:
    def __init__(self, store: Store, units: AdminUnitResolver | None = None) -> None:
        self.store = store
        self.units = units

    # ---- authentication ----------------------------------------------------------------

    def authenticate(self, bearer: str, now: datetime | None = None) -> Principal:
        """The principal a presented token stands for, or an ``Unauthenticated`` refinement."""
        presented = tokens.parse(bearer)
        now = now or utcnow()
        with self.store.session() as session:
            row = rows.find_token(session, presented.id)
            if row is None or not tokens.secret_matches(presented.secret, row.secret_sha256):
                raise InvalidToken("the bearer token is not valid")
            tokens.check_usable(row.expires_at, row.revoked_at, now)
            org = rows.org(session, row.org_code)
            if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
                row.last_used_at = now
            roles = frozenset(org.roles) & frozenset(row.roles if row.roles is not None else org.roles)
            return Principal(org.code, roles, frozenset(org.domains), row.id)  # type: ignore[arg-type]

    # ---- organisations -----------------------------------------------------------------

    def create_org(self, principal: Principal, spec: OrganisationSpec) -> Organisation:
        authorize(principal, "write", Resource("organisation", id=spec.code))
        with self.store.session() as session:
            now = utcnow()
            row = rows.add_org(
                session, rows.OrganisationRow(**spec.model_dump(), created_at=now, updated_at=now)
            )
            created = _org_out(row)
            audit.record(session, principal, "organisation.create", "organisation", spec.code, after=created)
            return created

    def replace_org(self, principal: Principal, code: str, spec: OrganisationSpec) -> Organisation:
        authorize(principal, "write", Resource("organisation", id=code))
        with self.store.session() as session:
            row = rows.org(session, code)
            before = _org_out(row)
            row.name, row.kind, row.roles, row.domains = (
                spec.name,
                spec.kind,
                list(spec.roles),
                list(spec.domains),
            )
            row.updated_at = utcnow()
            after = _org_out(row)
            audit.record(
                session, principal, "organisation.update", "organisation", code, before=before, after=after
            )
            return after

    def get_org(self, principal: Principal, code: str) -> Organisation:
        authorize(principal, "read", Resource("organisation", id=code, owner=code))
        with self.store.session() as session:
            return _org_out(rows.org(session, code))

    def list_orgs(self, principal: Principal) -> list[Organisation]:
        with self.store.session() as session:
            found = [_org_out(row) for row in rows.orgs(session)]
        return [
            o for o in found if allows(principal, "read", Resource("organisation", id=o.code, owner=o.code))
        ]

    # ---- tokens ------------------------------------------------------------------------

    def issue_token(self, principal: Principal, spec: tokens.TokenSpec) -> tokens.IssuedToken:
        authorize(principal, "write", Resource("token", owner=spec.org))
        with self.store.session() as session:
            org = rows.org(session, spec.org)
            _check_token_roles(spec.roles, org.roles)
            issued = self._issue(session, principal, spec.org, spec.name, spec.ttl_days, spec.roles)
            audit.record(session, principal, "token.create", "token", issued.token.id, after=issued.token)
            return issued

    def _issue(
        self, session: Session, principal: Principal, org: str, name: str, ttl_days: float,
        roles: Sequence[str] | None,
    ) -> tokens.IssuedToken:  # fmt: skip
        new = tokens.new_token()
        now = utcnow()
        row = rows.add(
            session,
            rows.TokenRow(
                id=new.id, org_code=org, name=name, secret_sha256=new.digest,
                roles=list(roles) if roles is not None else None, created_at=now,
                created_by=principal.org, expires_at=now + timedelta(days=ttl_days),
            ),
        )  # fmt: skip
        return tokens.IssuedToken(token=_token_out(row, now), secret=new.text)

    def list_tokens(self, principal: Principal, org: str | None = None) -> list[tokens.TokenInfo]:
        if org is not None:
            authorize(principal, "read", Resource("token", owner=org))
        now = utcnow()
        with self.store.session() as session:
            found = [_token_out(row, now) for row in rows.tokens(session, org)]
        return [t for t in found if allows(principal, "read", Resource("token", id=t.id, owner=t.org))]

    def revoke_token(self, principal: Principal, token_id: str) -> tokens.TokenInfo:
        with self.store.session() as session:
            row = rows.token(session, token_id, for_update=True)
            authorize(principal, "write", Resource("token", id=token_id, owner=row.org_code))
            now = utcnow()
            before = _token_out(row, now)
            if row.revoked_at is None or row.revoked_at > now:
                row.revoked_at, row.revoked_by = now, principal.org
            after = _token_out(row, now)
            audit.record(session, principal, "token.revoke", "token", token_id, before=before, after=after)
            return after

    def rotate_token(self, principal: Principal, token_id: str, overlap_s: float = 0) -> tokens.IssuedToken:
        """A new token like the old (org, name, roles, lifetime); the old ends after ``overlap_s``."""
        with self.store.session() as session:
            old = rows.token(session, token_id, for_update=True)
            authorize(principal, "write", Resource("token", id=token_id, owner=old.org_code))
            now = utcnow()
            tokens.check_usable(old.expires_at, old.revoked_at, now)
            before = _token_out(old, now)
            ttl_days = (old.expires_at - old.created_at).total_seconds() / 86400
            issued = self._issue(session, principal, old.org_code, old.name, ttl_days, old.roles)
            old.replaced_by = issued.token.id
            old.revoked_at, old.revoked_by = now + timedelta(seconds=overlap_s), principal.org
            audit.record(session, principal, "token.rotate", "token", token_id, before=before,
                         after={"replaced": _token_out(old, now), "new": issued.token})  # fmt: skip
            return issued

    # ---- grants ------------------------------------------------------------------------

    def create_grant(self, principal: Principal, spec: GrantSpec) -> GrantOut:
        authorize(principal, "write", Resource("grant", owner=spec.org))
        if spec.admin_unit != NATIONWIDE:
            check_admin_units([spec.admin_unit], self.units)
        now = utcnow()
        if spec.expires_at <= now:
            raise GrantAlreadyExpired("a grant must expire in the future")
        with self.store.session() as session:
            rows.org(session, spec.org)
            row = rows.add(
                session, rows.GrantRow(**spec.model_dump(exclude={"org"}), org_code=spec.org,
                                       created_at=now, created_by=principal.org),
            )  # fmt: skip
            created = GrantOut.of(Grant.model_validate(row), now)
            audit.record(
                session, principal, "grant.create", "grant", str(row.id), after=created, purpose=spec.purpose
            )
            return created

    def list_grants(self, principal: Principal, org: str | None = None) -> list[GrantOut]:
        if org is not None:
            authorize(principal, "read", Resource("grant", owner=org))
        now = utcnow()
        with self.store.session() as session:
            found = [GrantOut.of(Grant.model_validate(row), now) for row in rows.grants(session, org)]
        return [g for g in found if allows(principal, "read", Resource("grant", id=str(g.id), owner=g.org))]

    def get_grant(self, principal: Principal, grant_id: int) -> GrantOut:
        with self.store.session() as session:
            grant = Grant.model_validate(rows.grant(session, grant_id))
        authorize(principal, "read", Resource("grant", id=str(grant_id), owner=grant.org))
        return GrantOut.of(grant, utcnow())

    def revoke_grant(self, principal: Principal, grant_id: int) -> GrantOut:
        with self.store.session() as session:
            row = rows.grant(session, grant_id, for_update=True)
            authorize(principal, "write", Resource("grant", id=str(grant_id), owner=row.org_code))
            now = utcnow()
            before = GrantOut.of(Grant.model_validate(row), now)
            if row.revoked_at is None:
                row.revoked_at, row.revoked_by = now, principal.org
            after = GrantOut.of(Grant.model_validate(row), now)
            audit.record(session, principal, "grant.revoke", "grant", str(grant_id), before=before,
                         after=after, purpose=row.purpose)  # fmt: skip
            return after

    # ---- fresh install -----------------------------------------------------------------

    def bootstrap(
        self, spec: OrganisationSpec, ttl_days: int = tokens.DEFAULT_TTL_DAYS
    ) -> tokens.IssuedToken:
        """The first admin organisation and its token; ``already_bootstrapped`` afterwards."""
        if "admin" not in spec.roles:
            spec = spec.model_copy(update={"roles": ["admin", *spec.roles]})
        system = Principal(org="system:bootstrap", roles=frozenset({"admin"}))
        with self.store.session() as session:
            if rows.count_admin_orgs(session):
                raise AlreadyBootstrapped("an admin organisation exists; ask its admins for a token")
            now = utcnow()
            rows.add_org(session, rows.OrganisationRow(**spec.model_dump(), created_at=now, updated_at=now))
            issued = self._issue(session, system, spec.code, BOOTSTRAP_TOKEN_NAME, ttl_days, None)
            audit.record(session, system, "organisation.create", "organisation", spec.code, after=spec)
            audit.record(session, system, "token.create", "token", issued.token.id, after=issued.token)
            return issued


def _check_token_roles(wanted: Sequence[Role] | None, held: Sequence[str]) -> None:
    extra = sorted(set(wanted or ()) - set(held))
    if extra:
        raise TokenRolesExceedOrganisation(
            f"the organisation does not hold role(s) {', '.join(extra)}", details={"roles": extra}
        )


__all__ = ["AccessService", "AlreadyBootstrapped", "TokenRolesExceedOrganisation"]
