"""Each package's public face is exactly what it should be (httpx's habit): other packages build
on these names, so removing or renaming one is a deliberate act, not a refactoring accident."""

from __future__ import annotations

from types import ModuleType

import pytest

from schemas import contracts, events, feeds, naming

FACES: list[tuple[ModuleType, set[str]]] = [
    (events, {"ChangeEvent", "ChangePayload", "Op", "SourceInfo", "event_id"}),
    (
        feeds,
        {
            "KEY_SEPARATOR", "ContractFile", "FeedCatalogue", "FeedSpec", "UnknownFeed", "all_feeds",
            "builtin_catalogue", "builtin_contract_files", "feed_for_event_type", "feed_for_topic",
            "feed_named",
        },
    ),
    (
        naming,
        {
            "AUDIT_TOPIC", "FeedName", "InvalidName", "check_subscription_id", "contract_id", "dlq_topic",
            "event_type", "feed_topic", "parse_event_type", "parse_feed_topic", "quarantine_topic",
            "retry_topic", "source_uri", "STATE_SUFFIX", "backfill_topic", "state_topic",
        },
    ),
    (
        contracts,
        {
            "Contract", "ContractValidator", "Incompatibility", "InvalidContract", "Mode", "check",
            "check_schema", "compile_contract", "parse_contract", "validate_change",
        },
    ),
]  # fmt: skip


@pytest.mark.parametrize(("module", "names"), FACES, ids=lambda f: getattr(f, "__name__", ""))
def test_exported_names(module: ModuleType, names: set[str]) -> None:
    assert set(module.__all__) == names
    assert all(hasattr(module, name) for name in names)


def test_codec_functions_keep_their_names() -> None:
    from schemas.events import http_codec, kafka_codec

    for name in ("to_kafka", "from_kafka"):
        assert callable(getattr(kafka_codec, name))
    for name in ("encode", "encode_batch", "decode", "to_structured"):
        assert callable(getattr(http_codec, name))
