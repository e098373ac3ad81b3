"""Builders of change events and subscriptions for routing tests."""

from __future__ import annotations

from typing import Any

from hub.subscriptions.model import SubscriptionSpec
from schemas.events import ChangeEvent, ChangePayload, Op, SourceInfo


def change(
    *,
    type_: str = "vn.gov.civil-status.birth.v1",
    op: Op = Op.CREATE,
    after: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    adminunit: str | None = None,
    adminunitorig: str | None = None,
) -> ChangeEvent:
    source = SourceInfo(connector="civil-status", database="hotich", table="birth", position="0/1")
    return ChangeEvent(
        id="e-1",
        source="/connectors/civil-status/birth",
        type=type_,
        subject="KS-1",
        adminunit=adminunit,
        adminunitorig=adminunitorig,
        data=ChangePayload(op=op, after=after, before=before, source=source),
    )


def subscription(feeds: list[str] | None = None, **filter_: Any) -> SubscriptionSpec:
    return SubscriptionSpec.model_validate(
        {
            "id": "hanoi-civil-status",
            "endpoint_url": "https://portal.example/hook",
            "feeds": feeds or ["vn.gov.civil-status.*"],
            "filter": filter_,
        }
    )
