"""Writing and verifying the audit chain."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..domain.audit import GENESIS_HASH, AuditEntry, canonical_content, chain_hash
from .models import AuditEvent, Base, utcnow


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


def append(session: Session, entries: list[AuditEntry]) -> list[AuditEvent]:
    """Chain and insert entries; call last in a transaction to hold the head lock briefly."""
    if not entries:
        return []
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_event_id=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    written = []
    prev = head.last_hash
    next_id = head.last_event_id
    for entry in entries:
        occurred_at = utcnow()
        next_id += 1  # ids follow the chain: the head lock makes them ours alone
        event = AuditEvent(
            id=next_id, occurred_at=occurred_at, actor=entry.actor, action=entry.action,
            case_id=entry.case_id, task_id=entry.task_id, result=entry.result,
            channel=entry.channel, details=_jsonable(entry.details), prev_hash=prev, hash="")
        event.hash = chain_hash(prev, _content_of(event))
        session.add(event)
        prev = event.hash
        written.append(event)
    session.flush()
    head.last_event_id = written[-1].id
    head.last_hash = prev
    return written


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(details, default=str))


@dataclass
class Verification:
    ok: bool
    checked: int
    first_broken: int | None
    reason: str | None = None


def verify(session: Session, batch: int = 2000) -> Verification:
    """Recompute the chain from the first event; name the first event that does not fit."""
    prev = GENESIS_HASH
    checked = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
            .limit(batch)).scalars().all()
        if not rows:
            break
        for event in rows:
            if event.prev_hash != prev:
                return Verification(False, checked, event.id,
                                    "previous hash does not match: an event before it was "
                                    "removed, changed or moved")
            if chain_hash(prev, _content_of(event)) != event.hash:
                return Verification(False, checked, event.id, "content does not match its hash")
            prev = event.hash
            checked += 1
            last_id = event.id
        session.expunge_all()
    head = session.get(AuditHead, 1)
    if head is not None and (head.last_event_id != last_id or head.last_hash != prev):
        return Verification(False, checked, head.last_event_id or None,
                            "the chain's last event is missing or changed")
    return Verification(True, checked, None)


def events_of_case(session: Session, case_id: int) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                .order_by(AuditEvent.id)).scalars())


def latest(session: Session, limit: int = 50) -> list[AuditEvent]:
    return list(session.execute(select(AuditEvent).order_by(AuditEvent.id.desc())
                                .limit(limit)).scalars())


