"""an external task keeps its own variables (a repeating task's item): a worker is told the
item each round is for, not only the case's variables

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 14:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("external_tasks") as batch_op:
        batch_op.add_column(sa.Column("variables", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("external_tasks") as batch_op:
        batch_op.drop_column("variables")
