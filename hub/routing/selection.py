"""What a job hands to one subscription for each record of the current state, and why (pure).

Shared with the job runner (helper "backfill" defines the same types; the lead merges them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from schemas.events import ChangeEvent


@dataclass(frozen=True, slots=True)
class Selected:
    event: ChangeEvent | None
    reason: str


RecordSelector = Callable[[ChangeEvent, str], Selected]  # (event, topic)
