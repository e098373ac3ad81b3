"""Operations: metrics, the trace of an event or a record, and the status screen's data.

Modules (import them directly; this package imports nothing so the delivery engine can use
``metrics`` and ``route_log`` without pulling in the API's views)::

    metrics          THE metric definitions (one registry) and the calls the engine makes
    store_metrics    connector and subscription-state families read from the store at scrape
    connector_view   a connector's health from the status its worker reported
    route_log        the buffer of routed events the delivery log writes
    trace_view       an event's or a record's path, assembled from the store (and Kafka)
    status_view      the ops overview behind ``hub status``
    readiness        whether the broker and the store answer (``/readyz``)
"""
