"""a trial case: started by a designer to try a model version (a draft before it is
published); it is worked like any case but stays out of the figures (the deviation
register, the designer's counts)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08 21:15:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # not in batch mode: on SQLite a batch with this default copies the table and drops the
    # old one, and the cascades from it would delete every case's tasks
    op.add_column('cases', sa.Column('trial', sa.Boolean(), nullable=False,
                                     server_default=sa.false()))


def downgrade() -> None:
    # in place: a batch copy of the cases table would be refused by the rows that point to it
    op.drop_column('cases', 'trial')
