"""letters: a document's kind (sent by the resident, or a letter from us), and the letter a
message carries

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:00:00.000000
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False,
                                      server_default="submitted"))
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("document_id", sa.String(length=36), nullable=True))
        batch_op.create_foreign_key("fk_outbox_messages_document_id", "documents",
                                    ["document_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_constraint("fk_outbox_messages_document_id", type_="foreignkey")
        batch_op.drop_column("document_id")
    with op.batch_alter_table("documents") as batch_op:
        batch_op.drop_column("kind")
