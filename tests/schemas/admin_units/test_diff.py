"""What a newer version moves: the merged communes (another province), and the rename that moves nothing."""

from __future__ import annotations

import pytest

from schemas.admin_units import UnitChange, diff_versions, shipped_units
from schemas.errors import UnitsVersionNotNewer
from tests.fixtures.admin_units.versions import merged_units


def test_the_merge_moves_two_communes_to_the_other_province() -> None:
    found = diff_versions(shipped_units(), merged_units())
    assert (found.old_version, found.new_version) == ("2025.07", "2026.01")
    moves = {change.code: change for change in found.moves}
    assert sorted(moves) == ["01849", "01864"]
    assert {(c.change, c.from_province, c.to_province, c.to_communes) for c in moves.values()} == {
        (UnitChange.MERGED, "19", "08", ("00700",))
    }
    assert moves["01849"].to_names == ("Xã Ngọc Đường",)
    renamed = [change for change in found.communes if change.change is UnitChange.RENAMED]
    assert [(c.code, c.to_names) for c in renamed] == [("00745", ("Xã Phố Bảng Mới",))]
    assert found.counts == {"merged": 2, "renamed": 1, "communes moving records": 2, "province changes": 0}
    assert [change.code for change in found.moves] == ["01849", "01864"]  # the rename moves nothing


def test_a_version_against_itself_changes_nothing() -> None:
    assert diff_versions(merged_units(), merged_units()).communes == ()


def test_an_older_version_is_not_a_descendant() -> None:
    with pytest.raises(UnitsVersionNotNewer):
        diff_versions(merged_units(), shipped_units())
