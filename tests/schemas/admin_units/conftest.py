"""One dataset load and one normaliser for the whole package's tests (building takes ~0.3 s)."""

from __future__ import annotations

import pytest

from schemas.admin_units import Normaliser, default_normaliser
from schemas.admin_units._dataset import Dataset, load


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    return load()


@pytest.fixture(scope="session")
def units() -> Normaliser:
    return default_normaliser()
