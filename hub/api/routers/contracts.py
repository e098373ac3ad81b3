"""``/v1/contracts``: the contract registry over HTTP (in the manner of a schema registry).

Subjects are event types; versions are contract documents (``docs/guide/contracts.md``).
``POST /v1/contracts`` registers a document under its own ``x-event-type`` (a new feed is one
request); ``POST /v1/contracts/{subject}/versions`` does the same under a named subject.
Registration answers 201 with the new version (its ``$id`` set to its number), or 200 with the
existing one when the same document is already live; 409 ``incompatible_contract`` lists every
incompatibility under the subject's mode, 409 ``contract_version_mismatch`` when the ``$id``
names another version; 422 ``invalid_schema`` when the document is not a JSON Schema,
``invalid_contract`` (each problem with its code in ``details``) when it lacks the hub's
metadata, ``subject_mismatch`` when it is another event type's contract. Every rejection
happens before the transaction commits, so it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Path, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hub.access.policy import authorize
from hub.api.auth import PrincipalDep
from hub.api.bodies import RequestBody, json_depth
from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.problems import problem_responses
from hub.services import audit
from hub.services.contracts import (
    SUBJECT_PATTERN,
    ContractRegistry,
    ContractVersion,
    contract_registry,
    incompatibility_details,
)
from hub.services.resources import contract_resource
from hub.settings import Settings
from hub.store.base import Store
from schemas.contracts.compatibility import Mode
from schemas.contracts.document import parse_contract
from schemas.errors import InvalidInput

router = APIRouter(prefix="/contracts", tags=["contracts"], responses=problem_responses(404))

Subject = Annotated[
    str, Path(pattern=SUBJECT_PATTERN, max_length=200, description="e.g. vn.gov.civil-status.birth.v1")
]
VersionRef = Annotated[str, Path(description="a version number (1, 2, ...) or `latest`")]


MAX_SCHEMA_DEPTH = 64  # JSON nesting levels; real contracts use a handful


class SchemaBody(RequestBody):
    schema_: dict[str, Any] = Field(alias="schema", description="a JSON Schema document")

    @field_validator("schema_")
    @classmethod
    def _shallow_enough(cls, value: dict[str, Any]) -> dict[str, Any]:
        """Refuse deep nesting here: the schema checks recurse, and must not hit the stack limit."""
        if json_depth(value) > MAX_SCHEMA_DEPTH:
            raise ValueError(f"nested deeper than {MAX_SCHEMA_DEPTH} levels")
        return value


class ConfigBody(RequestBody):
    compatibility: Mode


class Config(BaseModel):
    compatibility: Mode


class SubjectOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    subject: str
    latest_version: int
    version_count: int
    compatibility: Mode


class VersionSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    fingerprint: str
    created_at: datetime


class VersionOut(VersionSummary):
    subject: str
    schema_: dict[str, Any] = Field(serialization_alias="schema")


T = TypeVar("T")


class Items(BaseModel, Generic[T]):
    items: list[T]


class IncompatibilityOut(BaseModel):
    path: str
    rule: str
    message: str
    version: int | None


class CheckResult(BaseModel):
    compatible: bool
    compatibility: Mode
    incompatibilities: list[IncompatibilityOut]


class Deleted(BaseModel):
    subject: str
    deleted_versions: list[int]


REGISTER_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": VersionOut, "description": "Already live: the existing version"},
    **problem_responses(409),
}


@contextmanager
def _registry(store: Store, settings: Settings) -> Iterator[ContractRegistry]:
    with contract_registry(store, Mode(settings.contract_compatibility)) as registry:
        yield registry


def _out(item: ContractVersion) -> VersionOut:
    return VersionOut(
        subject=item.subject,
        version=item.version,
        fingerprint=item.fingerprint,
        created_at=item.created_at,
        schema_=item.document,
    )


def _version_number(ref: str) -> int | None:
    if ref == "latest":
        return None
    if ref.isascii() and ref.isdigit() and int(ref) >= 1:
        return int(ref)
    raise InvalidInput(
        "version must be a positive integer or 'latest'",
        details=[{"field": "path.version", "message": f"got {ref!r}", "type": "version"}],
    )


@router.get("")
def list_subjects(store: StoreDep, settings: SettingsDep) -> Items[SubjectOut]:
    with _registry(store, settings) as registry:
        found = registry.subjects()
    return Items(items=[SubjectOut.model_validate(summary) for summary in found])


@router.post("", status_code=status.HTTP_201_CREATED, responses=REGISTER_RESPONSES)
def register_document(
    body: SchemaBody, response: Response, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> VersionOut:
    """Register a contract document under its own event type (``x-event-type``): a new feed, or
    the next version of one (200 if it is already live)."""
    subject = parse_contract(body.schema_).event_type
    return register(subject, body, response, store, settings, principal)


@router.post(
    "/{subject}/versions",
    status_code=status.HTTP_201_CREATED,
    responses=REGISTER_RESPONSES,
)
def register(
    subject: Subject,
    body: SchemaBody,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    principal: PrincipalDep,
) -> VersionOut:
    """Register a contract document as the subject's next version (200 if it is already live)."""
    authorize(principal, "write", contract_resource(subject))
    with _registry(store, settings) as registry:
        registration = registry.register(subject, body.schema_)
        if registration.created:
            audit.record(registry.session, principal, "contract.register", "contract", subject,
                         after=VersionSummary.model_validate(registration.version))  # fmt: skip
    if not registration.created:
        response.status_code = status.HTTP_200_OK
    return _out(registration.version)


@router.get("/{subject}/versions")
def list_versions(subject: Subject, store: StoreDep, settings: SettingsDep) -> Items[VersionSummary]:
    with _registry(store, settings) as registry:
        found = registry.versions(subject)
    return Items(items=[VersionSummary.model_validate(item) for item in found])


@router.get("/{subject}/versions/{version}")
def get_version(subject: Subject, version: VersionRef, store: StoreDep, settings: SettingsDep) -> VersionOut:
    number = _version_number(version)
    with _registry(store, settings) as registry:
        return _out(registry.version(subject, number))


@router.post("/{subject}/compatibility")
def check_compatibility(
    subject: Subject, body: SchemaBody, store: StoreDep, settings: SettingsDep
) -> CheckResult:
    """Dry run of a registration: what it would break, without storing anything."""
    with _registry(store, settings) as registry:
        found = registry.check(subject, body.schema_)
        mode = registry.mode(subject)
    return CheckResult(
        compatible=not found,
        compatibility=mode,
        incompatibilities=[IncompatibilityOut(**item) for item in incompatibility_details(found)],
    )


@router.get("/{subject}/config")
def get_config(subject: Subject, store: StoreDep, settings: SettingsDep) -> Config:
    """The subject's effective mode (the process default when it has none of its own)."""
    with _registry(store, settings) as registry:
        return Config(compatibility=registry.mode(subject))


@router.put("/{subject}/config")
def set_config(
    subject: Subject, body: ConfigBody, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Config:
    authorize(principal, "write", contract_resource(subject))
    with _registry(store, settings) as registry:
        before = Config(compatibility=registry.mode(subject))
        after = Config(compatibility=registry.set_mode(subject, body.compatibility))
        audit.record(registry.session, principal, "contract.set_config", "contract", subject,
                     before=before, after=after)  # fmt: skip
        return after


@router.delete("/{subject}")
def delete_subject(
    subject: Subject, store: StoreDep, settings: SettingsDep, principal: PrincipalDep
) -> Deleted:
    """Soft delete: the versions stop being served and checked against; numbers are not reused."""
    authorize(principal, "write", contract_resource(subject))
    with _registry(store, settings) as registry:
        deleted = Deleted(subject=subject, deleted_versions=registry.delete(subject))
        audit.record(registry.session, principal, "contract.delete", "contract", subject, after=deleted)
        return deleted
