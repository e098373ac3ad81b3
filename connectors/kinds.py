"""The built-in source kinds, imported explicitly: reading this file tells every kind there is.

Each import registers one kind with ``connectors.registry`` (add one line per kind). Test-only
kinds register themselves from the tests and never appear here.
"""

from __future__ import annotations

from connectors import (  # noqa: F401  # imported for their registration
    polling,  # sql_polling
    postgres,  # postgres_cdc
)
