"""The console's words, one catalogue per language (``en``, ``vi``), checked by the type checker.

``Messages`` names every string a page shows; each language module builds one, so a missing or
misspelt entry fails ``mypy`` (and the templates' undefined-name check in the tests) instead of
showing a blank. Data (ids, codes, reasons from the hub) is never translated.
"""

from __future__ import annotations

from typing import Literal

from hub.api.console.catalogue.messages import Messages

Language = Literal["vi", "en"]
LANGUAGES: tuple[tuple[Language, str], ...] = (("vi", "Tiếng Việt"), ("en", "English"))
DEFAULT_LANGUAGE: Language = "vi"


def language(code: str) -> Language:
    """``code`` as a known language (``ValueError`` otherwise)."""
    for known, _label in LANGUAGES:
        if code == known:
            return known
    raise ValueError(f"unknown console language {code!r}")


def messages(lang: Language) -> Messages:
    from hub.api.console.catalogue import en, vi  # the catalogues import Messages from here

    return vi.MESSAGES if lang == "vi" else en.MESSAGES


__all__ = ["DEFAULT_LANGUAGE", "LANGUAGES", "Language", "Messages", "language", "messages"]
