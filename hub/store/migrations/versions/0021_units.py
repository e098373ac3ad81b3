"""Administrative-units versions loaded after the shipped one (ADR 012): one row each, one active."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_units"
down_revision = "0000_base"
branch_labels = ("units",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_unit_versions",
        sa.Column("version", sa.String(20), primary_key=True),
        sa.Column("parent", sa.String(20), nullable=False, unique=True),  # one line of versions, no forks
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(200), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("rehoming", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("admin_unit_versions")
