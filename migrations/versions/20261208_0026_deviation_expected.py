"""what approval of a deviation was expected to do, kept with the request: the team lead's
queue shows it (the steps open afterwards, the new decision date, the case's version then)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-08 20:40:00.000000

Requests made before this have none; the queue then says nothing about what approval does.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expected', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.drop_column('expected')
