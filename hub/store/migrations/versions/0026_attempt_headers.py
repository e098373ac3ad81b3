"""The attempts branch: what each push sent and what the endpoint answered.

``delivery_attempts`` gains the request's headers (secret values already redacted by the
sender), the answer's content type and its body (at most 2 KiB, ``response_truncated`` when it
was longer). Older rows keep nulls: they were logged before anything was recorded.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_attempt_headers"
down_revision = "0000_base"
branch_labels = ("attempts",)
depends_on = ("0004_deliveries",)


def upgrade() -> None:
    op.add_column("delivery_attempts", sa.Column("request_headers", sa.JSON(), nullable=True))
    op.add_column("delivery_attempts", sa.Column("response_content_type", sa.String(200), nullable=True))
    op.add_column("delivery_attempts", sa.Column("response_body", sa.Text(), nullable=True))
    op.add_column(
        "delivery_attempts",
        sa.Column("response_truncated", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    for name in ("response_truncated", "response_body", "response_content_type", "request_headers"):
        op.drop_column("delivery_attempts", name)
