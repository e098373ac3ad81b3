"""``hub units`` against a real API server: list, diff (names and files), load and its refusals."""

from __future__ import annotations

import json
from pathlib import Path

from hub.cli.errors import ExitCode
from tests.fixtures.admin_units.build import MERGE_FILE
from tests.fixtures.admin_units.versions import edited
from tests.hub.cli.conftest import Hub


def test_list_shows_the_shipped_version(hub: Hub) -> None:
    result = hub("units", "list")
    assert result.exit_code == 0, result.output
    assert "2025.07" in result.output and "shipped" in result.output


def test_diff_of_a_file_shows_what_it_moves(hub: Hub) -> None:
    result = hub("units", "diff", "2025.07", str(MERGE_FILE))
    assert result.exit_code == 0, result.output
    assert "2025.07 -> 2026.01" in result.output
    for expected in ("01849", "01864", "merged", "19 -> 08", "00700 Xã Ngọc Đường", "renamed"):
        assert expected in result.output
    as_json = json.loads(hub("units", "diff", "2025.07", str(MERGE_FILE), "--json").output)
    assert as_json["counts"]["communes moving records"] == 2


def test_load_activates_and_says_what_moved(hub: Hub) -> None:
    result = hub("units", "load", str(MERGE_FILE))
    assert result.exit_code == 0, result.output
    assert "loaded and activated administrative units 2026.01" in result.output
    assert "re-homing: 0 job(s) started" in result.output
    listed = json.loads(hub("units", "list", "--json").output)
    assert [(item["version"], item["active"]) for item in listed] == [("2025.07", False), ("2026.01", True)]
    assert hub("units", "diff", "2025.07", "2026.01").exit_code == 0
    waited = hub("units", "rehoming", "2026.01", "--wait")
    assert "re-homing ended" in waited.stdout and "nothing to show" in waited.stderr


def test_a_bad_file_is_refused_with_its_code(hub: Hub, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    result = hub("units", "load", str(broken))
    assert result.exit_code == ExitCode.REFUSED and "[invalid_units_file]" in result.output
    orphan = tmp_path / "orphan.json"
    orphan.write_bytes(edited(parent="2025.09"))
    result = hub("units", "load", str(orphan))
    assert result.exit_code == ExitCode.REFUSED and "[unknown_units_parent]" in result.output
    result = hub("units", "diff", "2024.01", "2025.07")
    assert result.exit_code == ExitCode.NOT_FOUND and "[unknown_units_version]" in result.output
