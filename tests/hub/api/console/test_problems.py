"""The ops page's problems said in Vietnamese from their codes, with the hub's values untouched."""

from __future__ import annotations

import string

from hub.api.console.catalogue import problems
from hub.observability.status_view import PROBLEM_TEXTS, problem


def _names(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_problem_code_has_a_vietnamese_text_saying_the_same_values() -> None:
    assert problems.VI.keys() == PROBLEM_TEXTS.keys()
    for code, english in PROBLEM_TEXTS.items():
        assert _names(problems.VI[code]) == _names(english), code


def test_a_problem_is_said_in_the_viewers_language_and_its_values_are_kept() -> None:
    found = problem("subscription_failing", id="tuyen-quang", rate="54%", attempts=380)
    assert problems.say(found, "en") == "subscription tuyen-quang: 54% of 380 recent attempts failed"
    assert problems.say(found, "vi") == "đăng ký tuyen-quang: 54% trong 380 lần gửi gần đây bị lỗi"


def test_a_code_without_a_vietnamese_text_shows_its_english_sentence() -> None:
    found = problem("subscription_lag", id="hue", lag=12000).model_copy(update={"code": "added_later"})
    assert problems.say(found, "vi") == "subscription hue: 12000 records behind"
