"""The ``hub`` commands a document shows, with the options it gives them, so a test can ask the
real CLI whether each exists (``hub ... --help`` exits 0 only for a command that exists, and
lists its options)."""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from hub.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
_WORD = re.compile(r"[a-z][a-z|-]*")


@dataclass(frozen=True)
class Invocation:
    command: tuple[str, ...]
    options: tuple[str, ...]


def invocations(text: str) -> list[Invocation]:
    """Each ``hub ...`` in a code span or at the start of a code-block line."""
    found = re.findall(r"`(hub [^`\n]+)`", text)
    found += [line.strip() for line in re.findall(r"^\s*(hub .+)$", text, flags=re.M)]
    return [parsed for line in found if (parsed := parse(line)) is not None]


def parse(line: str) -> Invocation | None:
    try:
        words = shlex.split(line.split("#", 1)[0], posix=True)[1:]
    except ValueError:  # an unbalanced quote in prose
        return None
    command: list[str] = []
    for word in words:
        if word.startswith("-") or not _WORD.fullmatch(word):
            break
        command.append(word)
    options = tuple(word.split("=", 1)[0] for word in words if word.startswith("-"))
    return Invocation(tuple(command), options) if command else None


@functools.cache
def help_text(command: tuple[str, ...]) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=250, env={"COLUMNS": "250"})
    return result.exit_code, result.output


def problems(text: str) -> list[str]:
    """What the CLI does not have: a command, or an option of a command that exists. In
    ``hub a b|c --opt`` an option may belong to either alternative, as prose abbreviates."""
    found: list[str] = []
    for invocation in invocations(text):
        helps = []
        for command in _alternatives(invocation.command):
            code, output = help_text(command)
            if code != 0:
                found.append(f"hub {' '.join(command)}: no such command")
            helps.append(output)
        name = " ".join(invocation.command)
        found += [
            f"hub {name} {option}: no such option"
            for option in invocation.options
            if not any(_names(option, output) for output in helps)
        ]
    return sorted(set(found))


def _names(option: str, help_output: str) -> bool:
    """Whether the help lists ``option`` itself (``--to`` is not found inside ``--token``)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_output) is not None


def _alternatives(command: tuple[str, ...]) -> list[tuple[str, ...]]:
    """``hub quarantine list|show`` stands for both."""
    head, last = command[:-1], command[-1]
    return [(*head, choice) for choice in last.split("|")]
