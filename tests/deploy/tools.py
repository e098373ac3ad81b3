"""The pinned validators of deploy/ (helm, kubeconform, promtool, the compose loader, the schemas).

``deploy/tools/install.sh`` installs them outside the clone once per machine (a present tool
costs nothing); a test that needs one asks here, and fails with the installer's message when it
cannot be had: never a skip.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CHART = DEPLOY / "helm" / "gov-data-hub"
INSTALL = DEPLOY / "tools" / "install.sh"


def tools_bin() -> Path:
    return Path(os.environ.get("HUB_TOOLS_BIN", Path.home() / "go" / "bin"))


def tools_cache() -> Path:
    return Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "gov-data-hub")) / "deploy-tools"


@functools.cache
def installed(tool: str) -> None:
    result = subprocess.run([str(INSTALL), tool], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise AssertionError(f"cannot install {tool} ({INSTALL}):\n{result.stderr}{result.stdout}")


def binary(name: str) -> str:
    installed("composecheck" if name == "hub-composecheck" else name)
    return str(tools_bin() / name)


def k8s_schema_dir() -> Path:
    """kubeconform's layout: ``v<version>-local[-strict]/<kind>-<group>-<version>.json``."""
    installed("k8s-schemas")
    return tools_cache() / "k8s-schemas" / "kubeconform"


def kubernetes_version() -> str:
    """The Kubernetes version whose schemas the installer pinned (from the directory it wrote)."""
    (strict,) = k8s_schema_dir().glob("v*-local-strict")
    return strict.name.removeprefix("v").removesuffix("-local-strict")


def crd_modules() -> Path:
    installed("crd-models")
    return tools_cache() / "npm" / "node_modules"


def run(args: list[str], *, stdin: str | None = None, cwd: Path | None = None) -> str:
    """Run a validator; a non-zero exit fails the test with everything it printed."""
    result = subprocess.run(args, input=stdin, capture_output=True, text=True, cwd=cwd, check=False)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


def run_failing(args: list[str]) -> str:
    """Run a validator expected to reject its input; returns what it printed."""
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode != 0, f"{' '.join(args)} accepted what it should reject:\n{result.stdout}"
    return result.stdout + result.stderr


def as_json(documents: list[dict[str, Any]]) -> str:
    return json.dumps(documents)
