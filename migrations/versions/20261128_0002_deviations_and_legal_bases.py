"""deviations and legal bases

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 18:22:51.072373
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('legal_bases',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('requires_citation', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('text')
    )
    legal_bases = sa.table('legal_bases', sa.column('text', sa.String),
                           sa.column('requires_citation', sa.Boolean),
                           sa.column('position', sa.Integer), sa.column('active', sa.Boolean))
    op.bulk_insert(legal_bases, [
        {"text": text, "requires_citation": citation, "position": position, "active": True}
        for position, (text, citation) in enumerate([
            ("art. 4:84 Awb", False), ("art. 3:4 lid 2 Awb", False),
            ("hardheidsclausule van de verordening", True),
            ("art. 18 lid 1 Participatiewet", False), ("art. 6:11 Awb", False),
            ("anders", True)])])
    op.create_table('deviations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('case_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('process_model_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('element_id', sa.String(length=255), nullable=True),
    sa.Column('target_element_id', sa.String(length=255), nullable=True),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('legal_basis', sa.String(length=200), nullable=False),
    sa.Column('citation', sa.Text(), nullable=True),
    sa.Column('resident_message', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_model_id'], ['process_models.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deviations_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_deviations_register', ['process_model_id', 'requested_at'], unique=False)
        batch_op.create_index('ix_deviations_status', ['status', 'requested_at'], unique=False)

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=12), nullable=False,
                                      server_default='bpmn'))
        batch_op.add_column(sa.Column('instructions', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('blocks_task_id', sa.String(length=36), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('blocks_task_id')
        batch_op.drop_column('instructions')
        batch_op.drop_column('kind')

    with op.batch_alter_table('deviations', schema=None) as batch_op:
        batch_op.drop_index('ix_deviations_status')
        batch_op.drop_index('ix_deviations_register')
        batch_op.drop_index(batch_op.f('ix_deviations_case_id'))

    op.drop_table('deviations')
    op.drop_table('legal_bases')
