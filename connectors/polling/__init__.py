"""The ``sql_polling`` kind: any SQL database, polled by an updated-at watermark, plus the outbox.

Importing this package registers the kind (``connectors.kinds`` does it for the runtime).
"""

from connectors import registry
from connectors.polling.config import KIND, SqlPollingConfig, TableColumns
from connectors.polling.source import SqlPollingSource
from connectors.polling.validation import check_config

registry.register(KIND, SqlPollingConfig, SqlPollingSource, validate=check_config)

__all__ = ["KIND", "SqlPollingConfig", "SqlPollingSource", "TableColumns", "check_config"]
