"""task rows keep their own id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:56:41.215486
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('engine_task_id', sa.String(length=36), nullable=True))
    op.execute("UPDATE tasks SET engine_task_id = id WHERE kind = 'bpmn'")



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('engine_task_id')

