"""The process's garbage collector, kept from stalling a running connector: ``freeze_survivors``.

CPython's full (generation 2) collection walks every container object the process holds. A
connector process holds a great many that live as long as it does: the imported modules, the
compiled contracts, and the administrative-unit index its warm-up builds (``connectors.warm_up``),
which alone adds enough long-lived objects to trigger a full collection soon after the task starts
streaming. Measured at 1,000 commits/s (``tests.bench.latency_stages``, a loaded 2-core machine):
without the freeze, one such collection ran mid-stream in every run, holding the event loop for
100-460 ms, and every change committed meanwhile waited behind it; with it, none ran mid-stream
in any run (later full collections took 3 ms).

``gc.freeze`` moves every object alive at that moment into the permanent generation, which the
collector never walks again; later full collections only walk what was allocated since, and
young collections are unchanged. The price is that garbage cycles alive (unreachable) at the
moment of freezing are never reclaimed: a one-off, small amount, taken once a task is ready.
"""

from __future__ import annotations

import gc


def freeze_survivors() -> None:
    """Everything alive now (modules, clients, warmed-up indexes) out of the collector's walks.

    Cheap (the generations' lists are merged) and safe to repeat: each task start freezes what
    its warm-up built.
    """
    gc.freeze()


__all__ = ["freeze_survivors"]
