"""A private, migrated SQLite control-plane store per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import migrate
from hub.store.base import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'hub.sqlite'}"
    migrate.upgrade(url)
    made = Store(url)
    yield made
    made.engine.dispose()
