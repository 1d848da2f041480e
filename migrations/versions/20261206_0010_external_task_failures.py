"""external task failures: retries left and the worker's error

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("external_tasks") as batch_op:
        batch_op.add_column(sa.Column("retries", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("error_message", sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column("error_details", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("external_tasks") as batch_op:
        batch_op.drop_column("error_details")
        batch_op.drop_column("error_message")
        batch_op.drop_column("retries")
