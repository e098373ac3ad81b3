"""The one error hierarchy of the project, with stable machine-readable codes.

Every error carries a ``code`` (stable, documented, safe to match on in clients), an HTTP
``status`` used by the control-plane API when the error reaches a request, and a ``retriable``
flag that tells runtimes whether trying again can help (a login failure never will; a broker
that is restarting will)::

    HubError
    ├── InvalidInput            bad request data, rejected before anything changes (4xx)
    │   ├── NotFound
    │   ├── Conflict
    │   │   └── IncompatibleContract
    │   ├── ContractViolation   a payload that breaks its contract (goes to quarantine)
    │   ├── UnknownAdminUnit
    │   └── UnsafeEndpoint
    ├── AccessDenied            authenticated but not allowed (403)
    │   └── Unauthenticated     no or bad credentials (401)
    ├── ConfigurationError      a configuration that cannot work (unreachable DB, no privilege...)
    ├── LocalServiceError       the local dev stack cannot start (missing Java, busy port...)
    ├── BusError                Kafka failures, translated once in the Kafka adapters
    ├── SourceError             source database failures in connectors
    └── DeliveryError           HTTP push failures, translated once in the sender
        └── PermanentDeliveryError

Subclasses elsewhere refine ``code`` but keep to these families, so the API's single exception
handler can map any of them to an RFC 9457 problem response.
"""

from __future__ import annotations

from typing import Any, ClassVar


class HubError(Exception):
    """Root of every error the project raises on purpose."""

    code: ClassVar[str] = "hub_error"
    status: ClassVar[int] = 500
    retriable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: Any = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code  # type: ignore[misc]  # instance refinement of the class code

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


class InvalidInput(HubError):
    code = "invalid_input"
    status = 422


class NotFound(InvalidInput):
    code = "not_found"
    status = 404


class Conflict(InvalidInput):
    code = "conflict"
    status = 409


class IncompatibleContract(Conflict):
    code = "incompatible_contract"


class ContractViolation(InvalidInput):
    code = "contract_violation"


class UnknownAdminUnit(InvalidInput):
    code = "unknown_admin_unit"


class UnsafeEndpoint(InvalidInput):
    code = "unsafe_endpoint"


class AccessDenied(HubError):
    code = "access_denied"
    status = 403


class Unauthenticated(AccessDenied):
    code = "unauthenticated"
    status = 401


class ConfigurationError(HubError):
    code = "configuration_error"
    status = 422


class LocalServiceError(HubError):
    code = "local_service_error"
    status = 503


class BusError(HubError):
    code = "bus_error"
    status = 503
    retriable = True


class SourceError(HubError):
    code = "source_error"
    status = 503
    retriable = True


class DeliveryError(HubError):
    code = "delivery_failed"
    status = 502
    retriable = True


class PermanentDeliveryError(DeliveryError):
    code = "delivery_rejected"
    retriable = False


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
    "LocalServiceError",
    "NotFound",
    "PermanentDeliveryError",
    "SourceError",
    "Unauthenticated",
    "UnknownAdminUnit",
    "UnsafeEndpoint",
]
