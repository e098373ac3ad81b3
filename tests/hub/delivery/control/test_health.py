"""Failing long enough makes a subscription unhealthy, then disabled; a success heals it."""

from __future__ import annotations

from hub.delivery.control.health import Health, Transition


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_unhealthy_then_disabled_with_reason() -> None:
    clock = Clock()
    health = Health(unhealthy_after_s=60, disable_after_s=600, clock=clock)
    assert health.failed("push_failed: HTTP 500") is None
    clock.now += 61
    became = health.failed("push_failed: HTTP 500")
    assert became is not None and became.state == "unhealthy"
    assert "failing for 61 s" in (became.reason or "") and "HTTP 500" in (became.reason or "")
    clock.now += 10
    assert health.failed("again") is None  # no repeated transition
    clock.now += 600
    disabled = health.failed("push_timeout: no answer")
    assert disabled is not None and disabled.state == "disabled"


def test_success_resets_the_clock_and_heals() -> None:
    clock = Clock()
    health = Health(unhealthy_after_s=60, disable_after_s=600, clock=clock)
    health.failed("x")
    clock.now += 100
    health.failed("x")
    assert health.delivered() == Transition("active", None)
    assert health.delivered() is None
    clock.now += 100
    assert health.failed("x") is None  # a fresh failure starts a fresh clock
