"""The ``hub-*`` header codecs: what is written reads back the same, and bookkeeping is separable."""

from __future__ import annotations

from bus import headers


def test_numbers_and_times_read_back_as_written() -> None:
    assert headers.read_integer(headers.integer(42).decode()) == 42
    assert headers.read_millis(headers.millis(1_700_000_000.1234).decode()) == 1_700_000_000.123


def test_missing_values_read_as_a_fresh_first_attempt() -> None:
    assert headers.read_integer(None) == 0
    assert headers.read_integer("", default=3) == 3
    assert headers.read_millis(None) == 0.0


def test_text_is_utf8_and_cut_to_its_limit() -> None:
    assert headers.text("Hà Nội") == "Hà Nội".encode()
    assert headers.text("x" * 2000, 1000) == b"x" * 1000


def test_find_returns_the_first_value_decoded() -> None:
    found = [("ce_id", b"a"), (headers.ORIGIN, b"t:0:1"), (headers.ORIGIN, b"t:0:2")]
    assert headers.find(found, headers.ORIGIN) == "t:0:1"
    assert headers.find(found, headers.PARKED) is None


def test_without_hub_keeps_only_the_events_own_headers() -> None:
    mixed = [("ce_id", b"a"), (headers.ATTEMPTS, b"2"), ("content-type", b"json"), (headers.DLQ_AT, b"x")]
    assert headers.without_hub(mixed) == (("ce_id", b"a"), ("content-type", b"json"))


def test_every_header_name_is_a_hub_header() -> None:
    names = [value for name, value in vars(headers).items() if name.isupper() and name != "PREFIX"]
    assert names
    assert all(isinstance(n, str) and n.startswith(headers.PREFIX) for n in names)
    assert len(names) == len(set(names))
