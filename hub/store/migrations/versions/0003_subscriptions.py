"""Subscriptions: the declaration as JSON, operational state, and the signing secrets."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_subscriptions"
down_revision = "0000_base"
branch_labels = ("subscriptions",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(63), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.String(1000), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("secret_current", sa.String(200), nullable=False),
        sa.Column("secret_previous", sa.String(200), nullable=True),
        sa.Column("secret_previous_expires_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_subscriptions_owner", "subscriptions", ["owner"])
    op.create_index("ix_subscriptions_state", "subscriptions", ["state"])


def downgrade() -> None:
    op.drop_index("ix_subscriptions_state", table_name="subscriptions")
    op.drop_index("ix_subscriptions_owner", table_name="subscriptions")
    op.drop_table("subscriptions")
