"""The connectors' record memory: each source record's key and last administrative unit (ADR 009)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_record_memory"
down_revision = "0000_base"
branch_labels = ("records",)
depends_on = ("0002_connectors",)


def upgrade() -> None:
    op.create_table(
        "connector_records",
        sa.Column(
            "connector", sa.String(63), sa.ForeignKey("connectors.name", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("source_table", sa.String(300), primary_key=True),
        sa.Column("source_key", sa.Text(), primary_key=True),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("key_fields", sa.JSON(), nullable=False),
        sa.Column("admin_unit", sa.String(20), nullable=True),
        sa.Column("original_unit", sa.String(20), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("connector_records")
