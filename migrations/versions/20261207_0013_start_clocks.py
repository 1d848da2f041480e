"""the clocks of timer start events, which start cases

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 05:30:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "start_clocks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("process_key", sa.String(length=255), nullable=False),
        sa.Column("process_model_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("element_id", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=True),
        sa.Column("started", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["process_model_id"], ["process_models.id"],
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("process_key", "element_id", name="uq_start_clocks_key_element"),
    )
    op.create_index("ix_start_clocks_due_at", "start_clocks", ["due_at"])
    op.create_index("ix_start_clocks_process_model_id", "start_clocks", ["process_model_id"])


def downgrade() -> None:
    op.drop_index("ix_start_clocks_process_model_id", table_name="start_clocks")
    op.drop_index("ix_start_clocks_due_at", table_name="start_clocks")
    op.drop_table("start_clocks")
