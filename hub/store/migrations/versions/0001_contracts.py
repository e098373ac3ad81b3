"""Contract registry: subjects (with their compatibility mode) and their numbered versions."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_contracts"
down_revision = "0000_base"
branch_labels = ("contracts",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contract_subjects",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("compatibility", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "contract_versions",
        sa.Column(
            "subject",
            sa.String(200),
            sa.ForeignKey("contract_subjects.name", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_contract_versions_fingerprint", "contract_versions", ["subject", "fingerprint"])


def downgrade() -> None:
    op.drop_index("ix_contract_versions_fingerprint", table_name="contract_versions")
    op.drop_table("contract_versions")
    op.drop_table("contract_subjects")
