"""The PostgreSQL CDC source's own error codes (all in the project's one hierarchy).

::

    SourceError
    ├── SlotLost                  the replication slot vanished or was invalidated: changes
    │                             after its last position are gone, so the source stops (never
    │                             skips silently) until an operator asks for a re-snapshot
    ├── ReplicationStreamBroken   the stream connection failed; a restart resumes losslessly
    ├── TableRenamed              a captured table changed its name: its feed must follow
    ├── SourceQueryFailed         the source's own SQL failed (a lost connection is the shared
    │                             connectors.errors.SourceUnavailable)
    └── (pgoutput.ProtocolError)  bytes we do not understand
    ConfigurationError
    ├── WalLevelNotLogical        the server cannot decode logically
    ├── NoReplicationPrivilege    the role lacks REPLICATION
    ├── NoPrimaryKey              no key to address rows by
    ├── KeyColumnMissing          the feed's key names a column the table lacks
    ├── ReplicaIdentityInsufficient   deletes would not carry the key
    ├── OutboxMarkColumnType      the outbox's mark column is neither boolean nor timestamp
    ├── TasksNeedPostgres15       tasks > 1 needs publication row filters (PostgreSQL 15+)
    ├── ShardKeyUnsupported       a key column's type has no hash function a row filter may call
    ├── ShardKeyNotInReplicaIdentity   a row filter on the key would break updates and deletes
    └── (connectors.errors: SourceUnreachable, TableMissing, ColumnMissing)
"""

from __future__ import annotations

from schemas.errors import ConfigurationError, SourceError


class SlotLost(SourceError):
    code = "slot_lost"
    retriable = False


class ReplicationStreamBroken(SourceError):
    code = "replication_stream_broken"
    retriable = True


class TableRenamed(SourceError):
    code = "table_renamed"
    retriable = False


class SourceQueryFailed(SourceError):
    """A query of the source's own SQL failed on a live connection; the runtime retries."""

    code = "source_query_failed"


class WalLevelNotLogical(ConfigurationError):
    """The server's ``wal_level`` is not ``logical``, so it cannot stream changes."""

    code = "wal_level_not_logical"


class NoReplicationPrivilege(ConfigurationError):
    """The connector's role lacks the REPLICATION attribute (and is not a superuser)."""

    code = "no_replication_privilege"


class NoPrimaryKey(ConfigurationError):
    """A captured table has no primary key and the feed gives no usable key."""

    code = "no_primary_key"


class KeyColumnMissing(ConfigurationError):
    """The feed's key names a column the table does not have."""

    code = "key_column_missing"


class ReplicaIdentityInsufficient(ConfigurationError):
    """The table's replica identity would not carry the feed's key in a delete."""

    code = "replica_identity_insufficient"


class OutboxMarkColumnType(ConfigurationError):
    """The outbox's mark column is neither a boolean nor a timestamp, so cleanup cannot mark it."""

    code = "outbox_mark_column_type"


class TasksNeedPostgres15(ConfigurationError):
    """``tasks`` above 1 needs publication row filters, which PostgreSQL has from version 15."""

    code = "tasks_need_postgres_15"


class ShardKeyUnsupported(ConfigurationError):
    """A key column's type has no immutable built-in hash function a row filter may call."""

    code = "shard_key_unsupported"


class ShardKeyNotInReplicaIdentity(ConfigurationError):
    """A row filter on the key would make PostgreSQL reject the table's updates and deletes."""

    code = "shard_key_not_in_replica_identity"
