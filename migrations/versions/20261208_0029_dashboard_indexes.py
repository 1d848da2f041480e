"""the team dashboard's indexes: open cases by decision date, and a process version's
cases by the moment they were started and decided

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 23:40:00.000000
"""
from __future__ import annotations

from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_status_due', 'cases', ['status', 'due_at'])
    op.create_index('ix_cases_model_created', 'cases', ['process_model_id', 'created_at'])
    op.create_index('ix_cases_model_completed', 'cases', ['process_model_id', 'completed_at'])


def downgrade() -> None:
    op.drop_index('ix_cases_model_completed', table_name='cases')
    op.drop_index('ix_cases_model_created', table_name='cases')
    op.drop_index('ix_cases_status_due', table_name='cases')
