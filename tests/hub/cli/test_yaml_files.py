"""Apply files are refused, with one code, before anything reaches the API."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.yaml_files import InvalidResourceFile, read_documents


def test_reads_every_document_with_its_identity(tmp_path: Path) -> None:
    file = tmp_path / "two.yaml"
    file.write_text("name: a\nkind: x\n---\nname: b\n")
    assert [d["name"] for d in read_documents(file, identity="name", what="connector")] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed", "not valid YAML"),
        ("", "holds no connector"),
        ("- just\n- a list\n", "mapping with a 'name'"),
        ("id: 3\n", "mapping with a 'name'"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text(text)
    with pytest.raises(InvalidResourceFile, match=message) as caught:
        read_documents(file, identity="name", what="connector")
    assert caught.value.code == "invalid_file"
