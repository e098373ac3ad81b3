"""Apply files are refused, with one code, before anything reaches the API."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from hub.cli.yaml_files import MAX_DEPTH, MAX_FILE_BYTES, InvalidResourceFile, read_documents
from schemas.errors import InvalidInput


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


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
name: [*g,*g,*g,*g,*g,*g,*g,*g,*g]
"""


def refused(file: Path, **check: Any) -> InvalidResourceFile:
    with pytest.raises(InvalidResourceFile) as caught:
        read_documents(file, identity="name", what="connector", **check)
    assert caught.value.code == "invalid_file"
    return caught.value


def test_aliases_are_refused_before_they_are_expanded(tmp_path: Path) -> None:
    file = tmp_path / "laughs.yaml"
    file.write_text(BILLION_LAUGHS)
    started = time.process_time()
    error = refused(file)
    assert time.process_time() - started < 1.0
    assert "line 1" in error.message and "anchors and aliases" in error.message


def test_an_anchor_alone_is_refused_but_the_characters_in_a_string_are_not(tmp_path: Path) -> None:
    file = tmp_path / "anchor.yaml"
    file.write_text("name: a\nsource: &src {host: db}\n")
    assert "line 2" in refused(file).message
    file.write_text("name: a\npassword: 'p&ss*word'\nnote: \"&x *y\"\n")
    assert read_documents(file, identity="name", what="connector")[0]["password"] == "p&ss*word"


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    file = tmp_path / "big.yaml"
    file.write_text("name: a\n# " + "x" * MAX_FILE_BYTES + "\n")
    assert f"larger than {MAX_FILE_BYTES} bytes" in refused(file).message


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", b"name: caf\xe9\n", b"name: a\x00b\n"],
)
def test_binary_and_non_utf8_files_are_refused_naming_the_file(tmp_path: Path, data: bytes) -> None:
    file = tmp_path / "image.yaml"
    file.write_bytes(data)
    assert str(file) in refused(file).message


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_deep_nesting_is_refused_quickly(tmp_path: Path, opening: str) -> None:
    file = tmp_path / "deep.yaml"
    file.write_text("name: " + opening * (MAX_FILE_BYTES // len(opening) - 10))
    started = time.process_time()
    assert f"nested more than {MAX_DEPTH} levels" in refused(file).message
    assert time.process_time() - started < 2.0


def test_block_nesting_counts_too(tmp_path: Path) -> None:
    file = tmp_path / "deep.yaml"
    file.write_text("name: a\n" + "".join(f"{' ' * level}k{level}:\n" for level in range(MAX_DEPTH + 2)))
    assert "nested more than" in refused(file).message
    file.write_text("name: a\n" + "".join(f"{' ' * level}k{level}:\n" for level in range(MAX_DEPTH - 2)))
    assert read_documents(file, identity="name", what="connector")[0]["name"] == "a"


def test_a_malformed_later_document_refuses_the_whole_file(tmp_path: Path) -> None:
    file = tmp_path / "two.yaml"
    file.write_text("name: a\nport: 1\n---\nname: b\nport: many\n")

    def check(document: dict[str, Any]) -> None:
        if not isinstance(document["port"], int):
            raise InvalidInput("port must be a number", details=[{"field": "port", "message": "a number"}])

    error = refused(file, check=check)
    assert "document 2 (connector 'b')" in error.message and "[invalid_input]" in error.message
    assert "nothing in the file was applied" in error.message
    assert error.details == [{"field": "port", "message": "a number"}]


def test_pydantic_errors_name_the_fields(tmp_path: Path) -> None:
    class Doc(BaseModel):
        name: str
        port: int

    file = tmp_path / "one.yaml"
    file.write_text("name: a\nport: many\n")
    error = refused(file, check=Doc.model_validate)
    assert "document 1 (connector 'a')" in error.message
    assert [item["field"] for item in error.details] == ["port"]


def test_variables_are_expanded_and_an_unset_one_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "env.yaml"
    file.write_text("name: a\nsecret: ${HUB_TEST_SECRET}\nlist: ['x-${HUB_TEST_SECRET}']\n")
    monkeypatch.setenv("HUB_TEST_SECRET", "s3cret")
    found = read_documents(file, identity="name", what="connector")[0]
    assert (found["secret"], found["list"]) == ("s3cret", ["x-s3cret"])
    monkeypatch.delenv("HUB_TEST_SECRET")
    assert "${HUB_TEST_SECRET}" in refused(file).message
