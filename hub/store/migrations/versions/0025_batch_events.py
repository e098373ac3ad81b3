"""Events sent in batches, by subscription: a later copy of one in a feed is not sent again (ADR 013)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_batch_events"
down_revision = "0000_base"
branch_labels = ("batch_events",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_batch_events",
        sa.Column("subscription_id", sa.String(63), primary_key=True),
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("batch_id", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_delivery_batch_events_created_at", "delivery_batch_events", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_delivery_batch_events_created_at", "delivery_batch_events")
    op.drop_table("delivery_batch_events")
