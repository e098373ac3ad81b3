"""Deliveries: every push attempt, filter counts per subscription and feed, replay requests."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_deliveries"
down_revision = "0000_base"
branch_labels = ("deliveries",)
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")  # SQLite autoincrements INTEGER only


def upgrade() -> None:
    op.create_table(
        "delivery_attempts",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(63), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("record_key", sa.String(500), nullable=True),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("error_code", sa.String(64), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
    )
    op.create_index("ix_delivery_attempts_subscription", "delivery_attempts", ["subscription_id", "id"])
    op.create_index("ix_delivery_attempts_event", "delivery_attempts", ["event_id"])
    op.create_table(
        "delivery_filter_counts",
        sa.Column("subscription_id", sa.String(63), primary_key=True),
        sa.Column("topic", sa.String(249), primary_key=True),
        sa.Column("matched", sa.BigInteger(), nullable=False),
        sa.Column("filtered_out", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "replay_requests",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(63), nullable=False),
        sa.Column("from_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.String(1000), nullable=True),
    )
    op.create_index("ix_replay_requests_state", "replay_requests", ["state", "subscription_id"])


def downgrade() -> None:
    op.drop_index("ix_replay_requests_state", table_name="replay_requests")
    op.drop_table("replay_requests")
    op.drop_table("delivery_filter_counts")
    op.drop_index("ix_delivery_attempts_event", table_name="delivery_attempts")
    op.drop_index("ix_delivery_attempts_subscription", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
