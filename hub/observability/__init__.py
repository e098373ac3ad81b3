"""The read side of operations, for the API: the trace of an event or a record, the status
screen's data, the store's metric families and readiness.

It sits above the runtimes (it reads what delivery wrote: its consumer groups, dead letters and
routed events) and below the API. What the runtimes themselves record lives lower down:
metric definitions in ``hub.telemetry.metrics``, the routing span and the routed-events buffer
in ``hub.delivery``.

Modules (import them directly)::

    store_metrics    connector and subscription-state families read from the store at scrape
    connector_view   a connector's health from the status its worker reported
    trace_view       an event's or a record's path, assembled from the store (and Kafka)
    status_view      the ops overview behind ``hub status``
    readiness        whether the broker and the store answer (``/readyz``)
"""
