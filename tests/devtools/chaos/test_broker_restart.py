"""Processes follow the broker: a broker stopped and started again during load ends with every
change delivered, with no process restarted, and every hub process stops within seconds of
SIGTERM while the broker is down.

The broker here is the test's own (``devtools.chaos.private_stack``, in ``tmp_path``): stopping
the shared one would break every other test running against it. The source tables live in a
fresh database of the shared PostgreSQL, which nothing stops.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from devtools.chaos import scenario
from hub.settings import Settings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]
STOP_LIMIT_S = 5.0


def test_processes_recover_from_a_broker_restart_and_stop_quickly_with_it_down(
    base_settings: Settings, postgres_dsn: str, pg_database: str, tmp_path: Path
) -> None:
    plan = scenario.ChaosPlan(
        changes=600, rate_per_s=40, broker_down_s=8, gap_s=4, drain_timeout_s=240,
        faults=("broker-restart",), database=str(psycopg.conninfo.conninfo_to_dict(pg_database)["dbname"]),
    )  # fmt: skip
    said: list[str] = []
    settings = base_settings.model_copy(update={"state_dir": tmp_path})
    result = scenario.run(settings, plan, said.append, postgres_dsn=postgres_dsn)
    story = "\n".join(said)
    assert any("broker started again" in line for line in said), story
    assert result.recovered, f"exited by themselves: {result.exits}\n{story}"
    assert result.restarts == {}
    for verdict in result.verdicts:
        assert verdict.passed, f"{verdict}\n{story}"
        assert verdict.received == verdict.expected == result.committed
    for name in ("hub-run", "hub-connect", "hub-api"):
        took, code = result.stop_times[name]
        assert took is not None, f"{name} still ran {scenario.STOP_WATCH_S:g}s after SIGTERM\n{story}"
        assert took <= STOP_LIMIT_S, f"{name} took {took:.1f}s to stop (exit {code})\n{story}"
