"""Properties of the compatibility checker over generated schemas.

The key one is soundness: when the checker says "backward compatible", every sampled value the
old schema accepts is accepted by the new one (a false "compatible" would let a publisher break
every subscriber; a false "incompatible" only costs a new major version). Run it harder with
``DEEP_EXAMPLES=4000`` (it passed 4,000 examples when written; CI runs 100).
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from schemas.contracts.compatibility import Mode, check

NAMES = ["a", "b", "c", "d"]
POOL: list[Any] = [None, True, False, 0, 1, -1, 2.5, 10, 100, "", "a", "abc", "abcdef", "2026-01-01", "x1"]
SCALAR_TYPES = ["string", "integer", "number", "null", "boolean"]

scalars = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(SCALAR_TYPES)
        | st.lists(st.sampled_from(SCALAR_TYPES), min_size=1, unique=True),
        "enum": st.lists(st.sampled_from(POOL), min_size=1, max_size=4, unique_by=repr),
        "minLength": st.integers(0, 4),
        "maxLength": st.integers(0, 6),
        "pattern": st.sampled_from(["^a", "[0-9]", "^[a-z]*$"]),
        "format": st.just("date"),
        "minimum": st.integers(-1, 10),
        "maximum": st.integers(0, 100),
        "exclusiveMinimum": st.integers(-1, 10),
        "multipleOf": st.sampled_from([1, 2, 0.5]),
    },
)


def objects(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "type": st.just("object"),
            "properties": st.dictionaries(st.sampled_from(NAMES), children, max_size=4),
            "required": st.lists(st.sampled_from(NAMES), max_size=3, unique=True),
        },
        optional={"additionalProperties": st.booleans() | scalars},
    )


schemas = objects(scalars | objects(scalars))
closed_schemas = schemas.map(lambda s: {**s, "additionalProperties": False})
values = st.recursive(
    st.sampled_from(POOL),
    lambda inner: st.dictionaries(st.sampled_from([*NAMES, "e"]), inner, max_size=5),
    max_leaves=12,
)
instances = st.dictionaries(st.sampled_from([*NAMES, "e"]), values, max_size=5)


def findings(new: dict[str, Any], old: dict[str, Any], mode: Mode) -> set[tuple[str, str, int | None]]:
    return {(i.path, i.rule, i.version) for i in check(new, [(1, old)], mode)}


FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(schema=schemas)
def test_a_schema_is_compatible_with_itself_in_every_mode(schema: dict[str, Any]) -> None:
    for mode in Mode:
        assert check(copy.deepcopy(schema), [(1, schema), (2, schema)], mode) == []


@st.composite
def neighbours(draw: st.DrawFn, schema: dict[str, Any]) -> dict[str, Any]:
    """A schema a few edits away from ``schema`` (so compatible pairs are common and close)."""
    new = copy.deepcopy(schema)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(NAMES))
        edit = draw(st.sampled_from(["replace", "drop", "require", "unrequire", "open", "close", "tweak"]))
        if edit == "replace":
            new["properties"][name] = draw(scalars)
        elif edit == "drop":
            new["properties"].pop(name, None)
        elif edit == "require" and name not in new["required"]:
            new["required"].append(name)
        elif edit == "unrequire" and name in new["required"]:
            new["required"].remove(name)
        elif edit in {"open", "close"}:
            new["additionalProperties"] = edit == "open"
        elif edit == "tweak" and isinstance(new["properties"].get(name), dict):
            new["properties"][name] = {**new["properties"][name], **draw(scalars)}
    return new


pairs = schemas.flatmap(lambda old: st.tuples(st.just(old), neighbours(old) | schemas))


@settings(
    max_examples=int(os.environ.get("DEEP_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(pair=pairs, data=st.data())
def test_backward_compatible_means_new_accepts_what_old_accepts(
    pair: tuple[dict[str, Any], dict[str, Any]], data: st.DataObject
) -> None:
    old, new = pair
    assume(check(new, [(1, old)], Mode.BACKWARD) == [])
    old_check = Draft202012Validator(old, format_checker=FormatChecker())
    new_check = Draft202012Validator(new, format_checker=FormatChecker())
    for _ in range(15):
        instance = data.draw(instances)
        if old_check.is_valid(instance):
            assert new_check.is_valid(instance), f"said compatible, but new rejects {instance!r}"


@FAST
@given(schema=closed_schemas, field=scalars, name=st.sampled_from(["new_field", "note"]))
def test_adding_an_optional_field_to_a_closed_schema_is_backward_compatible(
    schema: dict[str, Any], field: dict[str, Any], name: str
) -> None:
    new = copy.deepcopy(schema)
    new["properties"][name] = field
    assert check(new, [(1, schema)], Mode.BACKWARD) == []


@FAST
@given(old=schemas, new=schemas)
def test_full_is_exactly_backward_plus_forward(old: dict[str, Any], new: dict[str, Any]) -> None:
    full = findings(new, old, Mode.FULL)
    assert full == findings(new, old, Mode.BACKWARD) | findings(new, old, Mode.FORWARD)
    if not full:
        assert not findings(new, old, Mode.BACKWARD) and not findings(new, old, Mode.FORWARD)


@FAST
@given(history=st.lists(schemas, min_size=1, max_size=3), new=schemas)
def test_transitive_finds_what_non_transitive_finds_against_the_latest(
    history: list[dict[str, Any]], new: dict[str, Any]
) -> None:
    versions = list(enumerate(history, start=1))
    for plain, transitive in [
        (Mode.BACKWARD, Mode.BACKWARD_TRANSITIVE),
        (Mode.FORWARD, Mode.FORWARD_TRANSITIVE),
        (Mode.FULL, Mode.FULL_TRANSITIVE),
    ]:
        latest = set(check(new, versions, plain))
        every = set(check(new, versions, transitive))
        assert latest <= every
        assert {i for i in every if i.version == len(history)} == latest


@FAST
@given(a=schemas, b=schemas)
def test_backward_one_way_is_forward_the_other_way(a: dict[str, Any], b: dict[str, Any]) -> None:
    backward = {i.path for i in check(a, [(1, b)], Mode.BACKWARD)}
    forward = {i.path for i in check(b, [(1, a)], Mode.FORWARD)}
    assert backward == forward
