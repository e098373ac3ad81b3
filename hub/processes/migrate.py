"""``hub migrate``: bring the control-plane store up to date, then exit.

Every process also migrates at start, a no-op on an up-to-date store; a deployment runs this once
before rolling out new processes (the Helm chart's hook Job, compose's one-shot service) so that
replicas of a new version never race to apply a migration.
"""

from __future__ import annotations

from hub.settings import Settings
from hub.store import migrate


def main(settings: Settings) -> None:
    migrate.upgrade(settings.store_url())


__all__ = ["main"]
