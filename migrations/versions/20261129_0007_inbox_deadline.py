"""inbox entries: candidate rows carry their task's filter and sort columns

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 12:00:00.000000

A person's inbox (count, filters, sort by deadline or age) is then one range of
ix_task_candidates_inbox instead of a join over every open task.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

BigIntId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
COPIED = {  # column: its value for an existing row
    'state': 'SELECT tasks.state FROM tasks WHERE tasks.id = task_candidates.task_id',
    'created_at': 'SELECT tasks.created_at FROM tasks WHERE tasks.id = task_candidates.task_id',
    'due_at': 'SELECT tasks.due_at FROM tasks WHERE tasks.id = task_candidates.task_id',
    'element_id': 'SELECT tasks.element_id FROM tasks WHERE tasks.id = task_candidates.task_id',
    'assignee': 'SELECT tasks.assignee FROM tasks WHERE tasks.id = task_candidates.task_id',
    'case_id': 'SELECT tasks.case_id FROM tasks WHERE tasks.id = task_candidates.task_id',
    'process_model_id': 'SELECT cases.process_model_id FROM tasks JOIN cases ON '
                        'cases.id = tasks.case_id WHERE tasks.id = task_candidates.task_id',
    'shared': 'SELECT count(*) > 1 FROM task_candidates AS other '
              'WHERE other.task_id = task_candidates.task_id',
}
REQUIRED = ('state', 'created_at', 'element_id', 'case_id', 'process_model_id', 'shared')


def upgrade() -> None:
    with op.batch_alter_table('task_candidates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('element_id', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('assignee', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('case_id', BigIntId, nullable=True))
        batch_op.add_column(sa.Column('process_model_id', BigIntId, nullable=True))
        batch_op.add_column(sa.Column('shared', sa.Boolean(), nullable=True))
    op.execute('UPDATE task_candidates SET ' + ', '.join(
        f'{column} = ({query})' for column, query in COPIED.items()))
    with op.batch_alter_table('task_candidates', schema=None) as batch_op:
        for column in REQUIRED:
            batch_op.alter_column(column, existing_type=_type(column), nullable=False)
        batch_op.drop_index('ix_task_candidates_principal')
        batch_op.create_index('ix_task_candidates_inbox', [
            'principal', 'state', 'created_at', 'task_id', 'due_at', 'element_id', 'assignee',
            'process_model_id', 'case_id', 'shared'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('task_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_task_candidates_inbox')
        batch_op.create_index('ix_task_candidates_principal', ['principal', 'task_id'],
                              unique=False)
        for column in reversed(COPIED):
            batch_op.drop_column(column)


def _type(column: str) -> sa.types.TypeEngine[object]:
    return {'state': sa.String(length=12), 'created_at': sa.DateTime(timezone=True),
            'element_id': sa.String(length=255), 'case_id': BigIntId,
            'process_model_id': BigIntId, 'shared': sa.Boolean()}[column]
