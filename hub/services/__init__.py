"""Use cases over the store: the only way the API and the CLI reach it.

Each module owns one area (access, audit, resource checks, admission of deliveries,
subscriptions, connectors, the delivery log and replays) and takes a ``Store`` handle; the
domain rules they apply live below (``hub.access``, ``hub.routing``, ``hub.subscriptions``) and
never touch the store.
"""
