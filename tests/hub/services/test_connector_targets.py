"""Connector hosts against the allow-list, and when a masked password may stay: pure, no servers."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.registry import parse_config
from hub.services.connector_targets import (
    ConnectorHostNotAllowed,
    ConnectorHostPolicy,
    PasswordRequired,
    with_kept_secrets,
)

FEEDS = [{"table": "public.parcels", "event_type": "vn.gov.land.parcel.v1"}]
POLICY = ConnectorHostPolicy.from_entries(["db.land.example", "10.20.0.0/16", "/var/run/postgresql"])


def cdc(dsn: str, **more: Any) -> dict[str, Any]:
    return {"name": "land-db", "kind": "postgres_cdc", "dsn": dsn, "feeds": FEEDS, **more}


def polling(url: str, **more: Any) -> dict[str, Any]:
    return {"name": "land-db", "kind": "sql_polling", "url": url, "feeds": FEEDS, **more}


@pytest.mark.parametrize(
    "document",
    [
        cdc("postgresql://hub@db.land.example:5432/land"),
        cdc("host=10.20.3.4,db.land.example port=5432,5433 dbname=land"),
        cdc("host=/var/run/postgresql dbname=land"),
        polling("postgresql+psycopg://hub@10.20.0.9/land"),
        polling("sqlite:////srv/land.db"),  # a file, no network host
    ],
)
def test_listed_hosts_pass(document: dict[str, Any]) -> None:
    POLICY.check(parse_config(document))


@pytest.mark.parametrize(
    ("document", "refused"),
    [
        (cdc("postgresql://hub@169.254.169.254:5432/land"), ["169.254.169.254"]),
        (cdc("host=db.land.example,evil.example dbname=land"), ["evil.example"]),
        (cdc("host=db.land.example hostaddr=127.0.0.1 dbname=land"), ["127.0.0.1"]),
        (cdc("dbname=land"), ["localhost"]),  # libpq's default: the hub's own machine
        (cdc("service=land dbname=land"), ["service=land"]),
        (polling("mysql+pymysql://hub@db.land.example/land?unix_socket=/tmp/o.sock"), ["/tmp/o.sock"]),
        (polling("postgresql+psycopg://hub@/land?host=10.9.9.9"), ["10.9.9.9"]),
    ],
)
def test_unlisted_hosts_are_refused_naming_them(document: dict[str, Any], refused: list[str]) -> None:
    with pytest.raises(ConnectorHostNotAllowed) as caught:
        POLICY.check(parse_config(document))
    assert caught.value.code == "connector_host_not_allowed"
    assert caught.value.details == {"hosts": refused}


def test_no_allow_list_accepts_any_host() -> None:
    ConnectorHostPolicy.from_entries(["", " "]).check(parse_config(cdc("postgresql://hub@evil.example/land")))


STORED = cdc("postgresql://hub@db.land.example:5432/land", password="s3cret")
MASKED = STORED | {"password": "**********"}


def test_the_mask_keeps_the_password_while_the_target_is_the_same() -> None:
    same = {"batch_size": 10, "dsn": "host=db.land.example dbname=land user=hub"}  # another spelling
    kept = with_kept_secrets(MASKED | same, STORED)
    assert kept["password"] == "s3cret"


@pytest.mark.parametrize(
    ("sent", "changed"),
    [
        (MASKED | {"dsn": "postgresql://hub@evil.example:5432/land"}, ["host"]),
        (MASKED | {"dsn": "postgresql://root@db.land.example:5432/land"}, ["user"]),
        (MASKED | {"dsn": "postgresql://hub@db.land.example:5432/land?hostaddr=10.1.1.1"}, ["hostaddr"]),
        (polling("postgresql://hub@db.land.example:5432/land", password="**********"), []),  # another kind
    ],
)
def test_the_mask_does_not_follow_a_new_target(sent: dict[str, Any], changed: list[str]) -> None:
    with pytest.raises(PasswordRequired) as caught:
        with_kept_secrets(sent, STORED)
    if changed:
        assert caught.value.details == {"changed": changed}


def test_a_password_sent_again_or_left_out_is_the_callers_own() -> None:
    moved = {"dsn": "postgresql://hub@evil.example/land"}
    assert with_kept_secrets(MASKED | moved | {"password": "new"}, STORED)["password"] == "new"
    left_out = {name: value for name, value in MASKED.items() if name != "password"}
    assert "password" not in with_kept_secrets(left_out | moved, STORED)
