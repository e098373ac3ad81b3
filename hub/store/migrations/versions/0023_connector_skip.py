"""A connector's skip command: move past the change held right after a committed position."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_connector_skip"
down_revision = "0000_base"
branch_labels = ("security",)
depends_on = ("0002_connectors",)


def upgrade() -> None:
    op.add_column("connectors", sa.Column("skip_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("connectors", sa.Column("skip_after", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("connectors", "skip_after")
    op.drop_column("connectors", "skip_seq")
