"""Connectors: config and operator commands, runtime state (lease, position, status), worker heartbeats."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_connectors"
down_revision = "0000_base"
branch_labels = ("connectors",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connectors",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("restart_seq", sa.Integer(), nullable=False),
        sa.Column("snapshot_seq", sa.Integer(), nullable=False),
        sa.Column("snapshot_tables", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "connector_runtime",
        sa.Column(
            "name", sa.String(63), sa.ForeignKey("connectors.name", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Text(), nullable=True),
        sa.Column("position_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.JSON(), nullable=True),
        sa.Column("status_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_connector_runtime_lease_owner", "connector_runtime", ["lease_owner"])
    op.create_table(
        "connector_workers",
        sa.Column("worker_id", sa.String(200), primary_key=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("connector_workers")
    op.drop_index("ix_connector_runtime_lease_owner", table_name="connector_runtime")
    op.drop_table("connector_runtime")
    op.drop_table("connectors")
