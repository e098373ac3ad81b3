"""The ``postgres_cdc`` source kind: PostgreSQL logical replication with the built-in pgoutput
plugin, an incremental (watermark) snapshot, and a slot that is confirmed only after Kafka
acknowledged. Importing the package registers the kind.
"""

from connectors import registry
from connectors.postgres.config import PostgresCdcConfig, SnapshotMode
from connectors.postgres.errors import ReplicationStreamBroken, SlotLost
from connectors.postgres.source import PostgresCdcSource
from connectors.postgres.tables import MissingKeyPolicy
from connectors.postgres.validation import check_config

KIND = "postgres_cdc"

registry.register(KIND, PostgresCdcConfig, PostgresCdcSource, validate=check_config)

__all__ = [
    "KIND",
    "MissingKeyPolicy",
    "PostgresCdcConfig",
    "PostgresCdcSource",
    "ReplicationStreamBroken",
    "SlotLost",
    "SnapshotMode",
]
