"""Run a receiver example of docs/examples as its own process, and read what it reports.

The Node example's one dependency (``standardwebhooks``, pinned in its package.json) is installed
with npm into the cache outside the clone (``HUB_CACHE_DIR/docs-examples/node``), once per
version of that package.json, and found through ``NODE_PATH``; nothing is vendored in the clone.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
STARTUP_S = 20.0
REPORT_S = 10.0


@dataclass
class Receiver:
    url: str
    lines: queue.Queue[str]

    def report(self) -> dict[str, Any]:
        """The next JSON line the receiver printed (one per push it took)."""
        found: dict[str, Any] = json.loads(self.lines.get(timeout=REPORT_S))
        return found

    def quiet(self) -> bool:
        """Whether it printed nothing more (a refused push is reported by its status alone)."""
        return self.lines.empty()


def python_command() -> list[str]:
    return [sys.executable, str(EXAMPLES / "python" / "receiver.py")]


def node_command() -> tuple[list[str], dict[str, str]]:
    """``node receiver.cjs`` with NODE_PATH at the cached install of its package.json."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "node and npm are needed for the Node example"
    return [node, str(EXAMPLES / "node" / "receiver.cjs")], {"NODE_PATH": str(node_modules(npm))}


def node_modules(npm: str) -> Path:
    manifest = EXAMPLES / "node" / "package.json"
    pin = hashlib.sha256(manifest.read_bytes()).hexdigest()[:12]
    cache = Path(os.environ.get("HUB_CACHE_DIR", Path.home() / ".cache" / "gov-data-hub"))
    folder = cache / "docs-examples" / "node" / pin
    if not (folder / "node_modules" / "standardwebhooks").is_dir():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(manifest, folder / "package.json")
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"npm install in {folder} failed:\n{result.stderr}"
    return folder / "node_modules"


def _forward(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)


@contextmanager
def running(
    command: list[str], secrets: list[str], extra_env: dict[str, str] | None = None
) -> Iterator[Receiver]:
    """Start the example on a free port with ``WEBHOOK_SECRET``; stop it on the way out."""
    env = {**os.environ, **(extra_env or {}), "WEBHOOK_SECRET": " ".join(secrets), "PORT": "0"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=_forward, args=(stdout, lines), daemon=True)
    reader.start()
    try:
        first = lines.get(timeout=STARTUP_S)
        assert first.startswith("listening on "), first
        yield Receiver(first.removeprefix("listening on ").strip() + "/hook", lines)
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)  # it ends at the end of the output, before the pipe is closed
        stdout.close()
