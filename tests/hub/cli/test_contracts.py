"""``hub contracts`` end to end: the CLI over HTTP against a real API server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.cli import confirmation
from hub.cli.contract_files import discover
from hub.cli.errors import ExitCode
from hub.settings import REPO_ROOT
from schemas import naming
from tests.contract_documents import contract
from tests.hub.cli.conftest import Hub

SUBJECT = "vn.gov.test.person.v1"
OWNER = "vn.gov.test.owner.v1"
EXAMPLE = REPO_ROOT / "deploy" / "examples" / "contract-building-permit.json"


def person(event_type: str = SUBJECT, id_type: str = "string") -> dict[str, Any]:
    properties = {"id": {"type": id_type}, "commune_code": {"type": "string"}}
    return contract(event_type, properties, key=("id",), admin_unit="commune_code", required=["id"])


V1 = person()
V2 = {**V1, "description": "a person"}
BREAKING = person(id_type="integer")


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def test_register_show_and_list(hub: Hub, tmp_path: Path) -> None:
    urn = naming.contract_id(SUBJECT, 1)
    first = hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    assert (first.exit_code, first.stdout.strip()) == (0, f"registered {SUBJECT} version 1 ({urn})")
    again = hub("contracts", "register", "-f", str(tmp_path / "v1.json"))  # subject from the file
    assert again.stdout.strip() == f"already registered: {SUBJECT} version 1 ({urn})"
    shown = hub("contracts", "show", SUBJECT)
    assert json.loads(shown.stdout)["schema"] == {**V1, "$id": urn}
    listed = hub("contracts", "list")
    assert SUBJECT in listed.stdout and "BACKWARD" in listed.stdout
    assert "1" in hub("contracts", "versions", SUBJECT).stdout


def test_incompatible_registration_fails_with_one_line_and_reasons(hub: Hub, tmp_path: Path) -> None:
    hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    result = hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "bad.json", BREAKING)))
    assert result.exit_code == ExitCode.REFUSED
    first, *reasons = result.stderr.splitlines()
    assert first.startswith("error [incompatible_contract]: contract is not BACKWARD compatible")
    assert reasons and all(line.startswith("  - ") for line in reasons)
    assert "Traceback" not in result.output


def test_check_exits_non_zero_only_when_incompatible(hub: Hub, tmp_path: Path) -> None:
    hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    ok = hub("contracts", "check", SUBJECT, "-f", str(write(tmp_path / "v2.json", V2)))
    assert (ok.exit_code, ok.stdout.strip()) == (0, f"compatible with {SUBJECT} under BACKWARD")
    bad = hub("contracts", "check", SUBJECT, "-f", str(write(tmp_path / "bad.json", BREAKING)))
    assert bad.exit_code == ExitCode.FAILED
    assert bad.stdout.startswith(f"NOT compatible with {SUBJECT} under BACKWARD:")


def test_mode_shows_and_sets(hub: Hub) -> None:
    assert hub("contracts", "mode", SUBJECT).stdout.strip() == "BACKWARD"
    assert hub("contracts", "mode", SUBJECT, "full").stdout.strip() == "FULL"
    assert hub("contracts", "mode", SUBJECT).stdout.strip() == "FULL"
    wrong = hub("contracts", "mode", SUBJECT, "sometimes")
    assert wrong.exit_code == ExitCode.REFUSED
    assert wrong.stderr.startswith("error [invalid_input]:")


@pytest.mark.parametrize(
    ("args", "line", "status"),
    [
        (
            ("contracts", "show", "no.such.subject"),
            "error [not_found]: no contract subject",
            ExitCode.NOT_FOUND,
        ),
        (("contracts", "show", "Bad_Name"), "error [invalid_input]: invalid request", ExitCode.REFUSED),
    ],
)
def test_api_errors_are_one_line_with_the_code(
    hub: Hub, args: tuple[str, ...], line: str, status: ExitCode
) -> None:
    result = hub(*args)
    assert result.exit_code == status
    assert result.stderr.splitlines()[0].startswith(line)
    assert result.stdout == ""


def test_unreadable_file_fails_before_calling_the_api(hub: Hub, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = hub("contracts", "register", SUBJECT, "-f", str(broken))
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr.startswith("error [invalid_file]: cannot read")
    assert hub("contracts", "list").stdout.count(SUBJECT) == 0


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("laughs.yaml", b'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n', "anchor"),
        ("binary.json", b"\x89PNG\r\n\x1a\n\x00\xff", "UTF-8"),
        ("huge.json", b"{" + b" " * (2 << 20) + b"}", "larger than"),
        ("two.yaml", b"title: a\n---\ntitle: b\n", "2 YAML documents"),
    ],
)
def test_hostile_contract_files_are_refused_before_parsing(
    hub: Hub, tmp_path: Path, name: str, content: bytes, says: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    result = hub("contracts", "register", SUBJECT, "-f", str(path))
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr.startswith("error [invalid_file]:") and says in result.stderr, result.stderr


def test_delete_asks_first(hub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hub("contracts", "register", SUBJECT, "-f", str(write(tmp_path / "v1.json", V1)))
    no_terminal = hub("contracts", "delete", SUBJECT)
    assert no_terminal.exit_code == ExitCode.USAGE and "--yes" in no_terminal.stderr
    monkeypatch.setattr(confirmation, "stdin_is_terminal", lambda: True)
    assert hub("contracts", "delete", SUBJECT, input="n\n").exit_code == ExitCode.FAILED
    assert SUBJECT in hub("contracts", "list").stdout
    assert hub("contracts", "delete", SUBJECT, "--yes").stdout.strip() == f"deleted {SUBJECT} versions [1]"
    assert SUBJECT not in hub("contracts", "list").stdout


def test_sync_seeds_every_file_in_order_and_is_repeatable(hub: Hub, tmp_path: Path) -> None:
    write(tmp_path / SUBJECT / "v1.schema.json", V1)
    write(tmp_path / SUBJECT / "v2.schema.json", V2)
    write(tmp_path / OWNER / "v1.schema.json", person(OWNER))
    write(tmp_path / "asyncapi.yaml", "not a contract")
    first = hub("contracts", "sync", "--dir", str(tmp_path))
    assert first.exit_code == 0, first.output
    assert first.stdout.count("new") == 3
    second = hub("contracts", "sync", "--dir", str(tmp_path))
    assert (second.exit_code, second.stdout.count("unchanged")) == (0, 3)
    assert json.loads(hub("contracts", "show", SUBJECT, "2").stdout)["schema"]["description"] == "a person"


def test_sync_reports_a_refused_file_and_goes_on(hub: Hub, tmp_path: Path) -> None:
    write(tmp_path / SUBJECT / "v1.schema.json", V1)
    write(tmp_path / SUBJECT / "v2.schema.json", BREAKING)
    write(tmp_path / OWNER / "v1.schema.json", person(OWNER))
    result = hub("contracts", "sync", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert "refused: incompatible_contract" in result.stdout
    assert OWNER in hub("contracts", "list").stdout


def test_unreachable_api_is_one_clear_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from hub.cli.main import app

    result = CliRunner().invoke(app, ["--api-url", "http://127.0.0.1:9", "contracts", "list"])
    assert result.exit_code == ExitCode.UNREACHABLE
    assert result.stderr.startswith("error [api_unreachable]: cannot reach the hub API at http://127.0.0.1:9")


def test_long_subject_names_are_listed_whole(hub: Hub, tmp_path: Path) -> None:
    subject = "vn.gov.judicial-records.criminal-record-certificate-of-a-long-name.v1"
    hub("contracts", "register", "-f", str(write(tmp_path / "v1.json", person(subject))))
    listed = hub("contracts", "list").stdout
    assert subject in "".join(line.strip("│ ").split(" ")[0] for line in listed.splitlines())


def test_a_fresh_registry_lists_the_built_in_contracts_without_a_sync(hub: Hub) -> None:
    built_in = discover(REPO_ROOT / "contracts")
    assert len(built_in) == 6, "the contract files are missing"
    listed = hub("contracts", "list").stdout
    whole = "".join(line.strip("│ ").split(" ")[0] for line in listed.splitlines())  # folded names
    assert all(item.subject in whole for item in built_in)
    again = hub("contracts", "sync")  # still safe to run: nothing new
    assert again.exit_code == 0, again.output
    assert again.stdout.count(": unchanged (version") == len(built_in)


def test_a_new_feed_is_registered_from_one_file(hub: Hub) -> None:
    result = hub("contracts", "register", "-f", str(EXAMPLE))
    event_type = "vn.gov.construction.building-permit.v1"
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"registered {event_type} version 1 ({naming.contract_id(event_type, 1)})"
    assert event_type in hub("contracts", "list").stdout


def test_a_yaml_contract_file_is_read_too(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "person.yaml"
    path.write_text(yaml.safe_dump(V1), encoding="utf-8")
    assert hub("contracts", "register", "-f", str(path)).exit_code == 0
    assert SUBJECT in hub("contracts", "list").stdout


def test_a_file_without_an_event_type_needs_the_subject(hub: Hub, tmp_path: Path) -> None:
    unnamed = {key: value for key, value in V1.items() if key != "x-event-type"}
    result = hub("contracts", "register", "-f", str(write(tmp_path / "v1.json", unnamed)))
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr.startswith("error [missing_event_type]:")


def test_an_invalid_contract_lists_each_problem(hub: Hub, tmp_path: Path) -> None:
    broken = person()
    del broken["properties"]["id"]["description"]
    result = hub("contracts", "register", "-f", str(write(tmp_path / "v1.json", broken)))
    assert result.exit_code == ExitCode.REFUSED
    assert result.stderr.startswith("error [invalid_contract]:")
    assert "missing_description" in result.stderr
