"""The batch ledger: open requests' webhook-id, members and attempt count (ADR 013)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_batch_ledger"
down_revision = "0000_base"
branch_labels = ("batchids",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_batches",
        sa.Column("subscription_id", sa.String(63), primary_key=True),
        sa.Column("batch_id", sa.String(200), primary_key=True),
        sa.Column("topic", sa.String(249), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offsets", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_offset", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    columns = ["subscription_id", "topic", "partition"]
    op.create_index("ix_delivery_batches_partition", "delivery_batches", columns)


def downgrade() -> None:
    op.drop_index("ix_delivery_batches_partition", "delivery_batches")
    op.drop_table("delivery_batches")
