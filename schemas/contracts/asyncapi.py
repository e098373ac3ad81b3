"""The AsyncAPI 3.0 document of every feed topic: what a Kafka consumer of a feed can rely on.

One channel per feed topic and one per quarantine topic; each feed message declares the
CloudEvents Kafka headers (binary mode, ``ce_type`` and ``ce_dataschema`` fixed per feed), the
record key, and a payload whose ``before``/``after`` rows reference the feed's contract file
(``<event type>/v<N>.schema.json``, beside this document). Built from the feed registry, the
change payload model and ``schemas.naming``, so it cannot name a topic the code does not use.
"""

from __future__ import annotations

from typing import Any

from schemas.contracts.json_schema import contract_path, model_schema
from schemas.events import Op, SourceInfo
from schemas.events.change import JSON_CONTENT_TYPE, SPEC_VERSION
from schemas.feeds import FeedSpec

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
DOCUMENT_VERSION = "1.0.0"
DESCRIPTION = """\
Row-level changes of the ministries' databases (land, civil status, judicial records), published
by the hub's connectors as CloudEvents 1.0 in Kafka binary mode. Topics are named
`gov.<domain>.<entity>.v<major>`; rows that break their contract go to `<topic>.quarantine`.
Message key = record key (key fields joined by `:`); one key always lands on one partition, in
order. Event ids are deterministic from the source position: a redelivered change has the same
`ce_id`. Row contracts are JSON Schema files (draft 2020-12, restricted to keywords that mean the
same in draft-07) beside this document."""


def asyncapi_document(feeds: tuple[FeedSpec, ...]) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {"quarantined": _quarantined_message()}
    for spec in feeds:
        channels[spec.topic] = _channel(spec.topic, spec.title, spec.event_type)
        channels[spec.quarantine_topic] = _channel(
            spec.quarantine_topic, f"{spec.title}: quarantine", "quarantined"
        )
        messages[spec.event_type] = _feed_message(spec)
        operations[f"publish.{spec.event_type}"] = _operation(spec.topic, spec.event_type)
        operations[f"quarantine.{spec.event_type}"] = _operation(spec.quarantine_topic, "quarantined")
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": "Government data-exchange hub: domain feeds", "version": DOCUMENT_VERSION,
                 "description": DESCRIPTION},
        "defaultContentType": JSON_CONTENT_TYPE,
        "servers": {"kafka": _server()},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": _shared_schemas()},
    }  # fmt: skip


def _server() -> dict[str, Any]:
    return {
        "host": "{bootstrap}",
        "protocol": "kafka",
        "description": "The hub's Kafka cluster (HUB_KAFKA_BOOTSTRAP).",
        "variables": {"bootstrap": {"default": "localhost:9092", "description": "bootstrap host:port"}},
    }


def _channel(topic: str, title: str, message: str) -> dict[str, Any]:
    return {
        "address": topic,
        "title": title,
        "servers": [{"$ref": "#/servers/kafka"}],
        "messages": {message: {"$ref": f"#/components/messages/{message}"}},
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _operation(topic: str, message: str) -> dict[str, Any]:
    return {
        "action": "send",
        "channel": {"$ref": f"#/channels/{topic}"},
        "messages": [{"$ref": f"#/channels/{topic}/messages/{message}"}],
    }


def _feed_message(spec: FeedSpec) -> dict[str, Any]:
    row = {"$ref": f"./{contract_path(spec.event_type, spec.contract_version)}"}
    nullable_row = {"oneOf": [row, {"type": "null"}]}
    return {
        "name": spec.event_type,
        "title": spec.title,
        "summary": f"A change of one {spec.entity} row; key fields: {', '.join(spec.key_fields)}.",
        "contentType": JSON_CONTENT_TYPE,
        "headers": _headers(spec),
        "payload": {
            "type": "object",
            "required": ["op", "source"],
            "additionalProperties": False,
            "properties": {
                "op": {"$ref": "#/components/schemas/Op"},
                "before": nullable_row,
                "after": nullable_row,
                "source": {"$ref": "#/components/schemas/ChangeSource"},
                "unchanged": {"type": "array", "items": {"type": "string"},
                              "description": "fields not sent because unchanged (absent from after)"},
                "moved": {"type": "object", "required": ["from"],
                          "properties": {"from": {"type": "string"}, "to": {"type": ["string", "null"]}},
                          "description": "a move-out: the current units the record left and went to"},
            },
        },
        "bindings": {"kafka": {"key": {"type": "string", "description": "the record key"},
                               "bindingVersion": KAFKA_BINDING_VERSION}},
    }  # fmt: skip


def _headers(spec: FeedSpec) -> dict[str, Any]:
    text = {"type": "string"}
    properties = {
        "ce_specversion": {"const": SPEC_VERSION},
        "ce_id": {**text, "description": "deterministic from the source position"},
        "ce_source": {**text, "description": "/connectors/<connector>/<table>"},
        "ce_type": {"const": spec.event_type},
        "ce_subject": {**text, "description": "the record key (same as the message key)"},
        "ce_time": {**text, "format": "date-time"},
        "ce_dataschema": {**text, "description": f"contract id, e.g. {spec.dataschema}"},
        "content-type": {"const": JSON_CONTENT_TYPE},
        "ce_adminunit": {**text, "description": f"current administrative unit ({spec.admin_unit_field})"},
        "ce_adminunitorig": {**text, "description": "pre-July-2025 code the source used, when different"},
        "ce_adminunitprev": {**text, "description": "current unit the record left, on a move"},
        "ce_adminunitcandidates": {
            **text,
            "description": "comma-separated current communes a split pre-merger commune may now be",
        },
        "ce_adminunitversion": {
            **text,
            "description": "administrative-units version the codes were resolved by (e.g. 2025.07)",
        },
        "ce_traceparent": {**text, "description": "W3C trace context"},
        "traceparent": {**text, "description": "W3C trace context (bare, for trace-aware tools)"},
    }
    required = ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time", "content-type"]
    return {"type": "object", "required": required, "properties": properties}


def _quarantined_message() -> dict[str, Any]:
    return {
        "name": "quarantined",
        "title": "A change that broke its contract",
        "contentType": JSON_CONTENT_TYPE,
        "headers": {
            "type": "object",
            "required": ["ce_id", "ce_type", "quarantine-code"],
            "properties": {name: {"type": "string"} for name in (
                "ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "traceparent",
                "quarantine-code", "quarantine-reason",
            )},
        },
        "payload": {
            "type": "object",
            "required": ["reason", "event"],
            "properties": {
                "reason": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}, "details": {}}},
                "event": {"type": "object", "description": "the CloudEvent in structured JSON form"},
                "change": {"type": "object", "description": (
                    "the source change as read, before any mapping, for republish; typed values as "
                    'one-key objects ({"$decimal": "1.5"}, {"$date": ...}); absent when too large'
                )},
            },
        },
    }  # fmt: skip


def _shared_schemas() -> dict[str, Any]:
    return {
        "Op": {
            "type": "string",
            "enum": [op.value for op in Op],
            "description": "Debezium's operation codes: "
            + ", ".join(f"{op.value} = {op.name.lower()}" for op in Op),
        },
        "ChangeSource": model_schema(SourceInfo),
    }
