"""Access control, continued: the columns holding signing secrets and connector configs become
text, since they now hold Fernet tokens (``hub.store.crypto``) longer than the old limits.

A revision of the access branch that waits for the subscriptions and connectors branches
(``depends_on``), whose tables it alters. SQLite keeps any text in any column: nothing to do.
Rows stored before stay readable (the column types recognise legacy plaintext).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_encrypted_columns"
down_revision = "0005_access"
branch_labels = None
depends_on = ("0002_connectors", "0003_subscriptions")


def upgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        return
    for column in ("secret_current", "secret_previous"):
        op.alter_column("subscriptions", column, type_=sa.Text(), existing_type=sa.String(200))
    op.alter_column(
        "connectors", "config", type_=sa.Text(), existing_type=sa.JSON(), postgresql_using="config::text"
    )


def downgrade() -> None:
    """Nothing: encrypted values do not fit the old column types."""
