"""The committed reference pages are what the code says, and the command tells drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.reference.pages import PAGES, REFERENCE, main


def test_every_generated_page_is_up_to_date() -> None:
    assert main(["--check"]) == 0, "run: python -m hub.reference"


def test_check_names_a_stale_page_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([], folder=tmp_path) == 0
    (tmp_path / "settings.md").write_text("old\n", encoding="utf-8")
    assert main(["--check"], folder=tmp_path) == 1
    assert "settings.md is out of date: run python -m hub.reference" in capsys.readouterr().err
    assert (tmp_path / "settings.md").read_text(encoding="utf-8") == "old\n"
    assert main([], folder=tmp_path) == 0 and main(["--check"], folder=tmp_path) == 0


def test_the_pages_are_the_ones_the_docs_link() -> None:
    assert {page.file for page in PAGES} == {
        "connectors.md",
        "subscriptions.md",
        "settings.md",
        "errors.md",
        "metrics.md",
    }
    assert all((REFERENCE / page.file).is_file() for page in PAGES)
