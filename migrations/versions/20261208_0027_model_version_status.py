"""a model version's status: a draft until a designer publishes it (new cases start on the
newest published version), and retired when it takes no new cases

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08 21:00:00.000000

Every version stored before this was in use as soon as it was uploaded: published.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_models', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), nullable=False,
                                      server_default='published'))


def downgrade() -> None:
    # not in batch mode: on SQLite that copies the table and drops the old one, which the
    # cases' foreign keys refuse; SQLite (3.35 and later) drops a column in place
    op.drop_column('process_models', 'status')
