"""API tokens expire and can be revoked: expires_at (tokens made before get 90 days from
now), revoked_at and revoked_by

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 11:00:00.000000
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by", sa.String(length=80), nullable=True))
    # the migration keeps its own types (never the app's models, which move on): an aware
    # UTC datetime is stored as the app's UtcDateTime stores it, on both databases
    tokens = sa.table("api_tokens", sa.column("expires_at", sa.DateTime(timezone=True)))
    op.execute(tokens.update().values(
        expires_at=datetime.now(timezone.utc) + timedelta(days=90)))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("revoked_at")
        batch_op.drop_column("expires_at")
