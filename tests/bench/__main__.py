"""``make bench``: every benchmark against its baseline, one table, JSON in .local/bench/latest.json.

Starts the local Kafka and PostgreSQL when they are not running (and stops them again at the
end, only if this run started them); every benchmark works in its own database, topics and
processes, and removes them when it is done. Only 127.0.0.1 is ever contacted (or the servers
``HUB_KAFKA_BOOTSTRAP`` / ``HUB_POSTGRES_DSN`` name).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from devtools.devstack import stack
from hub.settings import Settings
from tests.bench import (
    backfill,
    capture,
    cleanup,
    debezium,
    delivery,
    isolation,
    latency,
    publish,
    records,
    report,
    routing,
    subscriptions,
)
from tests.bench.report import Measurement
from tests.bench.sizes import FULL, QUICK, Sizes


@dataclass(frozen=True)
class Run:
    """What every benchmark gets: the servers, the sizes, and an id its names carry."""

    settings: Settings
    bootstrap: str
    postgres_dsn: str
    sizes: Sizes
    run_id: str
    debezium_trials: tuple[str, ...] = debezium.TRIALS
    subscriptions: int = 100  # the subscriptions benchmark's count


Benchmark = Callable[[Run], Awaitable[list[Measurement]]]
BENCHMARKS: dict[str, Benchmark] = {
    "capture": lambda r: capture.run(r.postgres_dsn, r.bootstrap, r.sizes, r.run_id),
    "publish": lambda r: publish.run(r.bootstrap, r.sizes, r.run_id),
    "records": lambda r: records.run(r.postgres_dsn, r.bootstrap, r.sizes, r.run_id),
    "latency": lambda r: latency.run(r.postgres_dsn, r.bootstrap, r.settings, r.sizes, r.run_id),
    "delivery": lambda r: delivery.run(r.bootstrap, r.settings, r.sizes, r.run_id),
    "routing": lambda r: routing.run(r.sizes, r.run_id),
    "isolation": lambda r: isolation.run(r.postgres_dsn, r.bootstrap, r.settings, r.sizes, r.run_id),
    "backfill": lambda r: backfill.run(r.bootstrap, r.settings, r.sizes, r.run_id),
    "debezium": lambda r: debezium.run(
        r.postgres_dsn, r.bootstrap, r.settings, r.sizes, r.run_id, r.debezium_trials
    ),
    "subscriptions": lambda r: subscriptions.run(
        r.postgres_dsn, r.bootstrap, r.settings, r.sizes, r.run_id, r.subscriptions
    ),
}
console = Console(width=None if sys.stdout.isatty() else 160)  # a log file gets whole rows


async def run_all(run: Run, names: list[str]) -> tuple[list[Measurement], list[str]]:
    """Measurements of the benchmarks that finished, and the names of those that failed."""
    found: list[Measurement] = []
    failed: list[str] = []
    try:
        for name in names:
            started = time.perf_counter()
            try:
                found += await BENCHMARKS[name](run)
            except Exception:
                console.print_exception(max_frames=8)
                failed.append(name)
            console.log(f"{name}: {time.perf_counter() - started:.1f} s")
    finally:
        await cleanup.delete_topics(run.bootstrap, run.run_id)
    return found, failed


def _sizes(args: argparse.Namespace) -> Sizes:
    sizes = QUICK if args.quick else FULL
    if args.debezium_rows:
        sizes = replace(sizes, debezium_rows=args.debezium_rows)
    if args.debezium_rounds:
        sizes = replace(sizes, debezium_rounds=args.debezium_rounds)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run, noisier ratios)")
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    parser.add_argument(
        "--json", type=Path, help="where to write the results (default .local/bench/latest.json)"
    )
    parser.add_argument(
        "--debezium-rows", type=int, help="rows snapshotted and changes streamed side by side with Debezium"
    )
    parser.add_argument("--debezium-rounds", type=int, help="runs of each side, interleaved (default 2)")
    parser.add_argument(
        "--debezium-trials", nargs="+", choices=debezium.TRIALS, default=list(debezium.TRIALS),
        help="which side-by-side trials to run (default all)",
    )  # fmt: skip
    parser.add_argument(
        "--subscriptions", type=int, default=100, help="subscriptions of the one `hub run` (default 100)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    endpoints = stack.ensure(settings)
    started = time.perf_counter()
    try:
        run = Run(
            settings,
            endpoints.kafka_bootstrap,
            endpoints.postgres_dsn,
            _sizes(args),
            uuid.uuid4().hex[:8],
            tuple(args.debezium_trials),
            args.subscriptions,
        )
        measurements, failed = asyncio.run(run_all(run, args.only))
    finally:
        if endpoints.started:
            stack.stop(settings, only=endpoints.started)
    elapsed = time.perf_counter() - started
    report.show(measurements, elapsed, console)
    path = args.json or settings.state_dir / "bench" / "latest.json"
    report.write(measurements, path, elapsed, args.quick)
    console.print(f"written to {path}" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
