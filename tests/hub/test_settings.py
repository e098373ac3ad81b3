"""List settings read the plain comma-separated form the README shows, and JSON; bad values get a code."""

from __future__ import annotations

import typing

import pytest
from pydantic_settings import NoDecode
from typer.testing import CliRunner

from bus import profile
from bus.security import KafkaSecurity
from bus.topic_layout import TopicLayout
from hub.cli.errors import ExitCode
from hub.cli.main import app
from hub.settings import InvalidSetting, Settings, get_settings
from schemas.errors import KafkaSecurityInvalid


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", ["127.0.0.1"]),
        ("localhost, 127.0.0.0/8,", ["localhost", "127.0.0.0/8"]),
        ('["localhost", "10.0.0.0/8"]', ["localhost", "10.0.0.0/8"]),
        ("", []),
    ],
)
def test_allowlist_reads_plain_and_json_forms(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("HUB_ENDPOINT_ALLOWLIST", value)
    assert get_settings().endpoint_allowlist == expected


def test_every_list_setting_reads_the_plain_form() -> None:
    lists = {name: f for name, f in Settings.model_fields.items() if typing.get_origin(f.annotation) is list}
    assert lists, "Settings has list settings"
    for name, found in lists.items():
        assert NoDecode in found.metadata, f"{name} is not declared as a StringList"


def test_a_bad_value_is_refused_with_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_ENDPOINT_ALLOWLIST", "[not json")
    monkeypatch.setenv("HUB_API_PORT", "eighty")
    with pytest.raises(InvalidSetting, match="HUB_API_PORT") as caught:
        get_settings()
    assert "HUB_ENDPOINT_ALLOWLIST" in caught.value.message
    assert caught.value.code == "invalid_setting"


def test_the_cli_reports_a_bad_setting_without_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_API_PORT", "eighty")
    result = CliRunner().invoke(app, ["subscriptions", "list"])
    assert result.exit_code == ExitCode.REFUSED
    assert "invalid_setting" in result.output and "HUB_API_PORT" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_kafka_security_and_layout_are_read_and_installed_with_the_address(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "HUB_KAFKA_BOOTSTRAP": "kafka-0:9093",
        "HUB_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "HUB_KAFKA_SASL_USERNAME": "hub",
        "HUB_KAFKA_SASL_PASSWORD": "s3cret",
        "HUB_TOPIC_PARTITIONS": "12",
        "HUB_TOPIC_PARTITIONS_PER_TOPIC": '{"gov.land.parcel.v1": 24}',
        "HUB_TOPIC_REPLICATION_FACTOR": "3",
        "HUB_TOPIC_MIN_INSYNC_REPLICAS": "2",
        "HUB_TOPIC_ALLOW_GROW": "true",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        assert get_settings().kafka_address() == "kafka-0:9093"
        installed = profile.current()
    finally:
        profile.install(profile.DEV_PROFILE)
    assert installed.security == KafkaSecurity("SASL_PLAINTEXT", username="hub", password="s3cret")
    assert installed.layout == TopicLayout(12, 3, 2, {"gov.land.parcel.v1": 24}, allow_grow=True)


def test_unset_kafka_settings_are_the_dev_profile() -> None:
    assert Settings(_env_file=None).kafka_profile() == profile.DEV_PROFILE


def test_kafka_settings_that_cannot_work_are_refused_with_their_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_KAFKA_BOOTSTRAP", "kafka-0:9093")
    monkeypatch.setenv("HUB_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    with pytest.raises(KafkaSecurityInvalid, match="needs a username and a password"):
        get_settings().kafka_address()
    assert profile.current() == profile.DEV_PROFILE
    monkeypatch.setenv("HUB_TOPIC_PARTITIONS", "0")
    with pytest.raises(InvalidSetting, match="HUB_TOPIC_PARTITIONS"):
        get_settings()
