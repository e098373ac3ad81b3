"""Rewrite kubernetes-validate's JSON schemas of one Kubernetes version for kubeconform.

Its schemas carry ``$id: https://kubernetes.io/api/...`` and reference
``/api/_definitions.json``, resolved by its own loader; kubeconform would fetch those URLs. Without
the ``$id`` and with the reference made relative, each schema resolves to the ``_definitions.json``
beside it, offline. Usage: k8s_schemas_for_kubeconform.py SOURCE_DIR TARGET_DIR VERSION
(VERSION as 1.34.0; the -local and -local-strict variants are both written).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def localised(node: Any) -> Any:
    """The schema without string ``$id`` keywords and with relative references (a property named
    ``$ref`` or ``$id``, as CustomResourceDefinition's schema has, is an object and kept)."""
    if isinstance(node, dict):
        return {
            k: v.replace("/api/_definitions.json#", "_definitions.json#")
            if k == "$ref" and isinstance(v, str)
            else localised(v)
            for k, v in node.items()
            if not (k == "$id" and isinstance(v, str))
        }
    if isinstance(node, list):
        return [localised(v) for v in node]
    return node


def main(source: Path, target: Path, version: str) -> None:
    for variant in ("local", "local-strict"):
        name = f"v{version}-{variant}"
        (target / name).mkdir(parents=True, exist_ok=True)
        for path in (source / name).glob("*.json"):
            (target / name / path.name).write_text(json.dumps(localised(json.loads(path.read_text()))))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3])
