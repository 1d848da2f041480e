"""Messages both ways besides the steps of the case: the resident writes from their status
page at any time (a question, a remark, with a document if they like); caseworkers see the
new ones on the case and in the inbox, mark them read, and answer from the case page or the
API. An answer goes through the outbox (outbox.py) like every message to the resident.
Every message in both directions is on the case's record and in the audit chain.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from ..domain.audit import AuditEntry
from ..domain.documents import CheckedFile
from ..domain.principal import RESIDENT, Principal
from ..persistence.models import Case, Document, ResidentMessage, utcnow
from ..persistence.uow import UnitOfWork
from . import mail_templates, mail_text, outbox, receipts, resident_links
from .case_access import get_case_contents
from .documents import MESSAGE_FIELD, PendingDocument, store
from .errors import Forbidden, InvalidInput

MAX_TEXT = 4000
FIELD = MESSAGE_FIELD  # the form field (and a document's field_key) of a resident's message


@dataclass(frozen=True)
class IncomingView:
    """A message from the resident, as staff and the resident read it."""

    id: int
    text: str
    created_at: datetime
    read_at: datetime | None
    read_by: str | None
    document_id: str | None
    filename: str | None
    direction: str = "from_resident"
    kind: str = "resident_message"

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "direction": self.direction,
                "text": self.text, "document_id": self.document_id,
                "filename": self.filename, "created_at": self.created_at.isoformat(),
                "read_at": self.read_at.isoformat() if self.read_at else None,
                "read_by": self.read_by}


def receive(uow: UnitOfWork, case: Case, text: str, file: CheckedFile | None = None,
            channel: str = "online") -> ResidentMessage:
    """The resident's message (and its document, checked), on record; committed."""
    clean = _text(text)
    pending = PendingDocument(str(uuid.uuid4()), FIELD, file) if file is not None else None
    now = utcnow()
    if pending is not None:
        store(uow, case.id, None, [pending], RESIDENT.username, channel)
        uow.session.flush()
    message = ResidentMessage(case_id=case.id, text=clean, channel=channel, created_at=now,
                              document_id=pending.id if pending else None)
    uow.session.add(message)
    uow.session.flush()
    uow.record(AuditEntry(RESIDENT.username, "resident_message_received", case_id=case.id,
                          channel=channel, details={
                              "message_id": message.id, "length": len(clean),
                              **({"document_id": pending.id} if pending else {})}))
    uow.commit()
    return message


def answer(uow: UnitOfWork, case_id: int, actor: Principal, text: str) -> outbox.MessageView:
    """A caseworker's message to the resident (sent by e-mail through the outbox); the
    resident's messages so far count as read. Committed."""
    case = _case_to_act_on(uow, case_id, actor)
    clean = _text(text)
    now = utcnow()
    model = case.process_model
    link = resident_links.another(uow, case, now)
    mail = mail_templates.designed(uow, case, "answer", mail_templates.values(
        model, case, link, tekst=clean)) or mail_text.compose(
        f"Bericht over uw aanvraag {model.name} ({case.reference})", case.resident_name,
        [(f"Wij hebben een bericht voor u over uw aanvraag '{model.name}' (zaaknummer "
         f"{case.reference})."), "", *clean.splitlines(), ""],
        "Wilt u reageren? Dat kan op deze pagina:", link)
    message = outbox.queue(uow, case, "answer", receipts.address(model, case.data or {}),
                           mail, actor.username, now)
    _read(uow, case, actor, now)
    uow.session.flush()
    sent = outbox.view(message)
    uow.commit()
    return sent


def mark_read(uow: UnitOfWork, case_id: int, actor: Principal) -> int:
    """The resident's unread messages on this case count as read by `actor`; how many."""
    case = _case_to_act_on(uow, case_id, actor)
    count = _read(uow, case, actor, utcnow())
    uow.commit()
    return count


def for_case(uow: UnitOfWork, case_id: int, actor: Principal) -> list[IncomingView]:
    get_case_contents(uow, case_id, actor)
    return _views(uow, case_id)


def for_resident(uow: UnitOfWork, case: Case) -> list[IncomingView]:
    return _views(uow, case.id)


def conversation(uow: UnitOfWork, case_id: int, actor: Principal
                 ) -> list[outbox.MessageView | IncomingView]:
    """Every message of the case in both directions, oldest first."""
    both: list[outbox.MessageView | IncomingView] = [
        *outbox.for_case(uow, case_id, actor), *_views(uow, case_id)]
    return sorted(both, key=lambda m: m.created_at)


def unread_by_case(uow: UnitOfWork, case_ids: set[int]) -> dict[int, int]:
    """How many messages from the resident no one has read yet, per case (for the inbox)."""
    if not case_ids:
        return {}
    rows = uow.session.execute(
        select(ResidentMessage.case_id, func.count()).where(
            ResidentMessage.case_id.in_(case_ids), ResidentMessage.read_at.is_(None))
        .group_by(ResidentMessage.case_id))
    return {row[0]: int(row[1]) for row in rows}


def _case_to_act_on(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    case = get_case_contents(uow, case_id, actor)
    if not actor.has_role("caseworker", "teamlead"):
        raise Forbidden("Only caseworkers and team leads write to residents.")
    return case


def _read(uow: UnitOfWork, case: Case, actor: Principal, now: datetime) -> int:
    done = uow.session.execute(
        update(ResidentMessage).where(ResidentMessage.case_id == case.id,
                                      ResidentMessage.read_at.is_(None))
        .values(read_at=now, read_by=actor.username)
        .execution_options(synchronize_session=False))
    count = int(done.rowcount)  # type: ignore[attr-defined]
    if count:
        uow.record(AuditEntry(actor.username, "resident_messages_read", case_id=case.id,
                              details={"count": count}))
    return count


def _views(uow: UnitOfWork, case_id: int) -> list[IncomingView]:
    rows = uow.session.execute(
        select(ResidentMessage, Document.filename)
        .outerjoin(Document, Document.id == ResidentMessage.document_id)
        .where(ResidentMessage.case_id == case_id).order_by(ResidentMessage.id))
    return [IncomingView(m.id, m.text, m.created_at, m.read_at, m.read_by, m.document_id,
                         filename) for m, filename in rows]


def _text(text: str | None) -> str:
    clean = (text or "").replace("\r\n", "\n").strip()
    if not clean:
        raise InvalidInput("The message is empty.", {"text": "Write the message."})
    if len(clean) > MAX_TEXT:
        raise InvalidInput(f"The message is longer than {MAX_TEXT} characters.",
                           {"text": f"At most {MAX_TEXT} characters."})
    return clean
