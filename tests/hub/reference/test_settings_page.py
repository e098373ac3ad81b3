from __future__ import annotations

from pathlib import Path

from hub.reference import settings_page
from hub.settings import REPO_ROOT, Settings


def test_every_setting_has_a_row_with_its_variable_and_a_description() -> None:
    page = settings_page.render()
    for name, info in Settings.model_fields.items():
        assert f"| `HUB_{name.upper()}` |" in page
        assert info.description, f"Settings.{name} needs a description"


def test_defaults_read_the_same_on_every_machine() -> None:
    page = settings_page.render()
    assert str(REPO_ROOT) not in page and str(Path.home()) not in page
    assert "| `HUB_STATE_DIR` | string | `<clone>/.local` |" in page
    assert "| `HUB_CACHE_DIR` | string | `~/.cache/gov-data-hub` |" in page


def test_unset_and_empty_defaults_are_said_in_words() -> None:
    page = settings_page.render()
    assert "| `HUB_OTLP_ENDPOINT` | string \\| null | unset |" in page
    assert "| `HUB_ENDPOINT_ALLOWLIST` | list of string | empty |" in page
    assert "| `HUB_AUTH_ENABLED` | boolean | `true` |" in page
