"""The changes the side-by-side trials commit, and the check that a topic holds them all in order.

A workload of N changes touches N/2 parcels twice: each is inserted, then updated ``LAG``
changes later (``area_m2`` + 1,000), so every key has two changes whose order a reader can see.
Run as a module it commits a workload from its own process (``python -m tests.bench.parcel_changes
DSN COUNT [--rate R] [--inserts [--first N]]``), one change per transaction, so the writer never shares a CPU
interpreter with the connector under test; it prints when it started and ended (epoch seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import psycopg

from tests.bench import parcels
from tests.connectors import land_parcels

LAG = 100  # changes between a parcel's insert and its update
CATCH_UP_S = 0.005  # how far behind its schedule a paced writer may catch up (see ``commit``)
UPDATE = (
    f"UPDATE {parcels.TABLE} SET area_m2 = area_m2 + 1000 "  # noqa: S608  # a constant table name
    "WHERE commune_code = %s AND map_sheet_no = %s AND parcel_no = %s"
)
Kind = Literal["insert", "update"]
Change = tuple[Kind, int]


def workload(count: int, *, inserts_only: bool = False, first: int = 1) -> list[Change]:
    """``count`` changes: parcels 1..count/2 each inserted, then updated LAG changes later (with
    ``inserts_only``, parcels ``first``..``first + count - 1`` inserted)."""
    if inserts_only:
        return [("insert", number) for number in range(first, first + count)]
    parcels_n = count // 2
    found: list[Change] = []
    for number in range(1, parcels_n + 1):
        found.append(("insert", number))
        if number > LAG:
            found.append(("update", number - LAG))
    found += [("update", number) for number in range(max(1, parcels_n - LAG + 1), parcels_n + 1)]
    return found


def area(number: int, kind: Kind) -> float:
    """``area_m2`` after the change: what identifies it (and its order) on the topic."""
    first = float(parcels.parcel(number)[3])
    return first if kind == "insert" else first + 1000


def commit(
    dsn: str, changes: Sequence[Change], *, per_transaction: int = 1, rate: float | None = None
) -> None:
    """Commit ``changes`` in order; with ``rate``, one transaction every 1/rate s, steadily.

    A writer that fell behind catches up by at most ``CATCH_UP_S``: on schedule from the start,
    a slow first few commits (a cold connection on a loaded machine) were followed by a burst of
    about a thousand at several thousand a second, which the latency trials then measured as
    the hub's (or the connector's) tail instead of a steady rate's.
    """
    with psycopg.connect(dsn, autocommit=per_transaction == 1) as conn:
        due = time.perf_counter()
        for index in range(0, len(changes), per_transaction):
            chunk = changes[index : index + per_transaction]
            if per_transaction == 1:
                _execute(conn, chunk)
            else:
                with conn.transaction():
                    _execute(conn, chunk)
            if rate is None:
                continue
            due = next_due(due, rate, time.perf_counter())
            if (delay := due - time.perf_counter()) > 0:
                time.sleep(delay)


def next_due(due: float, rate: float, now: float) -> float:
    """When the next transaction is due after one due at ``due``: on schedule, but never more than
    ``CATCH_UP_S`` in the past (so a writer that fell behind does not burst)."""
    return max(due + 1 / rate, now - CATCH_UP_S)


def _execute(conn: psycopg.Connection[tuple[object, ...]], chunk: Iterable[Change]) -> None:
    for kind, number in chunk:
        row = parcels.parcel(number)
        if kind == "insert":
            conn.execute(land_parcels.INSERT, row)
        else:
            conn.execute(UPDATE, (row[0], row[1], row[2]))


@dataclass(frozen=True)
class Seen:
    """One change as read back from a topic, whoever published it."""

    key: bytes
    parcel: int
    area: float
    committed: float  # the source commit time, epoch seconds
    at: float  # when the bench's consumer fetched it


@dataclass(frozen=True)
class Verdict:
    duplicates: int


class LostOrDisordered(AssertionError):
    """A trial's topic does not hold exactly the committed changes, in order per key."""


def check(seen: Sequence[Seen], changes: Sequence[Change], who: str) -> Verdict:
    """Every committed change read back, none extra, each key's changes in commit order.

    A change read twice (at-least-once delivery) is counted, not failed, as long as the copy does
    not come after a later change of the same key.
    """
    due: dict[int, list[float]] = defaultdict(list)
    for kind, number in changes:
        due[number].append(area(number, kind))
    got: dict[int, list[float]] = defaultdict(list)
    for one in seen:
        got[one.parcel].append(one.area)
    duplicates = 0
    for number, areas in got.items():
        distinct = list(dict.fromkeys(areas))  # first arrival of each change, in arrival order
        if distinct != due.get(number):
            raise LostOrDisordered(f"{who}: parcel {number} read as {areas}, committed as {due.get(number)}")
        duplicates += len(areas) - len(distinct)
        if areas != sorted(areas):
            raise LostOrDisordered(f"{who}: parcel {number} read out of order: {areas}")
    if missing := sorted(set(due) - set(got)):
        raise LostOrDisordered(f"{who}: {len(missing)} parcel(s) never read, first {missing[:5]}")
    return Verdict(duplicates)


async def commit_elsewhere(dsn: str, count: int, *options: str) -> tuple[float, float]:
    """Commit a workload from another process (``main``'s options): (started, ended), epoch seconds."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.bench.parcel_changes", dsn, str(count), *options,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the change writer failed ({process.returncode})")
    times = json.loads(out)
    return float(times["started"]), float(times["ended"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.parcel_changes")
    parser.add_argument("dsn")
    parser.add_argument("count", type=int)
    parser.add_argument("--rate", type=float, help="transactions per second (default: as fast as it can)")
    parser.add_argument("--inserts", action="store_true", help="only inserts, one new parcel per change")
    parser.add_argument("--first", type=int, default=1, help="with --inserts: the first parcel's number")
    args = parser.parse_args(argv)
    started = time.time()
    commit(args.dsn, workload(args.count, inserts_only=args.inserts, first=args.first), rate=args.rate)
    print(json.dumps({"started": started, "ended": time.time()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = [
    "LAG",
    "Change",
    "LostOrDisordered",
    "Seen",
    "Verdict",
    "area",
    "check",
    "commit",
    "commit_elsewhere",
    "workload",
]
