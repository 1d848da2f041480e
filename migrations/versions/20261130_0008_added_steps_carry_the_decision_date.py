"""added steps carry their case's decision date

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:00:00.000000

A step added by a deviation was stored without its case's decision date, so the inbox
sorted it after every task with one. Open added steps (and their inbox entries) get it.
"""
from __future__ import annotations

from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE tasks SET due_at = (SELECT cases.due_at FROM cases "
               "WHERE cases.id = tasks.case_id) WHERE kind = 'adhoc' AND state = 'open'")
    op.execute("UPDATE task_candidates SET due_at = (SELECT tasks.due_at FROM tasks "
               "WHERE tasks.id = task_candidates.task_id) WHERE task_id IN "
               "(SELECT id FROM tasks WHERE kind = 'adhoc' AND state = 'open')")


def downgrade() -> None:
    pass  # the dates were missing by mistake; nothing to restore
