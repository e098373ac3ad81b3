"""How the hub proves itself to Kafka and Kafka to the hub: TLS, SASL/SCRAM, mutual TLS.

``KafkaSecurity`` is a value object checked when it is made (``kafka_security_invalid`` names
what is missing) and turned into aiokafka's keyword arguments in one place, ``client_options``,
which every producer, consumer and admin client of the adapter uses (through ``bus.profile``):

- ``PLAINTEXT``: nothing (the local dev stack);
- ``SSL``: TLS, the broker checked against ``ca_file`` (else the system's trust store), and with
  ``cert_file``/``key_file`` the hub proves itself by certificate (mTLS, Strimzi ``type: tls``);
- ``SASL_SSL``: TLS as above, plus a SASL login (``SCRAM-SHA-512`` by default, Strimzi
  ``type: scram-sha-512``);
- ``SASL_PLAINTEXT``: the SASL login without TLS (a private network only).

Files are read when the options are built, so an unreadable CA or key fails at the first client
with the path in the message, not deep inside a TLS handshake.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

from aiokafka.helpers import create_ssl_context

from schemas.errors import KafkaSecurityInvalid

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"]
PROTOCOLS: tuple[str, ...] = get_args(SecurityProtocol)
MECHANISMS: tuple[str, ...] = get_args(SaslMechanism)


@dataclass(frozen=True)
class KafkaSecurity:
    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    key_password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        problems = self._problems()
        if problems:
            raise KafkaSecurityInvalid(f"Kafka security settings: {'; '.join(problems)}")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def _problems(self) -> list[str]:
        problems = []
        if self.protocol not in PROTOCOLS:
            problems.append(f"protocol {self.protocol!r} is not one of {', '.join(PROTOCOLS)}")
        if self.sasl_mechanism not in MECHANISMS:
            problems.append(f"SASL mechanism {self.sasl_mechanism!r} is not one of {', '.join(MECHANISMS)}")
        if self.uses_sasl and not (self.username and self.password):
            problems.append(f"{self.protocol} needs a username and a password")
        if (self.cert_file is None) != (self.key_file is None):
            problems.append("a client certificate needs its key, and a key its certificate")
        tls_files = [self.ca_file, self.cert_file, self.key_file]
        if not self.uses_tls and any(path is not None for path in tls_files):
            problems.append(f"CA, certificate and key files need SSL or SASL_SSL, not {self.protocol}")
        return problems

    def client_options(self) -> dict[str, Any]:
        """aiokafka's keyword arguments for this security (the same for every kind of client)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.username
            options["sasl_plain_password"] = self.password
        return options

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying TLS context: the broker's certificate and host name are always checked."""
        try:
            context: ssl.SSLContext = create_ssl_context(
                cafile=_readable(self.ca_file),
                certfile=_readable(self.cert_file),
                keyfile=_readable(self.key_file),
                password=self.key_password,
            )
        except (ssl.SSLError, OSError) as exc:
            raise KafkaSecurityInvalid(f"Kafka TLS files cannot be used: {exc}") from exc
        return context


def _readable(path: Path | None) -> str | None:
    if path is None:
        return None
    if not path.is_file():
        raise KafkaSecurityInvalid(f"Kafka TLS file {path} does not exist or is not a file")
    return str(path)


PLAINTEXT = KafkaSecurity()

__all__ = ["MECHANISMS", "PLAINTEXT", "PROTOCOLS", "KafkaSecurity", "SaslMechanism", "SecurityProtocol"]
