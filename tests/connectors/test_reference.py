from __future__ import annotations

from pathlib import Path

from connectors.reference import DEFAULT_PATH, main


def test_the_connector_reference_is_up_to_date() -> None:
    assert main(["--check"]) == 0, "run: python -m connectors.reference"


def test_it_documents_the_options_a_ministry_asks_about(tmp_path: Path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    for option in (
        "`publication_name`",
        "`slot_name`",
        "`mapping`",
        "`date_format`",
        "`keep_last`",
        "`values`",
    ):
        assert option in text
    page = tmp_path / "connectors.md"
    assert main(["--check", "--path", str(page)]) == 1 and not page.exists()
    assert main(["--path", str(page)]) == 0 and page.read_text(encoding="utf-8") == text
