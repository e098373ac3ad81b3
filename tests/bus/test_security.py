"""The adapter's Kafka security: the aiokafka options each protocol gives, and what is refused."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bus import profile
from bus.admin import KafkaAdmin
from bus.consumer import KafkaConsumer
from bus.producer import KafkaProducer
from bus.security import KafkaSecurity
from schemas.errors import KafkaSecurityInvalid
from tests.bus.tls_files import TlsFiles, write_tls_files


@pytest.fixture
def tls(tmp_path: Path) -> TlsFiles:
    return write_tls_files(tmp_path)


@pytest.fixture
def installed() -> Iterator[None]:
    """Whatever a test installs is the dev profile again afterwards."""
    yield
    profile.install(profile.DEV_PROFILE)


def test_plaintext_adds_nothing_but_the_protocol() -> None:
    assert KafkaSecurity().client_options() == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_logs_in_with_scram_over_a_verifying_tls_context(tls: TlsFiles) -> None:
    security = KafkaSecurity("SASL_SSL", username="hub", password="s3cret", ca_file=tls.ca)
    options = security.client_options()
    context = options.pop("ssl_context")
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "hub",
        "sasl_plain_password": "s3cret",
    }
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname
    assert [ca["subject"] for ca in context.get_ca_certs()] == [((("commonName", "test-ca"),),)]


def test_ssl_with_a_client_certificate_is_mutual_tls(tls: TlsFiles) -> None:
    security = KafkaSecurity("SSL", ca_file=tls.ca, cert_file=tls.cert, key_file=tls.key)
    options = security.client_options()
    assert set(options) == {"security_protocol", "ssl_context"}
    assert options["security_protocol"] == "SSL"


def test_sasl_plaintext_has_no_tls_context() -> None:
    options = KafkaSecurity("SASL_PLAINTEXT", username="hub", password="pw").client_options()
    assert "ssl_context" not in options
    assert options["security_protocol"] == "SASL_PLAINTEXT"


def test_the_password_never_shows_in_the_repr() -> None:
    assert "s3cret" not in repr(KafkaSecurity("SASL_SSL", username="hub", password="s3cret"))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"protocol": "SASL_SSL", "username": "hub"}, "needs a username and a password"),
        ({"protocol": "SASL_PLAINTEXT"}, "needs a username and a password"),
        ({"protocol": "SSL", "cert_file": Path("user.crt")}, "needs its key"),
        ({"protocol": "PLAINTEXT", "ca_file": Path("ca.crt")}, "need SSL or SASL_SSL"),
        ({"protocol": "TLS"}, "is not one of"),
        (
            {"protocol": "SASL_SSL", "username": "u", "password": "p", "sasl_mechanism": "GSSAPI"},
            "is not one of",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_with_a_code(changes: dict[str, Any], reason: str) -> None:
    with pytest.raises(KafkaSecurityInvalid, match=reason) as caught:
        KafkaSecurity(**changes)
    assert caught.value.code == "kafka_security_invalid"


def test_a_missing_ca_file_is_named_when_the_options_are_built(tmp_path: Path) -> None:
    security = KafkaSecurity("SSL", ca_file=tmp_path / "absent.crt")
    with pytest.raises(KafkaSecurityInvalid, match=r"absent\.crt"):
        security.client_options()


def test_a_file_that_is_no_certificate_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ca.crt").write_text("not a certificate")
    with pytest.raises(KafkaSecurityInvalid, match="cannot be used"):
        KafkaSecurity("SSL", ca_file=tmp_path / "ca.crt").client_options()


async def test_every_client_of_the_adapter_uses_the_installed_security(
    tls: TlsFiles, installed: None
) -> None:
    security = KafkaSecurity("SASL_SSL", username="hub", password="pw", ca_file=tls.ca)
    profile.install(profile.KafkaProfile(security=security))
    producer, consumer = KafkaProducer("127.0.0.1:1"), KafkaConsumer("127.0.0.1:1", "g")
    admin = KafkaAdmin("127.0.0.1:1")._client()
    try:
        for client in (producer._producer.client, consumer._consumer._client, admin._client):
            assert (client._security_protocol, client._sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
            assert (client._sasl_plain_username, client._sasl_plain_password) == ("hub", "pw")
            assert isinstance(client._ssl_context, ssl.SSLContext)
    finally:
        await producer.stop()
        await consumer.stop()
        await admin.close()
