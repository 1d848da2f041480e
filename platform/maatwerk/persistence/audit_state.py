"""Do the state tables still say what the audit record says? The chain (audit_log.py) shows
that no event was changed; this shows that the rows the events speak of were not changed
behind the record's back: every deviation as its last event left it (reason, legal basis,
values, who asked and decided), every document there with the content its event hashed,
every case there whose start is recorded, and no such row without its event."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent, Case, Deviation, Document

DEVIATION_EVENTS = ("deviation_requested", "deviation_approved", "deviation_rejected",
                    "deviation_withdrawn")
DEVIATION_FIELDS = ("type", "status", "task_id", "element_id", "target_element_id", "values",
                    "before", "after", "reason", "legal_basis", "citation",
                    "resident_message", "requested_by", "decided_by", "decision_comment")
DOCUMENT_EVENTS = ("document_received", "letter_made")
MOST = 50  # problems named at most; the first ones are what matter


def problems(session: Session) -> list[str]:
    """What differs between the state tables and the record, first found first."""
    found: list[str] = []
    for check in (_deviations, _documents, _cases):
        for problem in check(session):
            found.append(problem)
            if len(found) >= MOST:
                return found
    return found


def _last_events(session: Session, actions: tuple[str, ...], key: str,
                 fields: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Per object (details[key]), its last event of these kinds: (event id, a digest of
    those fields of its details). Digests, not the details, so that a record of a million
    events is checked in little memory; the events stream in batches."""
    last: dict[str, tuple[int, str]] = {}
    for event_id, details in session.execute(
            select(AuditEvent.id, AuditEvent.details).where(AuditEvent.action.in_(actions))
            .order_by(AuditEvent.id).execution_options(yield_per=1000)):
        if isinstance(details, dict) and details.get(key) is not None:
            last[str(details[key])] = (event_id, _digest([details.get(f) for f in fields]))
    return last


def _digest(values: list[Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _deviations(session: Session) -> Iterator[str]:
    recorded = _last_events(session, DEVIATION_EVENTS, "id", DEVIATION_FIELDS)
    rows = session.scalars(select(Deviation).order_by(Deviation.id)
                           .execution_options(yield_per=200))
    for row in rows:
        event = recorded.pop(str(row.id), None)
        if event is None:
            yield f"deviation {row.id} is not in the audit record: added outside the platform"
            continue
        event_id, digest = event
        state = [_plain(getattr(row, name)) for name in DEVIATION_FIELDS]
        if _digest(state) == digest:
            continue
        details = session.scalar(select(AuditEvent.details).where(AuditEvent.id == event_id))
        changed = [name for name, value in zip(DEVIATION_FIELDS, state, strict=True)
                   if value != (details or {}).get(name)]
        if changed:
            yield (f"deviation {row.id}: {', '.join(changed)} differ(s) from event {event_id}: "
                   "changed outside the platform")
    for deviation_id, (event_id, _details) in recorded.items():
        yield f"deviation {deviation_id} is gone, though event {event_id} records it"


def _documents(session: Session) -> Iterator[str]:
    recorded = _last_events(session, DOCUMENT_EVENTS, "document_id", ("sha256", "filename"))
    rows = session.execute(select(Document.id, Document.filename, Document.sha256,
                                  Document.content).order_by(Document.created_at, Document.id)
                           .execution_options(yield_per=20))
    for document_id, filename, sha256, content in rows:
        event = recorded.pop(document_id, None)
        if event is None:
            yield f"document {document_id} is not in the audit record: added outside the platform"
            continue
        event_id, digest = event
        if _digest([sha256, filename]) != digest:
            yield f"document {document_id}: its name or hash differs from event {event_id}"
        elif hashlib.sha256(content).hexdigest() != sha256:
            yield f"document {document_id}: its content was changed after event {event_id}"
    for document_id, (event_id, _details) in recorded.items():
        yield f"document {document_id} is gone, though event {event_id} records it"


def _cases(session: Session) -> Iterator[str]:
    started: dict[int, int] = {
        case_id: event_id for event_id, case_id in session.execute(
            select(AuditEvent.id, AuditEvent.case_id).where(
                AuditEvent.action == "case_started", AuditEvent.case_id.is_not(None)))
        if case_id is not None}
    for (case_id,) in session.execute(select(Case.id).order_by(Case.id)):
        if started.pop(case_id, None) is None:
            yield f"case {case_id} has no start in the audit record: added outside the platform"
    for case_id, event_id in started.items():
        yield f"case {case_id} is gone, though event {event_id} records its start"
