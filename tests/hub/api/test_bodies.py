"""The nesting measure that keeps recursive checks away from the stack limit."""

from __future__ import annotations

from typing import Any

import pytest

from hub.api.bodies import json_depth


@pytest.mark.parametrize(
    ("document", "depth"),
    [(1, 0), ("x", 0), ({}, 1), ([], 1), ({"a": [1, {"b": None}]}, 3), ([[[[]]], {}], 4)],
)
def test_json_depth(document: Any, depth: int) -> None:
    assert json_depth(document) == depth


def test_json_depth_of_a_very_deep_document_does_not_recurse() -> None:
    document: Any = []
    for _ in range(100_000):
        document = [document]
    assert json_depth(document) == 100_001
