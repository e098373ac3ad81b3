"""``/v1/orgs``, ``/v1/tokens``, ``/v1/grants`` and ``/v1/audit``: who may do what, and what was done.

Organisations and grants are managed by admins; every organisation reads its own record, its
own tokens and its own grants. A token's secret is in the answer of its creation or rotation
only. Revocation of tokens and grants is a POST (they are never deleted: the audit trail keeps
naming them). ``GET /v1/audit`` is for admins: newest first, paged with ``before_id``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, Field

from hub.access.grants import GrantOut, GrantSpec
from hub.access.policy import Resource, authorize
from hub.access.principals import Organisation, OrganisationSpec, Role, canonical_agency_code
from hub.access.tokens import IssuedToken, TokenInfo, TokenSpec
from hub.api.auth import PrincipalDep
from hub.api.bodies import RequestBody
from hub.api.dependencies import StoreDep
from hub.api.errors import IdMismatch
from hub.api.problems import problem_responses
from hub.services import audit
from hub.services.access import AccessService
from schemas.admin_units import default_normaliser

MAX_ID = 2**62  # beyond what any store column holds; larger numbers are refused, not overflowed
CODE_PATTERN = r"^([0-9]{3}\.[0-9]{2}\.[0-9]{2}\.)?[A-Za-z][0-9]{2}$"
AgencyCodePath = Annotated[str, Path(pattern=CODE_PATTERN, description="e.g. 000.00.00.G01")]
AgencyCodeQuery = Annotated[str | None, Query(pattern=CODE_PATTERN, description="an organisation")]
TokenId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="the token's public id")]
GrantId = Annotated[int, Path(ge=1, le=MAX_ID)]

orgs = APIRouter(prefix="/orgs", tags=["orgs"], responses=problem_responses(401, 403, 404, 409))
tokens = APIRouter(prefix="/tokens", tags=["tokens"], responses=problem_responses(401, 403, 404))
grants = APIRouter(prefix="/grants", tags=["grants"], responses=problem_responses(401, 403, 404))
audit_log = APIRouter(prefix="/audit", tags=["audit"], responses=problem_responses(401, 403))
routers = [orgs, tokens, grants, audit_log]


def _service(store: StoreDep) -> AccessService:
    return AccessService(store, default_normaliser())


def _org_or_none(code: str | None) -> str | None:
    return None if code is None else canonical_agency_code(code)


# ---- organisations ------------------------------------------------------------------------


@orgs.post("", status_code=status.HTTP_201_CREATED)
def create_org(spec: OrganisationSpec, store: StoreDep, principal: PrincipalDep) -> Organisation:
    return _service(store).create_org(principal, spec)


@orgs.get("")
def list_orgs(store: StoreDep, principal: PrincipalDep) -> list[Organisation]:
    return _service(store).list_orgs(principal)


@orgs.get("/{code}")
def get_org(code: AgencyCodePath, store: StoreDep, principal: PrincipalDep) -> Organisation:
    return _service(store).get_org(principal, canonical_agency_code(code))


@orgs.put("/{code}")
def replace_org(
    code: AgencyCodePath, spec: OrganisationSpec, store: StoreDep, principal: PrincipalDep
) -> Organisation:
    if spec.code != canonical_agency_code(code):
        raise IdMismatch(f"body code {spec.code!r} differs from the path's {code!r}")
    return _service(store).replace_org(principal, spec.code, spec)


# ---- tokens -------------------------------------------------------------------------------


class RotateTokenBody(RequestBody):
    overlap_s: float = Field(default=0, ge=0, le=7 * 86400, description="how long the old token still works")


class Caller(BaseModel):
    org: str
    roles: list[Role]
    domains: list[str]
    token_id: str | None


@tokens.post("", status_code=status.HTTP_201_CREATED)
def create_token(spec: TokenSpec, store: StoreDep, principal: PrincipalDep) -> IssuedToken:
    return _service(store).issue_token(principal, spec)


@tokens.get("")
def list_tokens(store: StoreDep, principal: PrincipalDep, org: AgencyCodeQuery = None) -> list[TokenInfo]:
    return _service(store).list_tokens(principal, _org_or_none(org))


@tokens.get("/current")
def current_caller(principal: PrincipalDep) -> Caller:
    """Who this token speaks for: organisation, effective roles, domains."""
    return Caller(
        org=principal.org,
        roles=sorted(principal.roles),
        domains=sorted(principal.domains),
        token_id=principal.token_id,
    )


@tokens.post("/{token_id}/revoke")
def revoke_token(token_id: TokenId, store: StoreDep, principal: PrincipalDep) -> TokenInfo:
    return _service(store).revoke_token(principal, token_id)


@tokens.post("/{token_id}/rotate", status_code=status.HTTP_201_CREATED)
def rotate_token(
    token_id: TokenId, body: RotateTokenBody, store: StoreDep, principal: PrincipalDep
) -> IssuedToken:
    return _service(store).rotate_token(principal, token_id, body.overlap_s)


# ---- grants -------------------------------------------------------------------------------


@grants.post("", status_code=status.HTTP_201_CREATED)
def create_grant(spec: GrantSpec, store: StoreDep, principal: PrincipalDep) -> GrantOut:
    return _service(store).create_grant(principal, spec)


@grants.get("")
def list_grants(store: StoreDep, principal: PrincipalDep, org: AgencyCodeQuery = None) -> list[GrantOut]:
    return _service(store).list_grants(principal, _org_or_none(org))


@grants.get("/{grant_id}")
def get_grant(grant_id: GrantId, store: StoreDep, principal: PrincipalDep) -> GrantOut:
    return _service(store).get_grant(principal, grant_id)


@grants.post("/{grant_id}/revoke")
def revoke_grant(grant_id: GrantId, store: StoreDep, principal: PrincipalDep) -> GrantOut:
    return _service(store).revoke_grant(principal, grant_id)


# ---- audit --------------------------------------------------------------------------------


class AuditPage(BaseModel):
    items: list[audit.AuditEntry]
    next_before_id: int | None = Field(description="pass as before_id for the next (older) page")


Text = Annotated[str | None, Query(max_length=300)]


@audit_log.get("")
def list_audit(
    store: StoreDep,
    principal: PrincipalDep,
    actor: Text = None,
    resource_kind: Text = None,
    resource_id: Text = None,
    action: Text = None,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """Changes made through the control plane (and by the delivery engine), newest first."""
    authorize(principal, "read", Resource("audit", id="*"))
    query = audit.AuditQuery(actor, resource_kind, resource_id, action, before_id, limit=limit)
    items = audit.entries(store, query)
    return AuditPage(items=items, next_before_id=items[-1].id if len(items) == limit else None)


__all__ = ["routers"]
