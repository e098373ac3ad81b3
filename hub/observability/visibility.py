"""Which subscriptions a caller may see in a trace or the overview: decided by the API, applied here.

The views take a ``Visible`` predicate over (subscription id, owner) rather than a principal, so
they stay free of access-control types; the routers build it from the policy.

A subscriber reading a trace sees an event only when it matched one of its own subscriptions
(``matched_only``): on a feed shared by every province, the subscriptions that filtered an
event out, or have not reached it, would otherwise show another province's record key, WAL
position, transaction and offsets.
"""

from __future__ import annotations

from collections.abc import Callable

from hub.observability.trace_model import EventTrace

Visible = Callable[[str, str | None], bool]


def everyone(_subscription_id: str, _owner: str | None) -> bool:
    return True


def matched_only(trace: EventTrace) -> EventTrace | None:
    """The trace narrowed to the subscriptions it matched and their hops; ``None`` if it matched none."""
    matched = [path for path in trace.subscriptions if path.decision == "matched"]
    if not matched:
        return None
    ids = {path.subscription_id for path in matched}
    hops = [hop for hop in trace.hops if hop.subscription_id is None or hop.subscription_id in ids]
    return trace.model_copy(update={"subscriptions": matched, "hops": hops})


__all__ = ["Visible", "everyone", "matched_only"]
