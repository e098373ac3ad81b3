"""A connector's held changes in brief, for ``hub status`` (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

LATEST_REASONS = 3


@dataclass(frozen=True)
class HeldSummary:
    count: int
    reasons: list[str]  # the latest distinct "[code] message", newest first


def summarise(held: Sequence[tuple[datetime | None, str | None, str | None]]) -> HeldSummary:
    """``held``: (quarantined at, code, message) of each held change, in any order."""
    latest: dict[str, str] = {}
    for _at, code, message in sorted(
        held, key=lambda item: item[0].timestamp() if item[0] else 0.0, reverse=True
    ):
        latest.setdefault(code or "?", f"[{code or '?'}] {message or ''}".rstrip())
    return HeldSummary(count=len(held), reasons=list(latest.values())[:LATEST_REASONS])


__all__ = ["LATEST_REASONS", "HeldSummary", "summarise"]
