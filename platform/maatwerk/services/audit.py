"""Reading and checking the audit record, and anchoring its head outside the database."""
from __future__ import annotations

from collections.abc import Iterable

from ..domain.audit import Anchor
from ..domain.principal import Principal
from ..persistence import audit_log, audit_state
from ..persistence.audit_log import Verification
from ..persistence.models import AuditEvent
from ..persistence.uow import UnitOfWork
from .errors import Forbidden

__all__ = ["Anchor", "Verification", "anchor", "latest", "read_anchors", "verify"]


def verify(uow: UnitOfWork, actor: Principal | None = None,
           anchors: Iterable[Anchor] = ()) -> Verification:
    if actor is not None and not actor.has_role("teamlead", "admin"):
        raise Forbidden("Only team leads and administrators may verify the audit record.")
    result = audit_log.verify(uow.session, uow.database.audit_key, anchors)
    result.state_problems = audit_state.problems(uow.session)
    if result.state_problems and result.ok:
        result.ok = False
        result.reason = "the chain is intact, but rows it records were changed outside it"
    return result


def anchor(uow: UnitOfWork) -> Anchor | None:
    """The chain's head now, signed, for a second system to keep (None: no events yet)."""
    return audit_log.anchor(uow.session, uow.database.audit_key)


def read_anchors(text: str, source: str) -> list[Anchor]:
    """Anchor lines as `maatwerk audit anchor` writes them; ValueError names the bad line."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            try:
                found.append(Anchor.from_json(line))
            except ValueError as exc:
                raise ValueError(f"{source}, line {number}: {exc}") from None
    return found


def latest(uow: UnitOfWork, actor: Principal, limit: int = 100) -> list[AuditEvent]:
    if not actor.has_role("admin", "teamlead"):
        raise Forbidden("Only team leads and administrators may read the whole audit record.")
    return audit_log.latest(uow.session, limit)
