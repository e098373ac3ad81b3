"""Quarantine republish progress: which held records were sent on to their feed, once."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_quarantine"
down_revision = "0000_base"
branch_labels = ("quarantine",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quarantine_republished",
        sa.Column("topic", sa.String(249), primary_key=True),
        sa.Column("partition", sa.Integer(), primary_key=True),
        sa.Column("offset", sa.BigInteger(), primary_key=True),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("feed_partition", sa.Integer(), nullable=False),
        sa.Column("feed_offset", sa.BigInteger(), nullable=False),
        sa.Column("republished_by", sa.String(200), nullable=True),
        sa.Column("republished_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("quarantine_republished")
