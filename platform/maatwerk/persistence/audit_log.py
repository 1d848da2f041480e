"""Writing and verifying the audit chain: keyed (an HMAC under a key outside the database),
with contiguous event ids and a head row; anchors taken outside it fix a past head."""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection, String, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..domain.audit import GENESIS_HASH, Anchor, AuditEntry, canonical_content, chain_hash
from . import bulk
from .models import AuditEvent, Base, table_of, utcnow


class AuditHead(Base):
    """The chain's last link. Its row lock serialises appends, and it reveals a deleted tail."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    last_event_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)


def _content_of(event: AuditEvent) -> str:
    return canonical_content(
        occurred_at=event.occurred_at, actor=event.actor, action=event.action,
        case_id=event.case_id, task_id=event.task_id, result=event.result,
        channel=event.channel, details=event.details)


class Head(NamedTuple):
    """The chain's head as a transaction locked it."""

    last_event_id: int
    last_hash: str


def append(session: Session, entries: list[AuditEntry], key: bytes,
           locked: Head | None = None) -> int:
    """Chain and insert entries; call last in a transaction to hold the head lock briefly.
    `locked` is the head when the transaction has locked it already (a step's row writes
    on PostgreSQL do, saving the round trip; step_writes.py).

    The rest of the unit of work is flushed first (events refer to its cases and tasks);
    the events and the head are then written with two plain statements, not as ORM objects:
    nothing reads them back in the same transaction, and the ORM's bookkeeping for them was
    half the cost of a task completion. Returns the number of events written."""
    if not entries:
        return 0
    session.flush()
    conn = session.connection()
    head = locked or _locked_head(conn)
    prev, next_id = head.last_hash, head.last_event_id
    rows: list[dict[str, Any]] = []
    for entry in entries:
        next_id += 1  # ids follow the chain: the head lock makes them ours alone
        row: dict[str, Any] = {
            "id": next_id, "occurred_at": utcnow(), "actor": entry.actor,
            "action": entry.action, "case_id": entry.case_id, "task_id": entry.task_id,
            "result": entry.result, "channel": entry.channel,
            "details": _jsonable(entry.details), "prev_hash": prev}
        row["hash"] = prev = chain_hash(key, prev, canonical_content(
            occurred_at=row["occurred_at"], actor=row["actor"], action=row["action"],
            case_id=row["case_id"], task_id=row["task_id"], result=row["result"],
            channel=row["channel"], details=row["details"]))
        rows.append(row)
    if conn.dialect.name == "postgresql":  # one round trip: the head moves with the events
        conn.execute(_EVENTS_WITH_HEAD, {"b_last": next_id, "b_hash": prev,
                                         **bulk.as_arrays(rows, _EVENT_COLUMNS, "e")})
    else:
        conn.execute(_INSERT_EVENTS, rows)
        conn.execute(_MOVE_HEAD, {"b_last": next_id, "b_hash": prev})
    return len(rows)


# Built once, run on the session's connection: composing a statement (and the ORM's
# handling of one) costs more than the database takes to run it.
_heads = table_of(AuditHead)
_HEAD = select(_heads.c.last_event_id, _heads.c.last_hash).where(_heads.c.id == 1) \
    .with_for_update()
# the head locked as part of another statement (a WITH query); no row before the first event
HEAD_LOCK = _HEAD.cte("audit_head_locked")
_INSERT_EVENTS = insert(table_of(AuditEvent))
_MOVE_HEAD = update(_heads).where(_heads.c.id == 1).values(
    last_event_id=bindparam("b_last"), last_hash=bindparam("b_hash"))


_EVENT_COLUMNS = ("id", "occurred_at", "actor", "action", "case_id", "task_id", "result",
                  "channel", "details", "prev_hash", "hash")
# the events' INSERT with the head's UPDATE, in one statement of constant shape
_EVENTS_WITH_HEAD = insert(table_of(AuditEvent)).from_select(
    _EVENT_COLUMNS, bulk.unnest_select(table_of(AuditEvent), _EVENT_COLUMNS, "e")) \
    .add_cte(_MOVE_HEAD.cte("head"))


def _locked_head(conn: Connection) -> Head:
    """The head row, locked for this transaction (created on the very first event)."""
    head = conn.execute(_HEAD).one_or_none()
    if head is None:
        module = postgresql if conn.dialect.name == "postgresql" else sqlite
        conn.execute(module.insert(AuditHead).values(
            id=1, last_event_id=0, last_hash=GENESIS_HASH).on_conflict_do_nothing())
        head = conn.execute(_HEAD).one()
    return Head(head.last_event_id, head.last_hash)


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    plain: dict[str, Any] = json.loads(json.dumps(details, default=str))
    return plain


@dataclass
class Verification:
    ok: bool
    checked: int
    first_broken: int | None
    reason: str | None = None
    # where the state tables no longer say what the record says (audit_state.py)
    state_problems: list[str] = field(default_factory=list)


def verify(session: Session, key: bytes, anchors: Iterable[Anchor] = (),
           batch: int = 2000) -> Verification:
    """Recompute the chain from the first event; name the first event that does not fit.
    Ids run 1, 2, 3, ... without a gap; every anchor must be ours and match its event."""
    pinned = {a.event_id: a for a in anchors}
    prev, checked, last_id = GENESIS_HASH, 0, 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(batch)).scalars().all()
        if not rows:
            break
        for event in rows:
            reason = _misfit(event, key, prev, last_id, pinned.get(event.id))
            if reason is not None:
                return Verification(False, checked, event.id, reason)
            prev, checked, last_id = event.hash, checked + 1, event.id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_event_id != last_id or head.last_hash != prev):
        return Verification(False, checked, head.last_event_id or None,
                            "the chain's last event is missing or changed")
    beyond = sorted(i for i in pinned if i > last_id)
    if beyond:
        return Verification(False, checked, beyond[0], "an anchored event is missing: the "
                            "record ends before it")
    return Verification(True, checked, None)


def _misfit(event: AuditEvent, key: bytes, prev: str, last_id: int,
            anchor: Anchor | None) -> str | None:
    """Why this event does not fit the chain after `prev` (None when it does)."""
    if event.id != last_id + 1:
        return (f"event ids jump from {last_id} to {event.id}: events "
                f"{last_id + 1}-{event.id - 1} were removed")
    if event.prev_hash != prev:
        return ("previous hash does not match: an event before it was removed, changed or "
                "moved")
    if chain_hash(key, prev, _content_of(event)) != event.hash:
        return "content does not match its hash (or the record was made with another key)"
    if anchor is not None and not anchor.signed_by(key):
        return "the anchor for this event was not signed with this record's key"
    if anchor is not None and anchor.hash != event.hash:
        return (f"the event does not match the anchor taken at {anchor.at}: the record up "
                "to it was rewritten")
    return None


def anchor(session: Session, key: bytes) -> Anchor | None:
    """The head now, signed (None while the record is empty)."""
    head = session.get(AuditHead, 1)
    if head is None or head.last_event_id == 0:
        return None
    return Anchor.sign(key, head.last_event_id, head.last_hash,
                       utcnow().isoformat(timespec="seconds"))


def events_of_case(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.id)).scalars())


def latest(session: Session, limit: int = 50) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())
                                .limit(limit)).scalars())


