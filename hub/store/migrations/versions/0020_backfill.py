"""State jobs (backfill, rehome): one subscription's records from the current state (ADR 011)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_backfill"
down_revision = "0000_base"
branch_labels = ("backfill",)
depends_on = None


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "state_jobs",
        sa.Column("id", big_id, primary_key=True, autoincrement=True),
        sa.Column("subscription_id", sa.String(63), nullable=False, index=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("handover", sa.JSON(), nullable=True),
        sa.Column("lane_start", sa.JSON(), nullable=True),
        sa.Column("cursor", sa.JSON(), nullable=False),
        sa.Column("scanned", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("selected", sa.BigInteger(), nullable=False),
        sa.Column("produced", sa.BigInteger(), nullable=False),
        sa.Column("delivered", sa.BigInteger(), nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(100), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(1000), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("state_jobs")
