"""Reading and checking the audit record."""
from __future__ import annotations

from ..domain.principal import Principal
from ..persistence import audit_log
from ..persistence.audit_log import Verification
from ..persistence.models import AuditEvent
from ..persistence.uow import UnitOfWork
from .errors import Forbidden


def verify(uow: UnitOfWork, actor: Principal | None = None) -> Verification:
    if actor is not None and not actor.has_role("teamlead", "admin"):
        raise Forbidden("Only team leads and administrators may verify the audit record.")
    return audit_log.verify(uow.session)


def latest(uow: UnitOfWork, actor: Principal, limit: int = 100) -> list[AuditEvent]:
    if not actor.has_role("admin", "teamlead"):
        raise Forbidden("Only team leads and administrators may read the whole audit record.")
    return audit_log.latest(uow.session, limit)
