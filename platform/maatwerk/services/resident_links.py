"""The resident's private links to their case's status page. A token is shown once (in the
answer to the start, or in a message) and stored only as its hash: the first on the case,
each later one as a ResidentLink."""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select

from ..config import public_url
from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..persistence.models import Case, ResidentLink, utcnow
from ..persistence.uow import UnitOfWork
from .case_access import get_case
from .errors import Forbidden


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def url(token: str) -> str:
    return f"{public_url()}/status/{token}"


def another(uow: UnitOfWork, case: Case, now: datetime) -> str:
    """A new private link to the case, in the caller's transaction: its URL."""
    token = new_token()
    uow.session.add(ResidentLink(case_id=case.id, token_hash=token_digest(token),
                                 created_at=now))
    return url(token)


def reissue(uow: UnitOfWork, case_id: int, actor: Principal) -> tuple[Case, str]:
    """A new private link for a resident who lost theirs and asks at the counter or by
    phone: the case and the link's URL, to be shown once. The links they had keep
    working (letters carry them). On record, with who gave it."""
    if not (actor.works_tasks or actor.has_role("clerk")):
        raise Forbidden("Only clerks, caseworkers and team leads give a resident a new link.")
    case = get_case(uow, case_id, actor)
    link = another(uow, case, utcnow())
    uow.record(AuditEntry(actor.username, "resident_link_issued", case_id=case.id))
    uow.commit()
    return case, link


def case_of(uow: UnitOfWork, token: str) -> Case | None:
    digest = token_digest(token)
    case = uow.session.scalar(select(Case).where(Case.status_token_hash == digest))
    if case is not None:
        return case
    return uow.session.scalar(select(Case).join(ResidentLink, ResidentLink.case_id == Case.id)
                              .where(ResidentLink.token_hash == digest))
