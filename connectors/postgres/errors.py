"""The PostgreSQL CDC source's own error codes (all in the project's one hierarchy).

::

    SourceError
    ├── SlotLost                  the replication slot vanished or was invalidated: changes
    │                             after its last position are gone, so the source stops (never
    │                             skips silently) until an operator asks for a re-snapshot
    ├── ReplicationStreamBroken   the stream connection failed; a restart resumes losslessly
    ├── TableRenamed              a captured table changed its name: its feed must follow
    └── (pgoutput.ProtocolError)  bytes we do not understand
    ConfigurationError            codes: wal_level_not_logical, no_replication_privilege,
                                  table_missing, no_primary_key, replica_identity_insufficient,
                                  key_column_missing, source_unreachable
"""

from __future__ import annotations

from schemas.errors import SourceError


class SlotLost(SourceError):
    code = "slot_lost"
    retriable = False


class ReplicationStreamBroken(SourceError):
    code = "replication_stream_broken"
    retriable = True


class TableRenamed(SourceError):
    code = "table_renamed"
    retriable = False
