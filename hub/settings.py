"""Process settings, read from the environment (prefix ``HUB_``) and an optional ``.env`` file.

Every address the code uses comes from here, so the same code and tests run against the local
dev stack or against external servers: when ``HUB_KAFKA_BOOTSTRAP`` or ``HUB_POSTGRES_DSN`` is
set, the local stack does not start that service.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bus import fetch_limits, profile
from bus.ports import FEED_PARTITIONS
from bus.security import KafkaSecurity, SaslMechanism, SecurityProtocol
from bus.topic_layout import TopicLayout
from schemas.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parent.parent
DELIVERY_FETCH_BUDGET_BYTES = 64 * fetch_limits.MIB
DELIVERY_PENDING_BUDGET = 5_000


def split_list(value: Any) -> Any:
    """A list setting from ``a,b`` or from JSON ``["a", "b"]``; anything else is left to pydantic."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        return json.loads(text)
    return [item.strip() for item in text.split(",") if item.strip()]


# Every list setting is declared with this type: pydantic-settings would otherwise insist on JSON,
# so the plain form the README shows (``127.0.0.1,localhost``) would stop every command.
StringList = Annotated[list[str], NoDecode, BeforeValidator(split_list)]


class InvalidSetting(ConfigurationError):
    """A ``HUB_*`` variable (or ``.env`` line) holds a value its setting cannot take."""

    code = "invalid_setting"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", env_file=".env", extra="ignore")

    kafka_bootstrap: str | None = Field(
        default=None,
        description="Kafka bootstrap servers; unset = `make dev` and the dev stack use the local broker.",
    )
    postgres_dsn: str | None = Field(
        default=None,
        description="PostgreSQL DSN (superuser or replication-capable) for sources and tests; "
        "unset = use the local dev cluster.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the control-plane store; unset = SQLite file in state_dir.",
    )
    state_dir: Path = Field(
        default=REPO_ROOT / ".local",
        description="Where the local stack keeps data dirs, logs, pid files and the SQLite store.",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "gov-data-hub",
        description="Cache outside the clone for the Kafka jars (Maven's ~/.m2 holds the downloads).",
    )
    kafka_version: str = Field(default="4.1.1", description="Apache Kafka version of the dev broker.")
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP endpoint for traces; unset = nothing exported."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key(s) encrypting secrets at rest, comma-separated, the first encrypting; "
        "unset = dev key in state_dir.",
    )
    api_token: SecretStr | None = Field(
        default=None, description="Bearer token the CLI sends to the API (hub_...)."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a Prometheus scraper sends to the API's /metrics; operators' and "
        "admins' API tokens work too, and nothing else does.",
    )
    auth_enabled: bool = Field(
        default=True,
        description="Require tokens on /v1 and grants at delivery; false only in tests of other areas.",
    )
    api_url: str = Field(
        default="http://127.0.0.1:8600", description="Where the CLI reaches the control-plane API."
    )
    api_host: str = Field(default="127.0.0.1", description="Interface `hub api` listens on.")
    api_port: int = Field(default=8600, ge=1, le=65535, description="Port `hub api` listens on.")
    api_max_body_bytes: int = Field(
        default=1_048_576, ge=1, description="Largest request body the API reads; larger gets 413."
    )
    api_body_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Longest time the API waits for a whole request body; slower gets 408.",
    )
    contract_compatibility: Literal[
        "NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"
    ] = Field(
        default="BACKWARD",
        description="Compatibility mode of contract subjects that have none of their own.",
    )

    endpoint_allowlist: StringList = Field(
        default_factory=list,
        description="Webhook hosts, IPs or CIDR networks allowed plain http and private addresses "
        'for development, comma-separated (localhost,127.0.0.0/8) or as JSON: ["localhost", '
        '"127.0.0.0/8"]. Metadata addresses never are.',
    )
    attempt_redacted_headers: StringList = Field(
        default_factory=list,
        description="Request headers the attempt log records as [redacted], comma-separated, beyond "
        "those always hidden (Authorization, Proxy-Authorization, Cookie, X-Api-Key and any name "
        "with secret, token, passw, api-key, credential, session or auth in it).",
    )
    state_keeper_group: str = Field(
        default="hub.state-keeper",
        min_length=1,
        max_length=200,
        description="Consumer group of the state keeper in `hub run` (copies feeds to `<topic>.state`).",
    )
    backfill_rate_per_s: float = Field(
        default=1000.0,
        gt=0,
        description="Events per second a subscription's backfill lane pushes at most (live has its own).",
    )
    delivery_fetch_budget_bytes: int = Field(
        default=DELIVERY_FETCH_BUDGET_BYTES,
        ge=fetch_limits.PARTITION_MIN_BYTES,
        description="Bytes all the sinks of one `hub run` may hold fetched from Kafka and not yet read, "
        "together: each sink's consumer gets an equal share, spread over the partitions it holds "
        f"(never under {fetch_limits.PARTITION_MIN_BYTES // 1024} KiB a partition), and stops fetching "
        "at it; one record batch is always allowed (Kafka returns whole batches).",
    )
    delivery_pending_budget: int = Field(
        default=DELIVERY_PENDING_BUDGET,
        ge=1,
        description="Events all the sinks of one `hub run` may hold read and not yet resolved, together: "
        "each sink gets an equal share, at least enough to fill its requests in flight, at most "
        "5000.",
    )

    connector_host_allowlist: StringList = Field(
        default_factory=list,
        description="Database hosts connectors may connect to: exact names, IPs or CIDR networks, "
        "comma-separated (db1.land.gov.vn,10.20.0.0/16) or as JSON; names are matched as written, "
        "never resolved. Unset = any host (development only: publishers could probe the hub's network).",
    )

    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT",
        description="How the hub talks to Kafka: PLAINTEXT (local), SSL (TLS; mTLS with a client "
        "certificate), SASL_SSL (TLS and a SASL login) or SASL_PLAINTEXT (a login, no TLS).",
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", description="SASL mechanism with SASL_SSL / SASL_PLAINTEXT."
    )
    kafka_sasl_username: str | None = Field(default=None, description="SASL user (the KafkaUser's name).")
    kafka_sasl_password: SecretStr | None = Field(default=None, description="SASL password.")
    kafka_ssl_ca_file: Path | None = Field(
        default=None,
        description="PEM CA bundle the broker's certificate is checked against; unset = system CAs.",
    )
    kafka_ssl_cert_file: Path | None = Field(
        default=None, description="PEM client certificate for mutual TLS (with kafka_ssl_key_file)."
    )
    kafka_ssl_key_file: Path | None = Field(
        default=None, description="PEM private key of the client certificate."
    )
    kafka_ssl_key_password: SecretStr | None = Field(
        default=None, description="Password of kafka_ssl_key_file when it is encrypted."
    )

    topic_partitions: int = Field(
        default=FEED_PARTITIONS,
        ge=1,
        description="Partitions of a feed topic the hub creates; per-key order holds at any count.",
    )
    topic_partitions_per_topic: dict[str, int] = Field(
        default_factory=dict,
        description='Per-feed partition counts as JSON, e.g. {"gov.land.parcel.v1": 12}; others get '
        "topic_partitions.",
    )
    topic_allow_grow: bool = Field(
        default=False,
        description="Grow an existing feed topic to a higher configured count (keys move: their order "
        "breaks across the grow); false = leave it as it is, with a warning.",
    )
    topic_replication_factor: int | None = Field(
        default=None, ge=1, description="Copies of each topic the hub creates; unset = min(3, brokers)."
    )
    topic_min_insync_replicas: int | None = Field(
        default=None,
        ge=1,
        description="min.insync.replicas of the topics the hub creates; unset = min(2, replication factor).",
    )

    kafka_fetch_max_wait_ms: int = Field(
        default=fetch_limits.MAX_WAIT_MS,
        ge=1,
        le=30_000,
        description="Longest a consumer's fetch waits at the broker when there is nothing new (an idle "
        "consumer sends one fetch per this long; new data is answered at once; 100 ms while the "
        "consumer has partitions paused, so their resume never waits for it).",
    )
    kafka_fetch_partition_max_bytes: int = Field(
        default=fetch_limits.PARTITION_MAX_BYTES,
        ge=fetch_limits.PARTITION_MIN_BYTES,
        description="Most bytes a consumer fetches ahead per partition it holds (a bigger record batch "
        "still comes whole).",
    )
    kafka_fetch_max_bytes: int = Field(
        default=fetch_limits.MAX_BYTES,
        ge=fetch_limits.PARTITION_MIN_BYTES,
        description="Most bytes one fetch of a consumer brings.",
    )

    def kafka_profile(self) -> profile.KafkaProfile:
        """The Kafka security and topic layout these settings describe (checked when made)."""
        security = KafkaSecurity(
            protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            username=self.kafka_sasl_username,
            password=_secret(self.kafka_sasl_password),
            ca_file=self.kafka_ssl_ca_file,
            cert_file=self.kafka_ssl_cert_file,
            key_file=self.kafka_ssl_key_file,
            key_password=_secret(self.kafka_ssl_key_password),
        )
        layout = TopicLayout(
            partitions=self.topic_partitions,
            replication_factor=self.topic_replication_factor,
            min_insync_replicas=self.topic_min_insync_replicas,
            per_topic=dict(self.topic_partitions_per_topic),
            allow_grow=self.topic_allow_grow,
        )
        fetch = fetch_limits.FetchLimits(
            self.kafka_fetch_max_wait_ms, self.kafka_fetch_partition_max_bytes, self.kafka_fetch_max_bytes
        )
        return profile.KafkaProfile(security, layout, fetch)

    def kafka_address(self) -> str:
        """The broker's bootstrap address; processes never guess it (``make dev`` fills it in).

        Every caller that reaches Kafka asks this first, so it also installs how to reach it
        (``bus.profile``): no client of the process can be built without the credentials.
        """
        if not self.kafka_bootstrap:
            raise ConfigurationError(
                "no Kafka: set HUB_KAFKA_BOOTSTRAP (`make up` prints the local broker's address)"
            )
        profile.install(self.kafka_profile())
        return self.kafka_bootstrap

    def store_url(self) -> str:
        """The control-plane store URL, defaulting to an embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_dir / 'hub.sqlite'}"


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def get_settings() -> Settings:
    """The settings, or one ``invalid_setting`` error naming the variables that are wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            f"{Settings.model_config['env_prefix']}{'.'.join(map(str, err['loc'])).upper()}: {err['msg']}"
            for err in exc.errors(include_url=False, include_input=False)
        ]
        raise InvalidSetting(f"invalid settings: {'; '.join(problems)}") from exc
    except SettingsError as exc:
        raise InvalidSetting(f"invalid settings: {exc}") from exc
