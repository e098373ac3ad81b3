"""``GET /metrics``: Prometheus text exposition, outside ``/v1`` like the probes (scrapers call it).

Two sources in one answer: the process's own registry (``hub.telemetry.metrics``: delivery
counters and histograms when sinks run in this process, process health) and the families read
from the store at scrape time (``hub.observability.store_metrics``: connectors, subscription
states), which only the API exposes so a cluster reports each connector once. A store that does
not answer is reported as ``hub_store_up 0`` rather than failing the scrape.

The families name connectors and subscriptions, so a scrape needs a bearer token: the
scraper's own ``HUB_METRICS_TOKEN`` (checked without the store, so a scrape still reports a
store that is away), or an API token of an operator or admin. Refusals are 401/403 like the API's.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from hub.access.policy import Resource, authorize
from hub.api.auth import bearer
from hub.api.dependencies import SettingsDep, StoreDep
from hub.api.problems import problem_responses
from hub.observability.store_metrics import StoreCollector
from hub.services.access import AccessService
from hub.store.base import Store
from hub.telemetry.metrics import REGISTRY
from schemas.errors import Unauthenticated

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


async def scraper(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> None:
    """Let in the scraper's token (``HUB_METRICS_TOKEN``) or an API token that may read every
    subscription's deliveries (operators, admins); the families name connectors and subscriptions."""
    if not settings.auth_enabled:
        return
    if credentials is None:
        raise Unauthenticated("/metrics needs a bearer token: HUB_METRICS_TOKEN or an operator's API token")
    presented = credentials.credentials
    expected = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    if expected and hmac.compare_digest(presented.encode(), expected.encode()):
        return
    principal = await asyncio.to_thread(AccessService(store).authenticate, presented)
    request.state.principal = principal
    authorize(principal, "read", Resource("delivery", id="*"))


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"},
        **problem_responses(401, 403),
    },
    dependencies=[Depends(scraper)],
)
async def metrics(store: StoreDep) -> Response:
    body = await asyncio.to_thread(exposition, store)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
