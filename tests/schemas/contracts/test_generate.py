"""The committed contracts/ is sound (valid contracts, safe history) and its AsyncAPI document
is what the contract files generate; the documents are valid."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator, FormatChecker

from hub.settings import Settings
from schemas.contracts import generate
from schemas.contracts.json_schema import contract_path
from schemas.feeds import FeedSpec, all_feeds, builtin_contract_files
from schemas.feeds.builtin import read_contract_tree
from tests.schemas.contracts import official_asyncapi_schema

ROOT = Path(__file__).resolve().parents[3] / "contracts"
FEEDS = all_feeds()


def by_type(spec: FeedSpec) -> str:
    return spec.event_type


def test_committed_asyncapi_matches_the_contract_files() -> None:
    """The drift test: regenerate in memory, compare with the file in git."""
    for path, text in generate.render(FEEDS).items():
        committed = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).is_file() else None
        assert committed == text, f"contracts/{path} is stale: run python -m schemas.contracts.generate"
    assert generate.problems(ROOT) == []


def test_the_packaged_contracts_are_the_repository_files() -> None:
    """What an installed hub loads (package data) is what ``contracts/`` holds."""
    assert sorted(builtin_contract_files()) == sorted(read_contract_tree(ROOT))


def test_check_mode_passes_on_the_committed_tree() -> None:
    assert generate.main(["--check", "--root", str(ROOT)]) == 0


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "contracts"
    shutil.copytree(ROOT, copy)
    return copy


def edit(tree: Path, event_type: str, version: int, change: Any) -> None:
    path = tree / contract_path(event_type, version)
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(generate.dump_json(document), encoding="utf-8")


def test_check_mode_fails_on_a_stale_asyncapi_document(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(tree, FEEDS[0].event_type, 1, lambda d: d.update(title="Renamed"))
    assert generate.main(["--check", "--root", str(tree)]) == 1
    assert "asyncapi.yaml: stale" in capsys.readouterr().err


def test_check_mode_names_a_broken_contract_file(tree: Path) -> None:
    edit(tree, FEEDS[0].event_type, 1, lambda d: d["properties"]["book_no"].pop("x-sensitivity"))
    (tree / "vn.gov.tax.invoice.v1").mkdir()
    (tree / "vn.gov.tax.invoice.v1" / "v1.schema.json").write_text(
        (tree / contract_path(FEEDS[1].event_type, 1)).read_text(encoding="utf-8"), encoding="utf-8"
    )
    found = generate.problems(tree)
    assert any("invalid_contract" in p and "missing_sensitivity" in p for p in found), found
    assert any(p.startswith("vn.gov.tax.invoice.v1/v1.schema.json: x-event-type is") for p in found), found


def test_a_new_version_must_be_compatible_with_the_history(tree: Path) -> None:
    spec = FEEDS[0]
    v1 = tree / contract_path(spec.event_type, 1)
    document = json.loads(v1.read_text(encoding="utf-8"))
    document["$id"] = spec.dataschema.replace(":v1", ":v2")
    document["properties"]["book_no"]["maxLength"] = 3  # v2 refuses book numbers v1 allowed
    (tree / contract_path(spec.event_type, 2)).write_text(generate.dump_json(document), encoding="utf-8")
    found = generate.problems(tree)
    assert any("v2 max_length_tightened at /properties/book_no against v1" in p for p in found), found


def test_history_must_be_complete_and_ids_must_name_their_file(tree: Path) -> None:
    spec = FEEDS[0]
    v1 = tree / contract_path(spec.event_type, 1)
    v1.rename(tree / contract_path(spec.event_type, 3))
    found = generate.problems(tree)
    assert f"{spec.event_type}/v1.schema.json: history is missing" in found
    assert f"{spec.event_type}/v3.schema.json: $id must be {spec.dataschema.replace(':v1', ':v3')}" in found


def test_write_mode_creates_the_same_asyncapi_file(tree: Path) -> None:
    (tree / generate.ASYNCAPI_FILE).unlink()
    assert generate.main(["--root", str(tree)]) == 0
    for path, text in generate.render(FEEDS).items():
        assert (tree / path).read_text(encoding="utf-8") == text
    assert generate.write(tree, generate.render(FEEDS)) == []  # idempotent


@pytest.mark.parametrize("spec", FEEDS, ids=by_type)
def test_contract_is_valid_json_schema_in_both_drafts_and_accepts_its_example(spec: FeedSpec) -> None:
    schema = spec.schema
    Draft202012Validator.check_schema(schema)
    Draft7Validator.check_schema(schema)  # the AsyncAPI document references it as draft-07
    assert not {"$defs", "prefixItems", "dependentRequired", "unevaluatedProperties"} & set(
        json.dumps(schema)
    )
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    for example in schema["examples"]:
        assert list(validator.iter_errors(example)) == []
    assert schema["x-key-fields"] == list(spec.key_fields)
    assert schema["$id"] == spec.dataschema


@pytest.mark.parametrize("spec", FEEDS, ids=by_type)
def test_contract_refuses_broken_rows(spec: FeedSpec) -> None:
    validator = Draft202012Validator(spec.schema, format_checker=FormatChecker())
    example = spec.schema["examples"][0]
    key = spec.key_fields[0]
    broken: list[dict[str, Any]] = [
        {**example, "unexpected": 1},
        {k: v for k, v in example.items() if k != key},
        {**example, key: None},
        {**example, spec.admin_unit_field: "x"},
    ]
    for row in broken:
        assert not validator.is_valid(row), row


def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((ROOT / generate.ASYNCAPI_FILE).read_text(encoding="utf-8"))
    return document


def test_asyncapi_names_every_feed_and_quarantine_topic() -> None:
    channels = asyncapi()["channels"]
    for spec in FEEDS:
        assert channels[spec.topic]["address"] == spec.topic
        assert channels[spec.quarantine_topic]["address"] == spec.quarantine_topic
        message = asyncapi()["components"]["messages"][spec.event_type]
        assert message["headers"]["properties"]["ce_type"] == {"const": spec.event_type}


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if "$ref" in node else []
        return own + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in refs(item)]
    return []


def test_every_asyncapi_reference_resolves() -> None:
    """What JSON Schema validation of the document cannot see: dangling ``$ref``s."""
    document = asyncapi()
    for ref in refs(document):
        if ref.startswith("./"):
            assert (ROOT / ref).is_file(), ref
            continue
        node: Any = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]


def test_asyncapi_document_is_valid_against_the_official_asyncapi_3_schema() -> None:
    official = official_asyncapi_schema.load(Settings().cache_dir)
    if official is None:
        pytest.skip("npm is not installed: cannot fetch the official AsyncAPI 3.0.0 JSON Schema")
    document = asyncapi()
    assert document["asyncapi"] == "3.0.0"
    errors = sorted(Draft7Validator(official).iter_errors(document), key=lambda e: list(e.path))
    assert errors == [], [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:5]]
    operation = next(iter(document["operations"].values()))
    operation["action"] = "publish"  # AsyncAPI 2 wording: the official schema must catch it
    assert not Draft7Validator(official).is_valid(document)
