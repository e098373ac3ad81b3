"""The chaos suite's verdict: what each portal should have against what it got, worked out
without asking the hub.

The source driver (``devtools.chaos.source``) writes a version label into every change it
commits (``v0`` at insert, ``v1``, ``v2``... at each update, ``deleted`` for the delete), so
the expected set is the driver's own ledger of (record, label), and the order of a record's
labels is the commit order. A portal's received set is read from its receiver: first arrivals
per ``webhook-id`` in arrival order, the events of a batch in batch order.

- lost: expected (record, label) never received;
- duplicates under different webhook-ids: one change received in more than one push (must be 0:
  a receiver de-duplicating by ``webhook-id`` would apply it twice);
- duplicates under the same webhook-id: a push delivered again after a crash (allowed: the
  receiver recognises it), counted by the receiver;
- order inversions: a change of a record received after a later change of the same record.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DELETED = "deleted"
Change = tuple[int, str]  # (record number, version label)


def label_rank(label: str) -> int:
    """Commit order of a record's labels: v0 < v1 < ... < deleted."""
    return 1 << 30 if label == DELETED else int(label.removeprefix("v"))


def version_label(version: int) -> str:
    return f"v{version}"


@dataclass(frozen=True)
class Push:
    """One accepted push as the receiver recorded it (its first arrival)."""

    webhook_id: str
    events: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class PortalVerdict:
    portal: str
    mode: str
    expected: int
    received: int  # distinct changes received
    lost: int
    extra: int  # received changes the driver never committed
    duplicates_other_id: int
    duplicates_same_id: int
    inversions: int

    @property
    def passed(self) -> bool:
        return self.lost == 0 and self.extra == 0 and self.duplicates_other_id == 0 and self.inversions == 0


def change_of(event: Mapping[str, Any], record_field: str, label_field: str) -> Change:
    """The (record, label) a CloudEvent carries: the label from the row after the change, or
    ``deleted`` for a delete (whose row before holds at least the key)."""
    data = event["data"]
    if data["op"] == "d":
        return int(data["before"][record_field]), DELETED
    after = data["after"]
    return int(after[record_field]), str(after[label_field]).rsplit(" ", 1)[-1]


def judge(
    portal: str,
    mode: str,
    expected: Iterable[Change],
    pushes: Iterable[Push],
    duplicates_same_id: int,
    *,
    record_field: str,
    label_field: str,
) -> PortalVerdict:
    due = set(expected)
    pushed_in: dict[Change, set[str]] = defaultdict(set)
    highest: dict[int, int] = {}
    inversions = 0
    for push in pushes:
        for event in push.events:
            change = change_of(event, record_field, label_field)
            first = change not in pushed_in
            pushed_in[change].add(push.webhook_id)
            if not first:
                continue
            record, rank = change[0], label_rank(change[1])
            if rank < highest.get(record, -1):
                inversions += 1
            highest[record] = max(rank, highest.get(record, -1))
    copies = Counter({change: len(ids) for change, ids in pushed_in.items()})
    received = set(pushed_in)
    return PortalVerdict(
        portal=portal,
        mode=mode,
        expected=len(due),
        received=len(received & due),
        lost=len(due - received),
        extra=len(received - due),
        duplicates_other_id=sum(n - 1 for n in copies.values()),
        duplicates_same_id=duplicates_same_id,
        inversions=inversions,
    )


__all__ = ["DELETED", "Change", "PortalVerdict", "Push", "change_of", "judge", "label_rank", "version_label"]
