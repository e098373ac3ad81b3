"""Routed events: each event's Kafka address and source facts, once, for the trace."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# The file is numbered 0007 (0006 is encrypted_columns, written just before it); the id keeps its
# first name because installed databases record it in alembic_version, and alembic must find it.
revision = "0006_routed_events"
down_revision = "0000_base"
branch_labels = ("trace",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "routed_events",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("record_key", sa.String(500), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("connector", sa.String(200), nullable=True),
        sa.Column("source_table", sa.String(300), nullable=True),
        sa.Column("position", sa.String(500), nullable=True),
        sa.Column("txid", sa.String(64), nullable=True),
        sa.Column("commit_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snapshot", sa.Boolean(), nullable=False),
        sa.Column("traceparent", sa.String(64), nullable=True),
        sa.Column("first_routed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_routed_events_record", "routed_events", ["topic", "record_key"])


def downgrade() -> None:
    op.drop_index("ix_routed_events_record", table_name="routed_events")
    op.drop_table("routed_events")
