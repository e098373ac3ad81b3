"""Which subscriptions a caller may see in a trace or the overview: decided by the API, applied here.

The views take a ``Visible`` predicate over (subscription id, owner) rather than a principal, so
they stay free of access-control types; the routers build it from the policy.
"""

from __future__ import annotations

from collections.abc import Callable

Visible = Callable[[str, str | None], bool]


def everyone(_subscription_id: str, _owner: str | None) -> bool:
    return True


__all__ = ["Visible", "everyone"]
