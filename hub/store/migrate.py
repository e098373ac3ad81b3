"""Bring a store up to date with Alembic, programmatically (no alembic.ini needed).

Each area (contracts, connectors, subscriptions, access...) owns a branch of migrations rooted
at ``0000_base``, so areas evolve independently; ``upgrade`` applies every head, then loads the
built-in contract files into the contract registry (``hub.store.contract_seed``).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from hub.store import contract_seed

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "heads")
    contract_seed.seed(url)
