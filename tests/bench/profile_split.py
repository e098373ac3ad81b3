"""Where a capture task's CPU goes, from a py-spy ``record -f raw`` profile: a share per stage.

``python -m tests.bench.profile_split PROFILE.txt...`` prints one Markdown table per profile.
A sample belongs to the first stage (in the order below) one of whose markers appears anywhere
in its stack, so a stage owns everything it calls (a contract check's pydantic dump counts as
the contract check, not as event building). One-time work of ``tests.bench.capture_profile``
(imports, the database and its rows, loading the admin-unit dataset) is counted apart and
left out of the shares.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

SETUP = "(setup, left out)"
STAGES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (SETUP, ("EpollSelector.select (",  # the loop waiting for I/O: sampled as running under load
             "importlib", "tests/bench/parcels.py", "parcel_changes.py", "admin_units/_dataset",
             "admin_units/_names", "warm_up", "concurrent/futures/thread.py")),
    ("contract validation", ("schemas/contracts/", "connectors/contracts.py")),
    ("admin-unit normalisation",
     ("_admin_units (", "_checked (connectors/publisher.py", "schemas/admin_units")),
    ("spans (no tracer)", ("opentelemetry", "_capture_span", "schemas/tracing", "_end_send_spans")),
    ("Kafka encoding (to_kafka, JSON)", ("kafka_codec", "_encoded (", "quarantine_record")),
    ("envelope, event build", ("connectors/envelope.py", "Envelope.", "schemas/events", "pydantic")),
    ("record memory, mapping", ("record_memory", "connectors/mapping")),
    ("Kafka send (aiokafka, bus)", ("aiokafka", "bus/")),
    ("reading the source (pgoutput, snapshot)", ("connectors/postgres", "psycopg")),
    ("publisher, other", ("connectors/publisher.py",)),
    ("task loop, in-flight, asyncio", ("",)),
)  # fmt: skip


def split(lines: list[str]) -> Counter[str]:
    """Samples per stage (``SETUP`` included) of a raw profile's lines (``stack count``)."""
    found: Counter[str] = Counter()
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack:
            continue
        stage = next(name for name, markers in STAGES if any(m in stack for m in markers))
        found[stage] += int(count)
    return found


def table(found: Counter[str]) -> str:
    work = sum(n for stage, n in found.items() if stage != SETUP) or 1
    rows = [f"| {stage} | {100 * found[stage] / work:.1f}% |" for stage, _ in STAGES[1:]]
    return "\n".join([f"| stage ({work} samples) | share |", "|---|---:|", *rows])


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}\n{table(split(Path(name).read_text().splitlines()))}\n")
