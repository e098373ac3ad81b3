"""``--output table|json|yaml``: one renderer for every list and show (``hub.cli.output``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from rich.table import Table

from hub.cli import output
from hub.cli.errors import ExitCode
from hub.cli.output import NOTHING, OutputFormat, chosen, render_list, render_one
from tests.hub.cli.conftest import Hub

ROWS = [{"id": "a", "state": "active"}, {"id": "b", "state": "paused"}]


def ids_table(rows: list[dict[str, Any]]) -> Table:
    table = Table("id")
    for row in rows:
        table.add_row(row["id"])
    return table


def test_a_table_for_people(capsys: pytest.CaptureFixture[str]) -> None:
    assert render_list(ROWS, OutputFormat.table, ids_table) is True
    printed = capsys.readouterr()
    assert "id" in printed.out and "a" in printed.out and "b" in printed.out and printed.err == ""


def test_an_empty_list_says_nothing_to_show_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert render_list([], OutputFormat.table, ids_table) is False
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err.strip() == NOTHING


@pytest.mark.parametrize("rows", [ROWS, []])
def test_json_and_yaml_parse_back_to_the_api_answer(
    capsys: pytest.CaptureFixture[str], rows: list[dict[str, Any]]
) -> None:
    assert render_list(rows, OutputFormat.json, ids_table) is False
    assert json.loads(capsys.readouterr().out) == rows
    render_list(rows, OutputFormat.yaml, ids_table)
    assert yaml.safe_load(capsys.readouterr().out) == rows


def test_json_keeps_non_ascii_text(capsys: pytest.CaptureFixture[str]) -> None:
    render_one({"name": "Vận hành"}, OutputFormat.json)
    assert "Vận hành" in capsys.readouterr().out


def test_one_thing_as_a_field_table(capsys: pytest.CaptureFixture[str]) -> None:
    render_one({"id": "a", "feeds": ["x", "y"]}, OutputFormat.table)
    printed = capsys.readouterr().out
    assert "field" in printed and '["x", "y"]' in printed


def test_the_json_flag_is_an_alias() -> None:
    assert chosen(OutputFormat.table, as_json=True) is OutputFormat.json
    assert chosen(OutputFormat.yaml, as_json=False) is OutputFormat.yaml


def test_the_option_offers_exactly_the_three_formats() -> None:
    assert [item.value for item in output.OutputFormat] == ["table", "json", "yaml"]


@pytest.mark.parametrize(
    "command",
    [("subscriptions", "list"), ("connectors", "list"), ("grants", "list"), ("deliveries", "list")],
    ids=" ".join,
)
def test_an_empty_list_command_prints_nothing_to_show_or_an_empty_document(
    hub: Hub, command: tuple[str, ...]
) -> None:
    table = hub(*command)
    assert table.exit_code == 0 and table.stdout == "" and table.stderr.strip() == NOTHING
    assert json.loads(hub(*command, "--output", "json").stdout) == []
    assert yaml.safe_load(hub(*command, "-o", "yaml").stdout) == []


def test_lists_and_shows_in_every_format(hub: Hub) -> None:
    listed = yaml.safe_load(hub("contracts", "list", "-o", "yaml").stdout)
    subject = listed[0]["subject"]
    assert json.loads(hub("contracts", "list", "-o", "json").stdout) == listed
    shown = json.loads(hub("contracts", "show", subject).stdout)
    assert yaml.safe_load(hub("contracts", "show", subject, "-o", "yaml").stdout) == shown
    as_table = hub("contracts", "show", subject, "-o", "table")
    assert as_table.exit_code == 0 and "fingerprint" in as_table.stdout


def test_an_unknown_format_is_a_usage_error(hub: Hub) -> None:
    result = hub("subscriptions", "list", "-o", "xml")
    assert result.exit_code == ExitCode.USAGE and "'xml' is not one of" in result.stderr
