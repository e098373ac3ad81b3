"""``GET /metrics``: Prometheus text exposition, outside ``/v1`` like the probes (scrapers call it).

Two sources in one answer: the process's own registry (``hub.telemetry.metrics``: delivery
counters and histograms when sinks run in this process, process health) and the families read
from the store at scrape time (``hub.observability.store_metrics``: connectors, subscription
states), which only the API exposes so a cluster reports each connector once. A store that does
not answer is reported as ``hub_store_up 0`` rather than failing the scrape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from hub.api.dependencies import StoreDep
from hub.observability.store_metrics import StoreCollector
from hub.store.base import Store
from hub.telemetry.metrics import REGISTRY

router = APIRouter(tags=["health"])


class _Guarded(Collector):
    """The store's families, or ``hub_store_up 0`` when the store is away."""

    def __init__(self, store: Store) -> None:
        self.inner = StoreCollector(store)

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("hub_store_up", "1 when the control-plane store answered this scrape.")
        try:
            families = list(self.inner.collect())
        except SQLAlchemyError:
            families = []
        up.add_metric([], 1.0 if families else 0.0)
        yield up
        yield from families


def exposition(store: Store) -> bytes:
    per_scrape = CollectorRegistry(auto_describe=False)
    per_scrape.register(_Guarded(store))
    return generate_latest(REGISTRY) + generate_latest(per_scrape)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
)
async def metrics(store: StoreDep) -> Response:
    body = await asyncio.to_thread(exposition, store)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
