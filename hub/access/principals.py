"""Who may call the hub: organisations, named by their official agency identifier codes.

Vietnam gives every state agency that connects and shares data an electronic identifier
(mã định danh điện tử, Decision 20/2020/QĐ-TTg as amended by Decision 09/2025/QĐ-TTg, built on
QCVN 102:2016/BTTTT). The code has 13 characters in four dot-separated groups, the most
specific first::

    000.00.00.G01     level 4 . level 3 . level 2 . level 1
    ^^^ ^^ ^^ ^^^
    |   |  |  +-- level 1: a letter and two digits: G.. ministries and government bodies
    |   |  |      (G01 Ministry of Public Security, G22 Government Office...), H.. provincial
    |   |  |      People's Committees (H49 Quảng Ninh), K.. provincial People's Councils...
    |   |  +----- level 2 unit within level 1 (00 = the level-1 agency itself)
    |   +-------- level 3 unit within level 2
    +------------ level 4 unit within level 3

So ``000.00.00.H49`` is the People's Committee of Quảng Ninh and ``000.00.12.H49`` one of its
departments. A bare level-1 code (``G01``) is accepted as input and stored in full form.
An organisation's ``kind`` must agree with its level-1 letter where the decision fixes it
(ministries G, provinces H); the national portal and operators carry any valid code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from schemas.errors import InvalidInput

AGENCY_CODE = re.compile(r"^(?P<lower>[0-9]{3}\.[0-9]{2}\.[0-9]{2})\.(?P<level1>(?P<group>[A-Z])[0-9]{2})$")
LEVEL1_ONLY = re.compile(r"^[A-Z][0-9]{2}$")
DOMAIN_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"  # the <domain> part of vn.gov.<domain>.<entity>.vN

OrgKind = Literal["ministry", "province", "portal", "operator", "other"]
Role = Literal["admin", "publisher", "subscriber", "operator", "replay"]
"""``replay`` is an add-on for operators: may also request replays and redeliveries."""

ROLES: tuple[Role, ...] = ("admin", "publisher", "subscriber", "operator", "replay")
KIND_GROUP: dict[OrgKind, str] = {"ministry": "G", "province": "H"}


class InvalidAgencyCode(InvalidInput):
    code = "invalid_agency_code"


def canonical_agency_code(text: str) -> str:
    """The full 13-character form of an agency code, or ``InvalidAgencyCode`` saying why not."""
    value = text.strip().upper()
    if LEVEL1_ONLY.match(value):
        value = f"000.00.00.{value}"
    if not AGENCY_CODE.match(value):
        raise InvalidAgencyCode(
            f"agency code {text!r} must look like 000.00.00.G01 (three digit groups and a "
            "level-1 code: a letter and two digits), or be a bare level-1 code such as G01"
        )
    return value


def level1_group(code: str) -> str:
    """The level-1 letter of a canonical code: G ministries, H provinces..."""
    match = AGENCY_CODE.match(code)
    assert match is not None, "callers pass canonical codes"
    return match["group"]


def _checked_code(value: str) -> str:
    try:
        return canonical_agency_code(value)
    except InvalidAgencyCode as exc:
        raise ValueError(exc.message) from exc


AgencyCode = Annotated[str, Field(min_length=3, max_length=13), AfterValidator(_checked_code)]
Domain = Annotated[str, Field(pattern=DOMAIN_PATTERN, max_length=60)]


class OrganisationSpec(BaseModel):
    """What an admin declares about an organisation (API body, CLI options)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_max_length=10_000)

    code: AgencyCode = Field(description="agency identifier code, e.g. 000.00.00.G01 (or G01)")
    name: str = Field(min_length=1, max_length=300)
    kind: OrgKind
    roles: list[Role] = Field(default_factory=list, max_length=len(ROLES))
    domains: list[Domain] = Field(
        default_factory=list, max_length=100, description="event-type domains it publishes"
    )

    @model_validator(mode="after")
    def _kind_fits_code(self) -> OrganisationSpec:
        expected = KIND_GROUP.get(self.kind)
        if expected and level1_group(self.code) != expected:
            raise ValueError(f"a {self.kind}'s level-1 code starts with {expected}, got {self.code}")
        if self.domains and "publisher" not in self.roles and "admin" not in self.roles:
            raise ValueError("only a publisher has domains")
        return self


class Organisation(OrganisationSpec):
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: an organisation acting through one token (or the system)."""

    org: str
    roles: frozenset[Role]
    domains: frozenset[str] = frozenset()
    token_id: str | None = None

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    @property
    def label(self) -> str:
        """How the audit log names the caller."""
        return self.org if self.token_id is None else f"{self.org} (token {self.token_id})"


SYSTEM_DELIVERY = Principal(org="system:delivery", roles=frozenset())
"""The delivery engine, when it pauses or resumes a subscription for grant reasons."""


__all__ = [
    "ROLES",
    "SYSTEM_DELIVERY",
    "AgencyCode",
    "InvalidAgencyCode",
    "OrgKind",
    "Organisation",
    "OrganisationSpec",
    "Principal",
    "Role",
    "canonical_agency_code",
    "level1_group",
]
