"""Key-sharded connector tasks (ADR 017 part 3): one lease, position and status per task.

A connector of ``tasks: N > 1`` has N rows here named ``<connector>#<i>``; its own
``connector_runtime`` row stays (nobody leases it while task rows exist).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "shard_connector_tasks"
down_revision = "0000_base"
branch_labels = ("shard",)
depends_on = ("0002_connectors",)


def upgrade() -> None:
    op.create_table(
        "connector_tasks",
        sa.Column("name", sa.String(70), primary_key=True),
        sa.Column(
            "connector", sa.String(63), sa.ForeignKey("connectors.name", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("snapshot_seq", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.JSON(), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_connector_tasks_connector", "connector_tasks", ["connector"])
    op.create_index("ix_connector_tasks_lease_owner", "connector_tasks", ["lease_owner"])


def downgrade() -> None:
    op.drop_table("connector_tasks")
