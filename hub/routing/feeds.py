"""Feed patterns: event types or topic names where ``*`` stands for any run of characters.

``*`` crosses dots on purpose: ``vn.gov.civil-status.*`` must match ``vn.gov.civil-status.birth.v1``.
No other character is special (unlike fnmatch's ``?`` and ``[...]``), so a name means itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")))


def matches(pattern: str, name: str) -> bool:
    return compile_pattern(pattern).fullmatch(name) is not None


def first_match(patterns: Iterable[str], names: Iterable[str | None]) -> str | None:
    """The first pattern matching any of ``names`` (None entries ignored), or None."""
    present = [name for name in names if name]
    for pattern in patterns:
        if any(matches(pattern, name) for name in present):
            return pattern
    return None
