"""The outbox: what a case says to its resident is written in the step that says it, and
delivered afterwards by `maatwerk worker` (mail_delivery.py).

A message exists only when its step committed; the worker takes a due message with a
short lease (a conditional update, so two workers never take the same one), sends it
outside any transaction, and then marks it sent, or tries again later: after 1, 2, 4, ...
minutes, up to a day apart, and gives up after MAX_ATTEMPTS, visibly on the case. A worker
that dies between sending and marking leaves the lease to run out, and the message is
sent again with the same Message-ID (mail programs show it once).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import select, update

from ..domain.audit import AuditEntry
from ..domain.dutch_dates import long_date
from ..domain.principal import Principal
from ..persistence.models import Case, Document, OutboxMessage, utcnow
from ..persistence.uow import UnitOfWork
from .case_access import get_case_contents

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
_LONGEST_WAIT = timedelta(days=1)
_STATUS_LINK = re.compile(r"/status/[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    language: str = "nl"


def queue(uow: UnitOfWork, case: Case, kind: str, recipient: str | None, mail: Mail,
          actor: str, now: datetime, task_id: str | None = None,
          send_at: datetime | None = None, document_id: str | None = None) -> OutboxMessage:
    """The message, in the caller's transaction (the step's), with its audit event; sent
    from `send_at` on (a reminder), else at once. `task_id`: the task it asks about;
    `document_id`: the letter it carries (attached to the mail)."""
    message = OutboxMessage(
        case_id=case.id, kind=kind, recipient=recipient, subject=mail.subject,
        body_text=mail.text, body_html=mail.html,
        state="pending" if recipient else "no_address", attempts=0,
        next_attempt_at=(send_at or now) if recipient else None, task_id=task_id,
        document_id=document_id,
        message_id=make_msgid(domain="maatwerk.local"), created_at=now,
        language=mail.language)
    uow.session.add(message)
    uow.record(AuditEntry(actor, "message_queued", case_id=case.id, details={
        "kind": kind, "subject": mail.subject, "by_email": recipient is not None}))
    return message


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


def attachment(uow: UnitOfWork, message: OutboxMessage) -> Attachment | None:
    """The letter the message carries, if it carries one."""
    if message.document_id is None:
        return None
    row = uow.session.execute(select(Document.filename, Document.content_type,
                                     Document.content)
                              .where(Document.id == message.document_id)).first()
    return Attachment(row.filename, row.content_type, row.content) if row else None


def withdraw_reminders(uow: UnitOfWork, task_ids: list[str]) -> None:
    """The reminders of these tasks, done before the reminder was due, are not sent."""
    uow.session.execute(update(OutboxMessage).where(
        OutboxMessage.task_id.in_(task_ids), OutboxMessage.kind == "reminder",
        OutboxMessage.state == "pending", OutboxMessage.attempts == 0)
        .values(state="withdrawn", next_attempt_at=None)
        .execution_options(synchronize_session=False))


def due(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[int]:
    return list(uow.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.state == "pending",
                                       OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at).limit(limit)))


def claim(uow: UnitOfWork, message_id: int, now: datetime) -> OutboxMessage | None:
    """Take a due message for one attempt (committed, so the lease holds while it is
    sent); None when it is not due or another worker has it."""
    message = uow.session.get(OutboxMessage, message_id)
    if message is None or message.state != "pending" or message.next_attempt_at is None \
            or message.next_attempt_at > now:
        return None
    taken = uow.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id,
                                    OutboxMessage.state == "pending",
                                    OutboxMessage.next_attempt_at == message.next_attempt_at)
        .values(next_attempt_at=now + LEASE, attempts=message.attempts + 1)
        .execution_options(synchronize_session=False))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        uow.rollback()
        return None
    uow.commit()
    uow.session.refresh(message)
    return message


def sent(uow: UnitOfWork, message_id: int, now: datetime) -> None:
    message = uow.session.get_one(OutboxMessage, message_id)
    message.state, message.sent_at, message.next_attempt_at = "sent", now, None
    message.last_error = None
    uow.record(AuditEntry("systeem", "message_sent", case_id=message.case_id, details={
        "kind": message.kind, "attempts": message.attempts}))
    uow.commit()


def not_sent(uow: UnitOfWork, message_id: int, error: str, now: datetime) -> None:
    """A failed attempt: tried again later, or given up after MAX_ATTEMPTS."""
    message = uow.session.get_one(OutboxMessage, message_id)
    message.last_error = error[:1000]
    if message.attempts >= MAX_ATTEMPTS:
        message.state, message.next_attempt_at = "failed", None
    else:
        message.next_attempt_at = now + min(timedelta(minutes=2 ** (message.attempts - 1)),
                                            _LONGEST_WAIT)
    uow.record(AuditEntry("systeem", "message_not_sent", case_id=message.case_id,
                          result="failed", details={
                              "kind": message.kind, "attempts": message.attempts,
                              "error": message.last_error, "given_up": message.state ==
                              "failed"}))
    uow.commit()


def of_case(uow: UnitOfWork, case_id: int) -> list[OutboxMessage]:
    """The case's messages, oldest first."""
    return list(uow.session.scalars(select(OutboxMessage).where(
        OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)))


def receipt_id(uow: UnitOfWork, case_id: int) -> int | None:
    """The id of the case's acknowledgement of receipt, if it has one."""
    return uow.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.case_id == case_id, OutboxMessage.kind == "receipt").limit(1))


def masked(text: str) -> str:
    """The text with the resident's private link cut short, for staff to read."""
    return _STATUS_LINK.sub("/status/…", text)


_STATES = {"pending": "Wordt verstuurd per e-mail", "sent": "Verstuurd per e-mail",
           "no_address": "Niet per e-mail verstuurd: er is geen e-mailadres bekend",
           "failed": "Niet verstuurd: de mailserver nam het bericht niet aan",
           "withdrawn": "Niet nodig: de inwoner deed het al"}
KINDS = {"receipt": "Ontvangstbevestiging", "request": "Verzoek om gegevens",
         "reminder": "Herinnering", "deviation": "Bericht over maatwerk",
         "decision": "Besluit", "answer": "Bericht van de behandelaar",
         "extension": "Verlenging van de beslistermijn", "process": "Bericht over uw aanvraag"}


@dataclass(frozen=True)
class MessageView:
    """A message as people read it: its private link cut short, its state in words."""

    id: int
    kind: str
    kind_text: str
    subject: str
    text: str
    recipient: str | None
    state: str
    state_text: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    document_id: str | None = None  # the letter it carries

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "kind": self.kind, "subject": self.subject, "text": self.text,
                "document_id": self.document_id,
                "recipient": self.recipient, "direction": "to_resident",
                "state": self.state, "attempts": self.attempts,
                "last_error": self.last_error, "created_at": self.created_at.isoformat(),
                "sent_at": self.sent_at.isoformat() if self.sent_at else None}


def for_case(uow: UnitOfWork, case_id: int, actor: Principal) -> list[MessageView]:
    """What the case sent (or is sending) to its resident, for staff who may see it."""
    get_case_contents(uow, case_id, actor)
    return [view(message) for message in of_case(uow, case_id)]


def for_resident(uow: UnitOfWork, case: Case) -> list[MessageView]:
    """What the resident was sent (or can read here): no reminder before it is due."""
    now = utcnow()
    return [view(message) for message in of_case(uow, case.id)
            if message.state != "withdrawn" and not (
                message.state == "pending" and message.attempts == 0
                and message.next_attempt_at is not None and message.next_attempt_at > now)]


def view(message: OutboxMessage) -> MessageView:
    state_text = _STATES.get(message.state, message.state)
    if message.state == "pending" and not message.attempts and message.next_attempt_at \
            and message.next_attempt_at > message.created_at + LEASE:
        state_text = f"Wordt verstuurd per e-mail op {long_date(message.next_attempt_at)}"
    elif message.state == "pending" and message.attempts:
        state_text += f" (poging {message.attempts} mislukt; het wordt opnieuw geprobeerd)"
    return MessageView(
        message.id, message.kind, KINDS.get(message.kind, message.kind), message.subject,
        masked(message.body_text), message.recipient, message.state, state_text,
        message.attempts, message.last_error, message.created_at, message.sent_at,
        message.document_id)
