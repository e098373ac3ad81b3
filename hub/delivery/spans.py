"""The routing span: a subscription took an event from its feed (``process <topic>``, CONSUMER).

It joins the event's trace through the ``traceparent`` the connector's ``send`` span put in the
Kafka headers, with the messaging attributes of the record and the subscription's reason.

Only a *matched* decision gets a span. A province-filtered feed is read by every province's
sink, so spans for filtered-out decisions would multiply the tracing cost of each event by the
number of subscriptions (about 35) to say "not for me" each time; those decisions are counted
in ``hub_routing_decisions_total`` and shown, with their reasons, by the trace API instead.
Nor is a span started while the process exports none (``hub.telemetry.tracing.exporting``): it
is a leaf, so no context needs it, and building its attributes was a tenth of the intake's CPU.
"""

from __future__ import annotations

from opentelemetry.trace import SpanKind

from hub.delivery.pipeline.job import Record
from hub.routing import Decision
from hub.telemetry import tracing
from schemas.events import ChangeEvent
from schemas.tracing import context_from, messaging_attributes, routing_attributes, tracer


def routed(
    subscription_id: str, group: str, record: Record, event: ChangeEvent, decision: Decision, started_ns: int
) -> None:
    """Record the routing span of a matched event (``started_ns``: when the decision began)."""
    if not decision.matched or not tracing.exporting():
        return
    attributes = messaging_attributes(
        "process", record.topic, event_id=event.id, key=event.subject, partition=record.partition,
        offset=record.offset, group=group,
    )  # fmt: skip
    span = tracer().start_span(
        f"process {record.topic}",
        context=context_from(event.traceparent),
        kind=SpanKind.CONSUMER,
        start_time=started_ns,
        attributes={**attributes, **routing_attributes(subscription_id, decision.reason)},
    )
    span.end()


__all__ = ["routed"]
