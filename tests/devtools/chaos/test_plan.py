"""The chaos plan: process names per count, the scaled-out defaults, and a scale-out fault
refused where no survivor could carry the work."""

from __future__ import annotations

import pytest

from devtools.chaos.scenario import SCALE_OUT_FAULT, ChaosPlan
from schemas.errors import LocalServiceError


def test_a_single_process_plan_keeps_the_names_the_faults_use() -> None:
    assert ChaosPlan().hub_processes == ["hub-api", "hub-connect", "hub-run"]


def test_the_scaled_out_plan_runs_three_brokers_three_runs_two_connects() -> None:
    plan = ChaosPlan.scaled_out(changes=10)
    assert (plan.brokers, plan.runs, plan.connects, plan.changes) == (3, 3, 2, 10)
    assert plan.faults == (SCALE_OUT_FAULT,)
    assert plan.connect_names == ["hub-connect", "hub-connect-2"]
    assert plan.run_names == ["hub-run", "hub-run-2", "hub-run-3"]


def test_killing_one_of_each_needs_a_survivor_of_each() -> None:
    with pytest.raises(LocalServiceError, match="needs at least 2 brokers"):
        ChaosPlan(faults=(SCALE_OUT_FAULT,), brokers=3, runs=1, connects=2)
