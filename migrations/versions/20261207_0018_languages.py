"""the resident's language: on the case, and on each message sent

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("cases", "outbox_messages"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("language", sa.String(length=5), nullable=False,
                                          server_default="nl"))


def downgrade() -> None:
    for table in ("outbox_messages", "cases"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("language")
