"""Metric families read from the control-plane store at scrape time: connectors and subscription states.

Why connector metrics come from the store and not from counters inside the connector worker:
``connectors`` never imports the hub (import-linter holds that line), connectors move between
workers when leases move (per-process counters would reset and jump with them), and workers
already report cumulative counters and lag into the store every heartbeat. Reading those
documents gives one cluster-wide series per connector, wherever it runs, at the cost of one
query per scrape and the heartbeat's resolution (2 s). Only the API process registers this
collector, so a cluster exposes each connector once::

    hub_connector_events_total{connector,result}   published / quarantined (cumulative)
    hub_connector_snapshot_events_total{connector} snapshot rows published (snapshot progress)
    hub_connector_snapshotting{connector}          1 while the source is in its snapshot phase
    hub_connector_errors_total{connector}          failures of the task (each is logged)
    hub_connector_restarts_total{connector}
    hub_connector_lag_seconds{connector}           age of the oldest change not yet published
    hub_connector_lag_changes{connector}           changes waiting in the source, when it can tell
    hub_connector_status_age_seconds{connector}    how old the last report is (a dead worker grows it)
    hub_connector_state{connector,state}           1 for the current state
    hub_subscription_state{subscription,state}     1 for the current state (unhealthy/disabled alerts)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import get_args

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from connectors.status import TaskState
from hub.observability.connector_view import ConnectorHealth, connector_health
from hub.store import connectors as stored_connectors
from hub.store import subscriptions as stored_subscriptions
from hub.store.base import Store
from hub.subscriptions.model import Subscription, SubscriptionState

CONNECTOR_STATES = (*(state.value for state in TaskState), "unassigned")
SUBSCRIPTION_STATES: tuple[str, ...] = get_args(SubscriptionState)


class StoreCollector(Collector):
    def __init__(self, store: Store) -> None:
        self.store = store

    def collect(self) -> Iterator[Metric]:
        with self.store.session() as session:
            connectors = [connector_health(c) for c in stored_connectors.list_all(session)]
            subscriptions = stored_subscriptions.list_all(session)
        yield from connector_families(connectors)
        yield subscription_states(subscriptions)


def _gauge(name: str, doc: str) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=["connector"])


def _counter(name: str, doc: str) -> CounterMetricFamily:
    return CounterMetricFamily(name, doc, labels=["connector"])


def connector_families(connectors: Iterable[ConnectorHealth]) -> list[Metric]:
    events = CounterMetricFamily(
        "hub_connector_events", "Events a connector produced.", labels=["connector", "result"]
    )
    snapshot = _counter("hub_connector_snapshot_events", "Snapshot rows a connector published.")
    snapshotting = _gauge("hub_connector_snapshotting", "1 while the source takes its snapshot.")
    errors = _counter("hub_connector_errors", "Failures of the connector's task.")
    restarts = _counter("hub_connector_restarts", "Restarts of the connector's task after failures.")
    lag_s = _gauge("hub_connector_lag_seconds", "Age of the oldest change not yet published.")
    lag_changes = _gauge("hub_connector_lag_changes", "Changes waiting in the source.")
    age = _gauge("hub_connector_status_age_seconds", "Age of the connector's last status report.")
    state = GaugeMetricFamily(
        "hub_connector_state", "1 for the connector's current state.", labels=["connector", "state"]
    )
    for c in connectors:
        events.add_metric([c.name, "published"], c.events_published)
        events.add_metric([c.name, "quarantined"], c.events_quarantined)
        snapshot.add_metric([c.name], c.events_snapshot)
        snapshotting.add_metric([c.name], 1.0 if c.snapshotting else 0.0)
        errors.add_metric([c.name], c.errors)
        restarts.add_metric([c.name], c.restarts)
        _maybe(lag_s, c.name, c.lag_seconds)
        _maybe(lag_changes, c.name, c.lag_changes)
        _maybe(age, c.name, c.status_age_s)
        for name in CONNECTOR_STATES:
            state.add_metric([c.name, name], 1.0 if c.state == name else 0.0)
    return [events, snapshot, snapshotting, errors, restarts, lag_s, lag_changes, age, state]


def _maybe(family: GaugeMetricFamily, connector: str, value: float | None) -> None:
    if value is not None:
        family.add_metric([connector], value)


def subscription_states(subscriptions: Iterable[Subscription]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "hub_subscription_state",
        "1 for the subscription's current state.",
        labels=["subscription", "state"],
    )
    for sub in subscriptions:
        for name in SUBSCRIPTION_STATES:
            family.add_metric([sub.id, name], 1.0 if sub.state == name else 0.0)
    return family


__all__ = ["StoreCollector", "connector_families", "subscription_states"]
