"""messages from the resident, from their status page

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 07:45:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resident_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_by", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_resident_messages_case_id", "resident_messages", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_resident_messages_case_id", table_name="resident_messages")
    op.drop_table("resident_messages")
