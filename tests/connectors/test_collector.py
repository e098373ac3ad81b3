"""The garbage collector frozen once a task is warmed up: later full collections skip what was alive."""

from __future__ import annotations

import gc

from connectors.collector import freeze_survivors


def test_objects_alive_at_freezing_are_out_of_the_collectors_walks() -> None:
    gc.unfreeze()
    survivors = [{"index": n} for n in range(1000)]
    assert gc.get_freeze_count() == 0
    freeze_survivors()
    assert gc.get_freeze_count() >= len(survivors)
    walked = {id(found) for found in gc.get_objects(generation=2)}
    assert walked.isdisjoint(id(survivor) for survivor in survivors)
