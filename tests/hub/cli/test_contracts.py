"""``hub contracts`` end to end: the CLI over HTTP against a real API server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from hub.cli.contract_files import discover
from hub.settings import REPO_ROOT
from tests.hub.cli.conftest import Hub

SUBJECT = "vn.gov.land.parcel.v1"
V1: dict[str, Any] = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
V2 = {**V1, "description": "a land parcel"}
BREAKING = {**V1, "properties": {"id": {"type": "integer"}}}


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_register_show_and_list(hub: Hub, tmp_path: Path) -> None:
    first = hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    assert (first.exit_code, first.stdout.strip()) == (0, f"registered {SUBJECT} version 1")
    again = hub("contracts", "register", SUBJECT, "-f", str(tmp_path / "v1.json"))
    assert again.stdout.strip() == f"already registered: {SUBJECT} version 1"
    shown = hub("contracts", "show", SUBJECT)
    assert json.loads(shown.stdout)["schema"] == V1
    listed = hub("contracts", "list")
    assert SUBJECT in listed.stdout and "BACKWARD" in listed.stdout
    assert "1" in hub("contracts", "versions", SUBJECT).stdout


def test_incompatible_registration_fails_with_one_line_and_reasons(hub: Hub, tmp_path: Path) -> None:
    hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    result = hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "bad.json", BREAKING)))
    assert result.exit_code == 1
    first, *reasons = result.stderr.splitlines()
    assert first.startswith("error [incompatible_contract]: schema is not BACKWARD compatible")
    assert reasons and all(line.startswith("  - ") for line in reasons)
    assert "Traceback" not in result.output


def test_check_exits_non_zero_only_when_incompatible(hub: Hub, tmp_path: Path) -> None:
    hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    ok = hub("contracts", "check", SUBJECT, "-f", str(write(tmp_path / "v2.json", V2)))
    assert (ok.exit_code, ok.stdout.strip()) == (0, f"compatible with {SUBJECT} under BACKWARD")
    bad = hub("contracts", "check", SUBJECT, "-f", str(write(tmp_path / "bad.json", BREAKING)))
    assert bad.exit_code == 1
    assert bad.stdout.startswith(f"NOT compatible with {SUBJECT} under BACKWARD:")


def test_mode_shows_and_sets(hub: Hub) -> None:
    assert hub("contracts", "mode", SUBJECT).stdout.strip() == "BACKWARD"
    assert hub("contracts", "mode", SUBJECT, "full").stdout.strip() == "FULL"
    assert hub("contracts", "mode", SUBJECT).stdout.strip() == "FULL"
    wrong = hub("contracts", "mode", SUBJECT, "sometimes")
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("error [invalid_input]:")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("contracts", "show", "no.such.subject"), "error [not_found]: no contract subject"),
        (("contracts", "show", "Bad_Name"), "error [invalid_input]: invalid request"),
    ],
)
def test_api_errors_are_one_line_with_the_code(hub: Hub, args: tuple[str, ...], line: str) -> None:
    result = hub(*args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0].startswith(line)
    assert result.stdout == ""


def test_unreadable_file_fails_before_calling_the_api(hub: Hub, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = hub("contracts", "register", SUBJECT, "-f", str(broken))
    assert result.exit_code == 1
    assert result.stderr.startswith("error [invalid_file]: cannot read")
    assert hub("contracts", "list").stdout.count(SUBJECT) == 0


def test_delete_asks_first(hub: Hub, tmp_path: Path) -> None:
    hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    assert hub("contracts", "delete", SUBJECT, input="n\n").exit_code == 1
    assert SUBJECT in hub("contracts", "list").stdout
    assert hub("contracts", "delete", SUBJECT, "--yes").stdout.strip() == f"deleted {SUBJECT} versions [1]"
    assert SUBJECT not in hub("contracts", "list").stdout


def test_sync_seeds_every_file_in_order_and_is_repeatable(hub: Hub, tmp_path: Path) -> None:
    write(tmp_path / SUBJECT / "v1.schema.json", V1)
    write(tmp_path / SUBJECT / "v2.schema.json", V2)
    write(tmp_path / "vn.gov.land.owner.v1" / "v1.schema.json", V1)
    write(tmp_path / "asyncapi.yaml", "not a contract")
    first = hub("contracts", "sync", "--dir", str(tmp_path))
    assert first.exit_code == 0, first.output
    assert first.stdout.count("new") == 3
    second = hub("contracts", "sync", "--dir", str(tmp_path))
    assert (second.exit_code, second.stdout.count("unchanged")) == (0, 3)
    assert json.loads(hub("contracts", "show", SUBJECT, "2").stdout)["schema"] == V2


def test_sync_reports_a_refused_file_and_goes_on(hub: Hub, tmp_path: Path) -> None:
    write(tmp_path / SUBJECT / "v1.schema.json", V1)
    write(tmp_path / SUBJECT / "v2.schema.json", BREAKING)
    write(tmp_path / "vn.gov.land.owner.v1" / "v1.schema.json", V1)
    result = hub("contracts", "sync", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "refused: incompatible_contract" in result.stdout
    assert "vn.gov.land.owner.v1" in hub("contracts", "list").stdout


def test_unreachable_api_is_one_clear_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli.main import app

    result = CliRunner().invoke(app, ["--api-url", "http://127.0.0.1:9", "contracts", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error [api_unreachable]: cannot reach the hub API at http://127.0.0.1:9")


def test_long_subject_names_are_listed_whole(hub: Hub, tmp_path: Path) -> None:
    subject = "vn.gov.judicial-records.criminal-record-certificate.v1"
    hub("contracts", "register", subject, "-f", str(write(tmp_path / "v1.json", V1)))
    listed = hub("contracts", "list").stdout
    assert subject in "".join(line.strip("│ ").split(" ")[0] for line in listed.splitlines())


def test_built_in_contracts_seed_a_fresh_registry(hub: Hub) -> None:
    built_in = discover(REPO_ROOT / "contracts")
    assert built_in, "the generated contracts are missing"
    first = hub("contracts", "sync")
    assert first.exit_code == 0, first.output
    assert first.stdout.count(": new (version") == len(built_in)
    again = hub("contracts", "sync")
    assert again.stdout.count(": unchanged (version") == len(built_in)
