"""Predicate semantics on dotted paths, including missing fields and deletes."""

from __future__ import annotations

from typing import Any

import pytest

from hub.routing.predicates import holds
from hub.subscriptions.model import Predicate
from schemas.events import Op
from tests.hub.routing.events import change

ROW = {"status": "active", "kind": 2, "flag": True, "tags": ["a", "b"], "nested": {"x": None}}


def check(path: str, op: str, value: Any = None, *, event_op: Op = Op.UPDATE) -> bool:
    event = change(op=event_op, after=ROW, before={"status": "draft"})
    return holds(Predicate.model_validate({"path": path, "op": op, "value": value}), event.data)


@pytest.mark.parametrize(
    ("path", "op", "value", "expected"),
    [
        ("after.status", "eq", "active", True),
        ("data.after.status", "eq", "active", True),
        ("status", "eq", "active", True),
        ("before.status", "eq", "draft", True),
        ("after.status", "ne", "draft", True),
        ("after.missing", "ne", "x", True),
        ("after.missing", "eq", None, False),
        ("after.kind", "in", [1, 2], True),
        ("after.kind", "in", ["2"], False),
        ("after.flag", "eq", 1, False),
        ("after.kind", "eq", True, False),
        ("after.status", "prefix", "act", True),
        ("after.kind", "prefix", "2", False),
        ("after.tags.1", "eq", "b", True),
        ("after.tags.5", "exists", None, False),
        ("after.nested.x", "exists", None, False),
        ("after.nested.x", "exists", False, True),
        ("after.status", "exists", True, True),
        ("op", "eq", "u", True),
        ("source.table", "eq", "birth", True),
    ],
)
def test_predicate(path: str, op: str, value: Any, expected: bool) -> None:
    assert check(path, op, value) is expected


def test_bare_path_reads_before_image_of_a_delete() -> None:
    assert check("status", "eq", "draft", event_op=Op.DELETE)
    assert not check("status", "eq", "active", event_op=Op.DELETE)


@pytest.mark.parametrize(("op", "value"), [("in", "not-a-list"), ("prefix", 3), ("exists", "yes")])
def test_value_must_fit_op(op: str, value: Any) -> None:
    with pytest.raises(ValueError, match=op):
        Predicate.model_validate({"path": "after.x", "op": op, "value": value})
