"""A message the case sent, printed as a letter (PDF): the resident keeps or prints their
receipt from the status page, and the counter hands it over right after taking an
application in; staff print it from the case page without the resident's private link.
Printed from the message as it was written (the outbox keeps it), not from today's data."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..domain.principal import Principal
from ..persistence.models import Case, OutboxMessage
from ..persistence.uow import UnitOfWork
from . import letters, outbox
from .case_access import get_case_contents
from .errors import NotFound


@dataclass(frozen=True)
class Printed:
    filename: str
    content: bytes
    content_type: str = letters.PDF

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def for_resident(uow: UnitOfWork, case: Case, message_id: int) -> Printed:
    """One of the messages the resident can read on their page, with their link."""
    if message_id not in {view.id for view in outbox.for_resident(uow, case)}:
        raise NotFound("There is no such message.")
    message = _message(uow, case.id, message_id)
    return _printed(case, message, message.body_text)


def for_staff(uow: UnitOfWork, case_id: int, message_id: int, actor: Principal) -> Printed:
    """A message of the case for whoever may see it, with the private link cut short."""
    case = get_case_contents(uow, case_id, actor)
    message = _message(uow, case.id, message_id)
    return _printed(case, message, outbox.masked(message.body_text))


def _message(uow: UnitOfWork, case_id: int, message_id: int) -> OutboxMessage:
    message = uow.session.get(OutboxMessage, message_id)
    if message is None or message.case_id != case_id:
        raise NotFound("There is no such message.")
    return message


def _printed(case: Case, message: OutboxMessage, text: str) -> Printed:
    return Printed(f"bericht-{case.reference}-{message.id}.pdf", letters.message_pdf(
        message.subject, text, case.reference, message.created_at, message.language))
