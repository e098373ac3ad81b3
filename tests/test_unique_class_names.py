"""Each public class name means one thing across the shipped packages.

Two classes with one name (a ``Watermark`` that is a polling position and another that is a
snapshot window's mark) make every import and every mention in a review ambiguous. Private
``_Names`` are local to their module and may repeat.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("hub", "connectors", "schemas", "bus")
# name -> why it may be defined more than once (keep short; prefer renaming).
ALLOWED: dict[str, str] = {}


def class_definitions() -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
                if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                    found[node.name].append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_two_public_classes_share_a_name() -> None:
    shared = {name: where for name, where in class_definitions().items() if len(where) > 1}
    assert {name: where for name, where in shared.items() if name not in ALLOWED} == {}


def test_the_allow_list_names_only_real_repeats() -> None:
    found = class_definitions()
    assert [name for name in ALLOWED if len(found.get(name, ())) < 2] == []
