"""process models that start with a message

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_models") as batch_op:
        batch_op.add_column(sa.Column("start_message", sa.String(length=255), nullable=True))
        batch_op.create_index("ix_process_models_start_message", ["start_message"])


def downgrade() -> None:
    with op.batch_alter_table("process_models") as batch_op:
        batch_op.drop_index("ix_process_models_start_message")
        batch_op.drop_column("start_message")
