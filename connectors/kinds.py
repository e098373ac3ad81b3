"""The built-in source kinds, imported explicitly: reading this file tells every kind there is.

Each import registers one kind with ``connectors.registry`` (add one line per kind). Test-only
kinds register themselves from the tests and never appear here.
"""

from __future__ import annotations

import connectors.postgres  # noqa: F401  # postgres_cdc
import connectors.polling  # noqa: F401  # sql_polling
