"""The chaos suite's tables: the verdict per portal, the faults as they happened, the stop times."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from devtools.chaos.scenario import ChaosResult

STOP_LIMIT_S = 5.0


def verdict_table(result: ChaosResult) -> Table:
    recovered = "yes" if result.recovered else f"no: exited {result.exits}"
    title = f"{result.committed} changes committed; processes recovered by themselves: {recovered}"
    table = Table(title=title)
    columns = ("portal", "mode", "expected", "received", "lost", "dup. other id", "dup. same id",
               "order inversions", "verdict")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="left" if column in ("portal", "mode", "verdict") else "right")
    for v in result.verdicts:
        verdict = "pass" if v.passed else "FAIL"
        if v.extra:
            verdict += f" ({v.extra} never committed)"
        table.add_row(
            v.portal, v.mode, str(v.expected), str(v.received), str(v.lost), str(v.duplicates_other_id),
            str(v.duplicates_same_id), str(v.inversions), verdict,
        )  # fmt: skip
    return table


def stop_table(result: ChaosResult) -> Table:
    table = Table(title="SIGTERM with the broker down")
    for column in ("process", "exited after", "exit code", "within 5 s"):
        table.add_column(column)
    for name, (took, code) in result.stop_times.items():
        within = took is not None and took <= STOP_LIMIT_S
        shown = f"{took:.1f} s" if took is not None else "still running (killed)"
        table.add_row(name, shown, "" if code is None else str(code), "yes" if within else "NO")
    return table


def show(console: Console, result: ChaosResult) -> None:
    console.print(verdict_table(result))
    console.print(stop_table(result))
    drained = "never" if result.drained_in_s is None else f"{result.drained_in_s:.0f} s"
    console.print(f"portals complete {drained} after the last change")
    plan = result.plan
    console.print(f"processes: {plan.brokers} broker(s), {plan.runs} hub run, {plan.connects} hub connect")
    if result.complete_after_kill_s is not None:
        took = f"{result.complete_after_kill_s:.0f} s"
        console.print(f"portals held the committed count {took} after the SIGKILLs (lost/duplicates: above)")
    console.print(f"restarts made by the suite (after its SIGKILLs): {result.restarts}")
    console.print("chaos passed" if result.passed else "[red]chaos FAILED[/red]")


__all__ = ["show", "stop_table", "verdict_table"]
