"""Pinned jars from Maven Central, resolved once into a cache outside the clone.

A POM in ``deploy/`` pins what a Java service needs; ``mvn dependency:copy-dependencies``
copies its runtime closure into ``<cache>/<name>-<version>-<POM hash>/libs`` (downloads land in
Maven's ``~/.m2``). A ``.complete`` marker is written last, so a half-finished copy is redone and
a finished one, even from a fresh clone on the same machine, downloads nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

from schemas.errors import LocalServiceError


def libs_dir(cache_dir: Path, name: str, version: str, pom: Path) -> Path:
    """Keyed by version and POM content, so a changed POM resolves a fresh set of jars."""
    pom_hash = hashlib.sha256(pom.read_bytes()).hexdigest()[:10]
    return cache_dir / f"{name}-{version}-{pom_hash}" / "libs"


def resolve(libs: Path, pom: Path, properties: Mapping[str, str], what: str) -> Path:
    """The directory holding every jar of ``pom``; resolved with Maven only the first time.

    Raises ``LocalServiceError`` naming ``what`` when Maven is missing or cannot download.
    """
    done = libs / ".complete"
    if done.exists():
        return libs
    if shutil.which("mvn") is None:
        raise LocalServiceError("Maven (mvn) is not installed: install it (apt-get install maven).")
    libs.mkdir(parents=True, exist_ok=True)
    cmd = [
        "mvn", "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
        *(f"-D{key}={value}" for key, value in properties.items()),
        "-DincludeScope=runtime", f"-DoutputDirectory={libs}",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
    if proc.returncode != 0:
        last = (proc.stdout + proc.stderr).strip().splitlines()[-3:]
        raise LocalServiceError(
            f"Downloading the {what} jars failed (check network access to Maven Central): {' | '.join(last)}"
        )
    done.touch()
    return libs


__all__ = ["libs_dir", "resolve"]
