from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from connectors.mapping.config import FieldRule
from connectors.mapping.values import CastFailed, UnmappedCode, produce


def _produce(value: Any, **rule: Any) -> Any:
    return produce("f", FieldRule.model_validate({"column": "c", **rule}), value, b"salt")


def test_a_commune_code_is_zero_padded() -> None:
    assert _produce(4, pad=5) == "00004"
    assert _produce("4", pad=5) == "00004"


def test_a_code_longer_than_the_padding_is_refused() -> None:
    with pytest.raises(CastFailed, match="longer than the padded width 5"):
        _produce(123456, pad=5)


def test_a_smallint_code_maps_to_its_enum_value() -> None:
    assert _produce(2, values={1: "male", 2: "female"}) == "female"


def test_an_unlisted_code_names_the_known_ones() -> None:
    with pytest.raises(UnmappedCode, match=r"code 9 has no entry .*known: 1, 2"):
        _produce(9, values={1: "male", 2: "female"})


def test_a_text_date_is_read_with_its_format() -> None:
    assert _produce("02/11/2026", date_format="%d/%m/%Y") == "2026-11-02"


def test_a_text_date_in_another_format_is_a_cast_failure_naming_the_format() -> None:
    with pytest.raises(CastFailed, match="does not match the date format") as caught:
        _produce("2026-11-02", date_format="%d/%m/%Y")
    assert caught.value.details["column"] == "c"


def test_dates_and_numbers_cast() -> None:
    assert _produce(date(2026, 1, 2), cast="date") == "2026-01-02"
    assert _produce(Decimal("12.50"), cast="number") == 12.5
    assert _produce(Decimal("12"), cast="number") == 12
    assert _produce(Decimal("12.50"), cast="string") == "12.50"
    assert _produce(" 157 ", cast="integer") == 157


def test_a_fraction_is_not_an_integer() -> None:
    with pytest.raises(CastFailed, match="fraction"):
        _produce(Decimal("1.5"), cast="integer")


def test_null_passes_through_and_constants_ignore_the_row() -> None:
    assert _produce(None, cast="integer") is None
    assert produce("f", FieldRule(constant="VN"), None, b"") == "VN"


def test_hashing_is_keyed_by_the_salt() -> None:
    hashed = _produce("001226001234", hash="sha256")
    assert len(hashed) == 64 and hashed != produce(
        "f", FieldRule(column="c", hash="sha256"), "001226001234", b"x"
    )


def test_masking_keeps_the_last_characters() -> None:
    assert _produce("001226001234", keep_last=4) == "********1234"
    assert _produce("1234", keep_last=0) == "****"


@pytest.mark.parametrize(
    "rule",
    [{}, {"column": "c", "constant": 1}, {"column": "c", "hash": "sha256", "keep_last": 2},
     {"column": "c", "cast": "integer", "date_format": "%Y"}],
)  # fmt: skip
def test_contradictory_rules_are_refused(rule: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FieldRule.model_validate(rule)


def test_a_rule_read_back_from_its_stored_form_is_the_same_rule() -> None:
    rule = FieldRule(column="ma_xa", pad=5)
    assert FieldRule.model_validate(rule.model_dump()) == rule
