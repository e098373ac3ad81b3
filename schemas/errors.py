"""The one error hierarchy of the project, with stable machine-readable codes.

Every error carries a ``code`` (stable, documented, safe to match on in clients), an HTTP
``status`` used by the control-plane API when the error reaches a request, and a ``retriable``
flag that tells runtimes whether trying again can help (a login failure never will; a broker
that is restarting will)::

    HubError
    ├── InvalidInput            bad request data, rejected before anything changes (4xx)
    │   ├── NotFound
    │   │   └── UnknownUnitsVersion
    │   ├── Conflict
    │   │   ├── IncompatibleContract
    │   │   └── UnitsVersionNotNewer, UnitsVersionExists
    │   ├── ContractViolation   a payload that breaks its contract (goes to quarantine)
    │   │   └── UnknownContract an event type with no contract at all
    │   ├── UnknownAdminUnit
    │   ├── InvalidUnitsFile, UnknownUnitsParent
    │   └── UnsafeEndpoint
    ├── AccessDenied            authenticated but not allowed (403)
    │   ├── Unauthenticated     no or bad credentials (401)
    │   └── CsrfTokenInvalid    a console form without its session's CSRF token
    ├── ConfigurationError      a configuration that cannot work (unreachable DB, no privilege...)
    │   ├── KafkaSecurityInvalid, TopicLayoutInvalid
    │   └── TopicPartitionsBelowExisting
    ├── LocalServiceError       the local dev stack cannot start (missing Java, busy port...)
    │   └── LocalPortTaken      a service's recorded port is held by another process
    ├── BusError                Kafka failures, translated once in the Kafka adapters
    ├── SourceError             source database failures in connectors
    └── DeliveryError           HTTP push failures, translated once in the sender
        └── PermanentDeliveryError

Subclasses elsewhere refine ``code`` but keep to these families, so the API's single exception
handler can map any of them to an RFC 9457 problem response. A code belongs to exactly one class:
each class that names a ``code`` is registered under it when it is defined, a second class with the
same code is refused, and ``error_class(code)`` finds the class a client's code stands for. A class
that names no code of its own is a shared base and must be private (``_Name``). The full list,
with status and retriability, is the error reference (``docs/reference/errors.md``, written by
``python -m hub.error_reference``).
"""

from __future__ import annotations

from typing import Any, ClassVar

_BY_CODE: dict[str, type[HubError]] = {}


class HubError(Exception):
    """Root of every error the project raises on purpose."""

    code: ClassVar[str] = "hub_error"
    status: ClassVar[int] = 500
    retriable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    def to_problem(self) -> dict[str, Any]:
        """Render as an RFC 9457 problem document (the API's error body)."""
        body: dict[str, Any] = {
            "type": f"urn:hub:error:{self.code}",
            "title": self.message,
            "status": self.status,
            "code": self.code,
        }
        if self.details is not None:
            body["details"] = self.details
        return body


def _register(cls: type[HubError]) -> None:
    if "code" not in cls.__dict__:
        if not cls.__name__.startswith("_"):
            raise TypeError(f"{_name(cls)} must name its own code (only a private _Base may share one)")
        return
    known = _BY_CODE.get(cls.code)
    if known is not None and _name(known) != _name(cls):  # the same name again is a re-import
        raise TypeError(f"code {cls.code!r} of {_name(cls)} already belongs to {_name(known)}")
    _BY_CODE[cls.code] = cls


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def error_class(code: str) -> type[HubError]:
    """The one class whose errors carry ``code`` (among the modules imported so far)."""
    try:
        return _BY_CODE[code]
    except KeyError:
        raise LookupError(f"no error class has the code {code!r}") from None


def error_classes() -> list[type[HubError]]:
    """Every registered class, by code (import the packages first to see them all)."""
    return [_BY_CODE[code] for code in sorted(_BY_CODE)]


_BY_CODE[HubError.code] = HubError


class InvalidInput(HubError):
    """Bad request data, rejected before anything changes."""

    code = "invalid_input"
    status = 422


class NotFound(InvalidInput):
    """The named resource does not exist (or the caller may not know it does)."""

    code = "not_found"
    status = 404


class Conflict(InvalidInput):
    """The request contradicts the current state (an existing name, a stale version)."""

    code = "conflict"
    status = 409


class IncompatibleContract(Conflict):
    """A new contract version would break consumers of the earlier versions."""

    code = "incompatible_contract"


class ContractViolation(InvalidInput):
    """A payload that breaks its contract; a connector sends it to quarantine."""

    code = "contract_violation"


class UnknownAdminUnit(InvalidInput):
    """An administrative-unit code the dataset does not know."""

    code = "unknown_admin_unit"


class InvalidUnitsFile(InvalidInput):
    """An administrative-units version file that is not in the format, or contradicts itself or its parent."""

    code = "invalid_units_file"


class UnknownUnitsVersion(NotFound):
    """An administrative-units version name that is neither shipped nor loaded."""

    code = "unknown_units_version"


class UnknownUnitsParent(InvalidInput):
    """A units version file whose parent version is neither shipped nor loaded."""

    code = "unknown_units_parent"


class UnitsVersionNotNewer(Conflict):
    """A units version that does not follow the active one (its parent is not the active version,
    or its name does not sort after it); loading it would fork or rewind the boundaries."""

    code = "units_version_not_newer"


class UnitsVersionExists(Conflict):
    """A units version of that name is already loaded (with other content)."""

    code = "units_version_exists"


class UnsafeEndpoint(InvalidInput):
    """A push endpoint the hub refuses to call (not https, or a private address)."""

    code = "unsafe_endpoint"


class AccessDenied(HubError):
    """Authenticated, but not allowed to do this."""

    code = "access_denied"
    status = 403


class Unauthenticated(AccessDenied):
    """No credentials, or credentials that prove nothing."""

    code = "unauthenticated"
    status = 401


class CsrfTokenInvalid(AccessDenied):
    """A web-console form posted without the session's CSRF token (or with another one)."""

    code = "csrf_token_invalid"


class ConfigurationError(HubError):
    """A configuration that cannot work (unreachable database, missing privilege...)."""

    code = "configuration_error"
    status = 422


class LocalServiceError(HubError):
    """The local development stack cannot start (missing Java, a busy port...)."""

    code = "local_service_error"
    status = 503


class LocalPortTaken(LocalServiceError):
    """A local service's recorded port is held by another process: it refuses to move, since
    clients keep dialling the address it had."""

    code = "local_port_taken"


class BusError(HubError):
    """Kafka failed; translated once in the Kafka adapter. Retried."""

    code = "bus_error"
    status = 503
    retriable = True


class SourceError(HubError):
    """The source database failed while a connector ran. Retried unless a subclass says not."""

    code = "source_error"
    status = 503
    retriable = True


class DeliveryError(HubError):
    """An HTTP push to a subscriber failed; retried with backoff."""

    code = "delivery_failed"
    status = 502
    retriable = True


class PermanentDeliveryError(DeliveryError):
    """The subscriber refused the push for good: dead-lettered, not retried."""

    code = "delivery_rejected"
    retriable = False


class UnknownContract(ContractViolation):
    """An event type with no contract, built-in or registered (shared by connectors and the API)."""

    code = "unknown_contract"


class UnknownJobKind(InvalidInput):
    """A state job kind no record selector is registered for (``hub.routing.selection``)."""

    code = "unknown_job_kind"


class JobNotFound(NotFound):
    """No backfill (or rehome) job with that id for that subscription."""

    code = "job_not_found"


class JobRunning(Conflict):
    """The subscription already has a job that has not ended; one at a time."""

    code = "job_running"


class KafkaSecurityInvalid(ConfigurationError):
    """The Kafka security settings cannot work together (SASL without a password, a key
    without its certificate, a file that cannot be read)."""

    code = "kafka_security_invalid"


class TopicLayoutInvalid(ConfigurationError):
    """A replication factor the cluster cannot hold, or ``min.insync.replicas`` above it."""

    code = "topic_layout_invalid"


class TopicPartitionsBelowExisting(ConfigurationError):
    """A topic has more partitions than configured: Kafka cannot take partitions away."""

    code = "topic_partitions_below_existing"


__all__ = [
    "AccessDenied",
    "BusError",
    "ConfigurationError",
    "Conflict",
    "ContractViolation",
    "DeliveryError",
    "HubError",
    "IncompatibleContract",
    "InvalidInput",
    "InvalidUnitsFile",
    "JobNotFound",
    "JobRunning",
    "KafkaSecurityInvalid",
    "LocalPortTaken",
    "LocalServiceError",
    "NotFound",
    "PermanentDeliveryError",
    "SourceError",
    "TopicLayoutInvalid",
    "TopicPartitionsBelowExisting",
    "Unauthenticated",
    "UnitsVersionExists",
    "UnitsVersionNotNewer",
    "UnknownAdminUnit",
    "UnknownContract",
    "UnknownJobKind",
    "UnknownUnitsParent",
    "UnknownUnitsVersion",
    "UnsafeEndpoint",
    "error_class",
    "error_classes",
]
