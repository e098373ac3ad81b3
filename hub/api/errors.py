"""Refusals the API makes itself, about how a request's parts fit together (all ``InvalidInput``).

::

    InvalidInput (422)
    ├── IdMismatch     id_mismatch     the body's id (or code) is not the one in the path
    └── NameMismatch   name_mismatch   the body's name is not the one in the path
"""

from __future__ import annotations

from schemas.errors import InvalidInput


class IdMismatch(InvalidInput):
    """The body names another resource than the path it was sent to (by id or code)."""

    code = "id_mismatch"


class NameMismatch(InvalidInput):
    """The body's name is not the name in the path it was sent to."""

    code = "name_mismatch"


__all__ = ["IdMismatch", "NameMismatch"]
