"""The committed contracts/ is exactly what the row models generate, and the documents are valid."""

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
from schemas.contracts.json_schema import contract_path, contract_schema
from schemas.feeds import FeedSpec, all_feeds
from tests.schemas.contracts import official_asyncapi_schema

ROOT = Path(__file__).resolve().parents[3] / "contracts"
FEEDS = all_feeds()


def by_type(spec: FeedSpec) -> str:
    return spec.event_type


def test_committed_contracts_match_the_row_models() -> None:
    """The drift test: regenerate in memory, compare with the files in git."""
    for path, text in generate.render().items():
        committed = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).is_file() else None
        assert committed == text, f"contracts/{path} is stale: run python -m schemas.contracts.generate"
    assert generate.problems(ROOT, generate.render()) == []


def test_check_mode_passes_on_the_committed_tree() -> None:
    assert generate.main(["--check", "--root", str(ROOT)]) == 0


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    copy = tmp_path / "contracts"
    shutil.copytree(ROOT, copy)
    return copy


def test_check_mode_fails_on_an_edited_contract(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tree / contract_path(FEEDS[0].event_type, 1)
    path.write_text(path.read_text(encoding="utf-8").replace('"maxLength": 300', '"maxLength": 30'))
    assert generate.main(["--check", "--root", str(tree)]) == 1
    assert "differs from the row model" in capsys.readouterr().err


def test_check_mode_fails_on_a_missing_file_or_an_unknown_feed(tree: Path) -> None:
    (tree / generate.ASYNCAPI_FILE).unlink()
    (tree / "vn.gov.tax.invoice.v1").mkdir()
    found = generate.problems(tree, generate.render())
    assert "asyncapi.yaml: missing" in found
    assert "vn.gov.tax.invoice.v1/: no feed has this event type" in found


def test_a_new_version_must_be_compatible_with_the_history(tree: Path) -> None:
    spec = FEEDS[0]
    bumped = FeedSpec(spec.name, spec.row_model, spec.title, contract_version=2)
    history = json.loads((tree / contract_path(spec.event_type, 1)).read_text(encoding="utf-8"))
    history["properties"]["address"]["maxLength"] = 1000  # v1 allowed longer addresses than v2 does
    (tree / contract_path(spec.event_type, 1)).write_text(generate.dump_json(history))
    found = generate.problems(tree, generate.render((bumped,)), (bumped,))
    assert any("max_length_tightened at /properties/address against v1" in p for p in found)


def test_write_mode_creates_the_same_files(tmp_path: Path) -> None:
    assert generate.main(["--root", str(tmp_path)]) == 0
    for path, text in generate.render().items():
        assert (tmp_path / path).read_text(encoding="utf-8") == text
    assert generate.write(tmp_path, generate.render()) == []  # idempotent


@pytest.mark.parametrize("spec", FEEDS, ids=by_type)
def test_contract_is_valid_json_schema_in_both_drafts_and_accepts_its_example(spec: FeedSpec) -> None:
    schema = contract_schema(spec)
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
def test_contract_and_row_model_agree_on_broken_rows(spec: FeedSpec) -> None:
    schema = contract_schema(spec)
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    example = schema["examples"][0]
    key = spec.key_fields[0]
    broken: list[dict[str, Any]] = [
        {**example, "unexpected": 1},
        {k: v for k, v in example.items() if k != key},
        {**example, key: None},
        {**example, spec.admin_unit_field: "x"},
    ]
    for row in broken:
        assert not validator.is_valid(row), row
        with pytest.raises(ValueError):
            spec.row_model.model_validate(row)


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
