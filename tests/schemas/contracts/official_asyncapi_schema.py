"""The official AsyncAPI 3.0.0 JSON Schema, from the AsyncAPI Initiative's ``@asyncapi/specs``
package (Apache-2.0), fetched once by pinned version and integrity hash with ``npm pack`` into
the git-ignored cache, the way the dev stack fetches the Kafka jars from Maven Central.

No PyPI package carries this schema (the Python AsyncAPI libraries checked ship pydantic models
or code generators, not the specification's JSON Schema), so the npm registry is its one
official, versioned source. Returns None when ``npm`` is not installed, so the caller can skip.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

PACKAGE = "@asyncapi/specs@6.11.1"
TARBALL = "asyncapi-specs-6.11.1.tgz"
INTEGRITY = "sha512-A3WBLqAKGoJ2+6FWFtpjBlCQ1oFCcs4GxF7zsIGvNqp/klGUHjlA3aAcZ9XMMpLGE8zPeYDz2x9FmO6DSuKraQ=="
MEMBER = "package/schemas/3.0.0-without-$id.json"


def load(cache_dir: Path) -> dict[str, Any] | None:
    folder = cache_dir / "npm"
    tarball = folder / TARBALL
    if not tarball.is_file():
        npm = shutil.which("npm")
        if npm is None:
            return None
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [npm, "pack", PACKAGE, "--pack-destination", str(folder), "--silent"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
    digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
    if digest != INTEGRITY:
        tarball.unlink()
        raise AssertionError(f"{tarball} does not match the pinned integrity hash")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile(MEMBER)
        assert member is not None, MEMBER
        schema: dict[str, Any] = json.load(member)
    return schema
