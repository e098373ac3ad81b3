"""The delivery workers: each ``hub run`` process's heartbeat and the consumer assignment it holds."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_workers"
down_revision = "0000_base"
branch_labels = ("workers",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "delivery_workers",
        sa.Column("worker_id", sa.String(200), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holds", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("delivery_workers")
