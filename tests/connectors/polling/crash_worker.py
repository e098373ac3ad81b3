"""A connector worker process for the crash test: the real runtime task over one sql_polling config.

    python -m tests.connectors.polling.crash_worker CONFIG_JSON POSITIONS_JSON BOOTSTRAP

It runs ``ConnectorTask`` (read -> publish -> Kafka acks -> save position -> source commit) until
it is killed. Positions are saved to a JSON file, atomically and durably (write, fsync, rename),
standing in for the control-plane store, so a SIGKILL leaves the last saved position behind
exactly as a crashed worker leaves its row in the store.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from connectors import registry
from connectors.task import ConnectorTask
from schemas.events import ChangePayload


class FilePositions:
    def __init__(self, path: Path) -> None:
        self.path = path

    async def load(self, connector: str) -> str | None:
        if not self.path.exists():
            return None
        position: str | None = json.loads(self.path.read_text()).get(connector)
        return position

    async def save(self, connector: str, position: str) -> None:
        spare = self.path.with_suffix(".tmp")
        with spare.open("w") as file:
            json.dump({connector: position}, file)
            file.flush()
            os.fsync(file.fileno())
        spare.replace(self.path)


def any_row(event_type: str, payload: ChangePayload) -> str | None:
    """No contract to check in this test: every row goes to the feed topic."""
    return None


async def main(config_file: str, positions_file: str, bootstrap: str) -> None:
    document = json.loads(await asyncio.to_thread(Path(config_file).read_text))
    config = registry.parse_config(document)
    task = ConnectorTask(
        config, bootstrap=bootstrap, positions=FilePositions(Path(positions_file)), contracts=any_row
    )
    task.start()
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
