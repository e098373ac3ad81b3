"""The security branch: a connector's skip command, and a replay's time window and progress.

- ``connectors.skip_seq`` / ``skip_after``: move past the change held right after a position;
- ``replay_requests.to_time`` and the counters of a windowed replay (``hub.delivery.control.replay``).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_security"
down_revision = "0000_base"
branch_labels = ("security",)
depends_on = ("0002_connectors", "0004_deliveries")

_REPLAY_COUNTERS = ("total", "scanned", "queued")


def upgrade() -> None:
    op.add_column("connectors", sa.Column("skip_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("connectors", sa.Column("skip_after", sa.Text(), nullable=True))
    op.add_column("replay_requests", sa.Column("to_time", sa.DateTime(timezone=True), nullable=True))
    for name in _REPLAY_COUNTERS:
        op.add_column("replay_requests", sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    for name in _REPLAY_COUNTERS:
        op.drop_column("replay_requests", name)
    op.drop_column("replay_requests", "to_time")
    op.drop_column("connectors", "skip_after")
    op.drop_column("connectors", "skip_seq")
