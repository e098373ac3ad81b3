"""Every access test also proves that no secret reached a log line while it ran."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.hub.access.leaks import no_secret_in_logs


@pytest.fixture(autouse=True)
def _no_secret_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    with no_secret_in_logs(caplog):
        yield
