"""Where a connector may connect, and when a stored password may follow it there.

A connector's DSN is chosen by its publisher, so the hub would otherwise connect (and send a
password) wherever a publisher points it: a port scanner, or a way to read the stored password
back. Two guarantees:

- with ``HUB_CONNECTOR_HOST_ALLOWLIST`` set, every host a connector names (DSN hosts, host
  addresses, socket paths, services) must be on it: an exact name or an IP literal inside a
  listed network. Names are not resolved, so a name must be listed as itself. Unset, any host
  is accepted (development);
- a replaced config keeps the stored password (sent back masked) only while it connects to the
  same place as the same user: a change of any connection parameter must carry the password
  again, else 422 ``password_required``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors import registry
from connectors.config import ConnectorConfigBase, keep_masked_secrets
from hub.endpoint_safety import EndpointPolicy
from schemas.errors import HubError, InvalidInput

CREDENTIAL = "password"  # every kind keeps the secret it logs in with in this field


class ConnectorHostNotAllowed(InvalidInput):
    """A connector names a database host that is not on ``HUB_CONNECTOR_HOST_ALLOWLIST``."""

    code = "connector_host_not_allowed"


class PasswordRequired(InvalidInput):
    """A replaced connector changes where or as whom it connects but sends the stored password
    back masked: the password must be sent again."""

    code = "password_required"


@dataclass(frozen=True)
class ConnectorHostPolicy:
    """The allow-list of connector hosts; ``None`` accepts every host."""

    allowed: EndpointPolicy | None = None

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> ConnectorHostPolicy:
        listed = [entry for entry in entries if entry.strip()]
        return cls(EndpointPolicy.from_entries(listed) if listed else None)

    def check(self, config: ConnectorConfigBase) -> None:
        if self.allowed is None:
            return
        refused = [host for host in config.connection_hosts() if not self.allowed.allows_host(host)]
        if refused:
            raise ConnectorHostNotAllowed(
                f"connector {config.name!r} names host(s) not on HUB_CONNECTOR_HOST_ALLOWLIST: "
                f"{', '.join(refused)}",
                details={"hosts": refused},
            )


def with_kept_secrets(sent: Mapping[str, Any], stored: Mapping[str, Any]) -> dict[str, Any]:
    """``sent`` with its masked secrets filled from ``stored``; ``password_required`` when the
    stored password would be kept for another server, port, database or user."""
    merged = keep_masked_secrets(sent, stored)
    if CREDENTIAL not in sent or merged.get(CREDENTIAL) == sent.get(CREDENTIAL):
        return merged  # the caller sent its own password (or none): nothing stored leaves
    after = _target(merged)
    if after is None:
        return merged  # refused by the parse that follows, before any connection
    before = _target(stored)
    known = before or {}
    changed = sorted(name for name in known.keys() | after.keys() if known.get(name) != after.get(name))
    if changed or before is None:
        raise PasswordRequired(
            f"the connection changes ({', '.join(changed) or 'its kind'}): send the password again "
            "instead of its mask; the stored one only stays with the same server, database and user",
            details={"changed": changed},
        )
    return merged


def _target(document: Mapping[str, Any]) -> dict[str, str] | None:
    try:
        return registry.parse_config(dict(document)).connection_target()
    except HubError:  # an unparsable document connects nowhere
        return None


__all__ = ["ConnectorHostNotAllowed", "ConnectorHostPolicy", "PasswordRequired", "with_kept_secrets"]
