"""The change event: a CloudEvents 1.0 envelope around a row-level change payload.

Public face of the event model; the wire codecs live in ``kafka_codec`` (binary mode) and
``http_codec`` (structured mode).
"""

from schemas.events.change import ChangeEvent, ChangePayload, Op, SourceInfo
from schemas.events.ids import event_id

__all__ = ["ChangeEvent", "ChangePayload", "Op", "SourceInfo", "event_id"]
