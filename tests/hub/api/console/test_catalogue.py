"""Both languages name every string the pages use, and the pages use no unknown name."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from hub.api.console import catalogue
from hub.api.console.catalogue import LANGUAGES, Messages, language, messages

TEMPLATES = Path(catalogue.__file__).parent.parent / "templates"
NAME = re.compile(r"\bt\.([a-z0-9_]+)")
# the attempt filter's labels, chosen by routes.portal rather than named in a template
CHOSEN_IN_CODE = {"status_all", "status_delivered", "status_retrying", "status_dead_lettered"}


def used_names() -> set[str]:
    return {name for page in TEMPLATES.glob("*.html") for name in NAME.findall(page.read_text())}


def test_every_name_a_page_uses_is_in_the_catalogue_and_every_entry_is_used() -> None:
    known = {field.name for field in fields(Messages)}
    assert used_names() - known == set()
    assert (
        known - used_names() - {"status_all", "status_delivered", "status_retrying", "status_dead_lettered"}
        == set()
    )


@pytest.mark.parametrize("code", [code for code, _label in LANGUAGES])
def test_each_language_says_every_entry(code: str) -> None:
    said = messages(language(code))
    assert all(getattr(said, field.name).strip() for field in fields(Messages))


def test_the_two_languages_differ_and_an_unknown_one_is_refused() -> None:
    assert messages("vi").nav_subscriptions != messages("en").nav_subscriptions
    with pytest.raises(ValueError, match="unknown console language"):
        language("fr")
