"""the audit chain becomes keyed: the record written so far is checked as it was made (plain
SHA-256) and then signed again under the audit key (an HMAC; config.audit_key), which is
not in the database

A record that does not verify as it was made is not signed again: the upgrade stops and
names the first broken event, so that no rewrite before it is laundered by the new key.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:00:00.000000
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from maatwerk.config import audit_key
from maatwerk.domain.audit import (
    GENESIS_HASH,
    canonical_content,
    chain_hash,
    plain_chain_hash,
)

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BATCH = 2000


def _events(conn: sa.Connection, after: int) -> list[sa.Row[tuple[object, ...]]]:
    return list(conn.execute(sa.text(
        "SELECT id, occurred_at, actor, action, case_id, task_id, result, channel, details, "
        "prev_hash, hash FROM audit_events WHERE id > :after ORDER BY id LIMIT :n"),
        {"after": after, "n": BATCH}))


def _content(row: sa.Row[tuple[object, ...]]) -> str:
    occurred = row.occurred_at
    if isinstance(occurred, str):  # SQLite hands back text
        occurred = datetime.fromisoformat(occurred)
    occurred = occurred.replace(tzinfo=timezone.utc) if occurred.tzinfo is None \
        else occurred.astimezone(timezone.utc)
    details = row.details if isinstance(row.details, dict) else json.loads(row.details or "{}")
    return canonical_content(occurred_at=occurred, actor=row.actor, action=row.action,
                             case_id=row.case_id, task_id=row.task_id, result=row.result,
                             channel=row.channel, details=details)


def _walk(conn: sa.Connection, key: bytes | None) -> str:
    """Check the record as it was made; with `key`, sign each event again under it.
    Returns the last new hash."""
    old_prev, new_prev, last = GENESIS_HASH, GENESIS_HASH, 0
    while rows := _events(conn, last):
        for row in rows:
            content = _content(row)
            if row.prev_hash != old_prev or plain_chain_hash(old_prev, content) != row.hash:
                raise RuntimeError(
                    f"the audit record is broken at event {row.id}: it does not verify as it "
                    "was written, so it is not signed again under the audit key. Find out "
                    "what changed it (maatwerk audit verify on the previous version) first.")
            old_prev = row.hash
            if key is not None:
                new_hash = chain_hash(key, new_prev, content)
                conn.execute(sa.text("UPDATE audit_events SET prev_hash = :p, hash = :h "
                                     "WHERE id = :id"),
                             {"p": new_prev, "h": new_hash, "id": row.id})
                new_prev = new_hash
            last = row.id
    return new_prev


def _has_events(conn: sa.Connection) -> bool:
    return bool(conn.execute(sa.text("SELECT count(*) FROM audit_events")).scalar_one())


def upgrade() -> None:
    conn = op.get_bind()
    if not _has_events(conn):
        return
    key = audit_key()
    _walk(conn, None)  # all of it first: a broken record is left exactly as it is
    head = _walk(conn, key)
    conn.execute(sa.text("UPDATE audit_head SET last_hash = :h WHERE id = 1"), {"h": head})


def downgrade() -> None:
    if _has_events(op.get_bind()):
        raise RuntimeError("a keyed audit record cannot be turned back into a plain one")
