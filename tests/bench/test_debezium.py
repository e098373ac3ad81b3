"""The side-by-side benchmark's own logic: the one-line skip without jars, the goals of issue 13
beside the ratios, and Debezium's configuration (pgoutput, its own slot, the tuned poll)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hub.settings import Settings
from schemas.errors import LocalServiceError
from tests.bench import cpu_use, debezium, kafka_connect
from tests.bench.debezium import Run
from tests.bench.parcel_changes import Seen
from tests.bench.sizes import QUICK


def latencies_ms(*values: float) -> Run:
    return Run(0.0, [Seen(b"k", 1, 1.0, committed=0.0, at=value / 1000) for value in values])


async def test_without_the_jars_it_is_skipped_with_one_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def unavailable(settings: Settings) -> None:
        raise LocalServiceError("Maven (mvn) is not installed")

    monkeypatch.setattr(kafka_connect, "ensure_jars", unavailable)
    with caplog.at_level(logging.WARNING, logger="tests.bench.debezium"):
        found = await debezium.run("dsn", "127.0.0.1:1", Settings(), QUICK, "r")
    assert found == []
    assert [r.getMessage() for r in caplog.records] == [
        "debezium: skipped, Debezium cannot run here: Maven (mvn) is not installed"
    ]


def test_throughput_goal_is_twice_debezium() -> None:
    met = debezium._rate("snapshot", "rows/s", [[Run(300.0), Run(410.0)], [Run(200.0)]], goal=2.0)
    assert (met.ours, met.baseline, met.target, met.met) == (410.0, 200.0, ">= 2x Debezium", True)
    missed = debezium._rate("snapshot", "rows/s", [[Run(390.0)], [Run(200.0)]], goal=2.0)
    assert missed.met is False


def test_latency_goals_need_the_bound_and_to_beat_debezium() -> None:
    ours = [latencies_ms(*([5.0] * 98), 12.0, 90.0)]
    theirs = [latencies_ms(*([6.0] * 98), 11.0, 95.0)]
    found = {m.name.split()[3]: m for m in debezium._latencies("(x)", [ours, theirs])}
    assert (found["p50"].ours, found["p50"].met) == (5.0, True)
    assert (found["p99"].ours, found["p99"].baseline, found["p99"].met) == (12.0, 11.0, False)
    assert (found["max"].ours, found["max"].met) == (90.0, True)


def test_ours_in_the_benchs_process_is_shown_beside_debezium_without_a_goal() -> None:
    runs = [[latencies_ms(5.0, 5.0)], [latencies_ms(6.0, 6.0)]]
    found = debezium._latencies("(x), ours in the bench's process", runs, goals=False)
    assert {(m.ours, m.baseline, m.target, m.met) for m in found} == {(5.0, 6.0, "", None)}


def test_debezium_reads_with_pgoutput_from_a_slot_of_its_own() -> None:
    config = kafka_connect.postgres_connector(
        "postgresql://postgres@127.0.0.1:15432/bench_x", "benchr1", snapshot=False, poll_interval_ms=10
    )
    assert config["plugin.name"] == "pgoutput"
    assert config["slot.name"] == config["publication.name"] == "dbz_benchr1"
    assert (config["database.dbname"], config["database.port"]) == ("bench_x", "15432")
    assert config["snapshot.mode"] == "no_data"
    assert config["poll.interval.ms"] == "10"
    assert "poll.interval.ms" not in kafka_connect.postgres_connector(
        "postgresql://postgres@127.0.0.1/b", "p", snapshot=True, poll_interval_ms=None
    )


def test_the_worker_converts_json_without_schemas_and_listens_on_loopback(tmp_path: Path) -> None:
    text = kafka_connect.worker_properties("127.0.0.1:19092", 8083, tmp_path)
    lines = dict(line.split("=", 1) for line in text.splitlines())
    assert lines["value.converter.schemas.enable"] == lines["key.converter.schemas.enable"] == "false"
    assert lines["listeners"] == "http://127.0.0.1:8083"


def test_cpu_per_row_goal_is_below_debezium_and_the_shared_parties_are_shown() -> None:
    def run(rate: float, side_us: float, postgres_us: float, window_s: float = 0.1) -> Run:
        rows = 1000  # CPU seconds of the window, as the meter gives them
        used = {cpu_use.SIDE: side_us * rows / 1e6, cpu_use.POSTGRES: postgres_us * rows / 1e6}
        return Run(
            rate, cpu_us=cpu_use.per_row_us(used, rows), cores=cpu_use.cores(used | {cpu_use.WALL: window_s})
        )

    ours = [run(1000.0, 90.0, 10.0), run(2000.0, 110.0, 20.0)]  # the fastest run's CPU counts
    theirs, sharded = [run(1000.0, 120.0, 30.0, window_s=0.2)], [run(3000.0, 130.0, 5.0)]
    found = {m.name: m for m in debezium._cpu("snapshot", [ours, theirs, sharded])}
    one = found["snapshot: CPU of ours (task processes)"]
    assert (one.ours, one.baseline) == pytest.approx((110.0, 120.0))
    assert (one.unit, one.target, one.met) == ("µs/row", "< Debezium", True)
    cores = found["snapshot: cores used by ours (task processes)"]
    assert (cores.ours, cores.baseline) == pytest.approx((1.1, 0.6))
    two = found["snapshot: CPU of ours tasks=2 (task processes)"]
    assert two.ours == pytest.approx(130.0)
    assert two.met is False
    postgres = found["snapshot: PostgreSQL CPU while ours ran"]
    assert (postgres.ours, postgres.baseline) == pytest.approx((20.0, 30.0))
    assert postgres.met is None
    assert len(found) == 6  # no broker nor machine time was measured: no rows for them
