"""`maatwerk worker` delivers the outbox: each due message taken, sent and marked in turn
(outbox.py), none held in a transaction while the mail server is talked to."""
from __future__ import annotations

import logging
from collections.abc import Callable

from ..persistence.models import utcnow
from ..persistence.uow import UnitOfWork
from . import outbox
from .mailer import MailError, SmtpServer

log = logging.getLogger(__name__)


def deliver_due(unit_of_work: Callable[[], UnitOfWork], server: SmtpServer,
                limit: int = 100) -> int:
    """Send the due messages; how many were sent."""
    with unit_of_work() as uow:
        due = outbox.due(uow, utcnow(), limit)
    delivered = 0
    for message_id in due:
        with unit_of_work() as uow:
            message = outbox.claim(uow, message_id, utcnow())
            if message is None:
                continue
            letter = outbox.attachment(uow, message)
            uow.session.expunge(message)
        try:
            server.send(message, letter)
        except MailError as exc:
            log.warning("message %s was not sent: %s", message_id, exc)
            with unit_of_work() as uow:
                outbox.not_sent(uow, message_id, str(exc), utcnow())
            continue
        with unit_of_work() as uow:
            outbox.sent(uow, message_id, utcnow())
        delivered += 1
    return delivered
