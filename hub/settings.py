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

from schemas.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parent.parent


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

    connector_host_allowlist: StringList = Field(
        default_factory=list,
        description="Database hosts connectors may connect to: exact names, IPs or CIDR networks, "
        "comma-separated (db1.land.gov.vn,10.20.0.0/16) or as JSON; names are matched as written, "
        "never resolved. Unset = any host (development only: publishers could probe the hub's network).",
    )

    def kafka_address(self) -> str:
        """The broker's bootstrap address; processes never guess it (``make dev`` fills it in)."""
        if not self.kafka_bootstrap:
            raise ConfigurationError(
                "no Kafka: set HUB_KAFKA_BOOTSTRAP (`make up` prints the local broker's address)"
            )
        return self.kafka_bootstrap

    def store_url(self) -> str:
        """The control-plane store URL, defaulting to an embedded SQLite file."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.state_dir / 'hub.sqlite'}"


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
