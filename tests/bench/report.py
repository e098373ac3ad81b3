"""What a benchmark run found, printed as one table and kept as JSON for comparison.

Every measurement pairs our number with a baseline measured in the same run on the same
servers, so the ratio (ours / baseline) means something on any machine while the absolute
numbers only describe this one. ``goal`` says which way is better: throughputs want a high
ratio (1.0 = as fast as the bare tool), latencies a low one (1.0 = no slower than it).
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from rich.console import Console
from rich.table import Table

Goal = Literal["higher", "lower"]


@dataclass(frozen=True)
class Measurement:
    bench: str  # the benchmark module that measured it
    name: str  # what was measured, with its size
    unit: str
    ours: float
    baseline: float
    baseline_name: str  # what the baseline is, in a few words
    goal: Goal
    target: str = ""  # the goal an issue set for it, in words ("<= 15 ms and < Debezium")
    met: bool | None = None  # whether this run met ``target``

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else float("nan")


def throughput(bench: str, name: str, unit: str, ours: float, baseline: float, against: str) -> Measurement:
    return Measurement(bench, name, unit, ours, baseline, against, "higher")


def latency(bench: str, name: str, ours: float, baseline: float, against: str) -> Measurement:
    return Measurement(bench, name, "ms", ours, baseline, against, "lower")


def show(measurements: Sequence[Measurement], elapsed_s: float, console: Console | None = None) -> None:
    table = Table(title=f"make bench ({elapsed_s:.0f} s)", show_lines=False)
    for column in ("bench", "measure", "ours", "baseline", "ratio", "unit", "baseline is", "goal"):
        justify = "right" if column in ("ours", "baseline", "ratio") else "left"
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for m in measurements:
        arrow = "↑" if m.goal == "higher" else "↓"
        table.add_row(
            m.bench, m.name, _number(m.ours), _number(m.baseline), f"{m.ratio:.2f}", f"{m.unit} {arrow}",
            m.baseline_name, _target(m),
        )  # fmt: skip
    (console or Console()).print(table)


def _target(m: Measurement) -> str:
    if not m.target:
        return ""
    return f"{m.target}: {'met' if m.met else 'NOT met'}"


def _number(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def write(measurements: Sequence[Measurement], path: Path, elapsed_s: float, quick: bool) -> None:
    document: dict[str, Any] = {
        "finished_at": datetime.now(UTC).isoformat(),
        "quick": quick,
        "elapsed_s": round(elapsed_s, 1),
        "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()},
        "measurements": [{**asdict(m), "ratio": round(m.ratio, 4)} for m in measurements],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


__all__ = ["Goal", "Measurement", "latency", "show", "throughput", "write"]
