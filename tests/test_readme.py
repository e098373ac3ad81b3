"""The README tells the truth: every command, file, make target and setting it shows exists.

Commands are checked by asking the real CLI for their help (``hub ... --help`` exits 0 only for
a command that exists); files by path; settings against the pydantic-settings model.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli.main import app
from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_SPANS = re.findall(r"`([^`\n]+)`", README)
_LINKS = re.findall(r"\]\(([^)#\s]+)\)", README)


def _hub_commands() -> list[list[str]]:
    """Each ``hub ...`` span, cut at its first option or argument, with `a|b` alternatives split."""
    found: set[tuple[str, ...]] = set()
    for span in _SPANS:
        if not span.startswith("hub "):
            continue
        words = []
        for word in shlex.split(span)[1:]:
            if word.startswith("-") or not re.fullmatch(r"[a-z][a-z|-]*", word) or word.isupper():
                break
            words.append(word)
        if not words:
            continue
        head, last = words[:-1], words[-1]
        for alternative in last.split("|"):
            found.add((*head, alternative))
    return [list(command) for command in sorted(found)]


@pytest.mark.parametrize("command", _hub_commands(), ids=" ".join)
def test_every_hub_command_the_readme_shows_exists(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output


def test_every_file_the_readme_names_exists() -> None:
    paths = {span.split()[-1] for span in _SPANS if re.search(r"(deploy|docs|contracts)/\S+\.\w+$", span)}
    paths |= {link for link in _LINKS if not link.startswith("http")}
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert paths and not missing, missing


def test_every_make_target_the_readme_shows_exists() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.M))
    shown = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert shown and shown <= targets, shown - targets


def test_every_setting_in_the_configuration_table_is_a_setting() -> None:
    fields = {f"HUB_{name.upper()}" for name in Settings.model_fields}
    shown = set(re.findall(r"^\| `(HUB_[A-Z_]+)`", README, flags=re.M))
    shown |= {
        name
        for row in re.findall(r"^\| `(HUB_[A-Z_]+)` / `(HUB_[A-Z_]+)`", README, flags=re.M)
        for name in row
    }
    assert shown and shown <= fields, shown - fields
