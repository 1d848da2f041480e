"""legal deadlines

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 18:28:23.738963
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('deadline_suspensions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deadline_suspensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_suspensions_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('suspended_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_due_at'), ['due_at'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_index('ix_tasks_state_due', ['state', 'due_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_state_due')
        batch_op.drop_index('ix_tasks_state_created')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_due_at'))
        batch_op.drop_column('suspended_since')
        batch_op.drop_column('due_at')

    with op.batch_alter_table('deadline_suspensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deadline_suspensions_case_id'))

    op.drop_table('deadline_suspensions')
