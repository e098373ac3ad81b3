"""List settings read the plain comma-separated form the README shows, and JSON; bad values get a code."""

from __future__ import annotations

import typing

import pytest
from pydantic_settings import NoDecode
from typer.testing import CliRunner

from hub.cli.errors import ExitCode
from hub.cli.main import app
from hub.settings import InvalidSetting, Settings, get_settings


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
