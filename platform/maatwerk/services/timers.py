"""Timers: the worker fires what is due; each case in its own transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..engine import runtime
from ..persistence.models import Case, utcnow
from ..persistence.uow import UnitOfWork
from . import process_models
from .case_steps import apply_step
from .errors import Forbidden, InvalidInput, NotFound


def due_cases(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[int]:
    return list(uow.session.scalars(
        select(Case.id).where(Case.next_timer_at <= now, Case.status == "open")
        .order_by(Case.next_timer_at).limit(limit)))


def fire_due(uow: UnitOfWork, case_id: int, now: datetime | None = None) -> bool:
    """Fire the due timers of one case; False when another worker has it or nothing is due."""
    now = now or utcnow()
    query = select(Case).where(Case.id == case_id, Case.next_timer_at <= now,
                               Case.status == "open")
    if uow.is_postgresql:
        query = query.with_for_update(skip_locked=True, of=Case)
    case = uow.session.scalar(query)
    if case is None:
        return False
    model = case.process_model
    workflow = runtime.load(process_models.spec_bundle(uow, model), case.engine_state)
    result = runtime.fire_timers(workflow)
    apply_step(uow, case, model, result, "systeem")
    uow.commit()
    return True


def reschedule(uow: UnitOfWork, case_id: int, due: datetime, actor: Principal,
               element_id: str | None = None) -> int:
    """Move a case's waiting timers (e.g. to test a deadline path); recorded in the audit log."""
    if not actor.has_role("admin"):
        raise Forbidden("Only administrators may move timers directly.")
    if due.tzinfo is None:
        raise InvalidInput("Give the moment with a time zone.", {"due": "Include a time zone."})
    case = uow.session.get(Case, case_id)
    if case is None:
        raise NotFound("There is no such case.")
    model = case.process_model
    workflow = runtime.load(process_models.spec_bundle(uow, model), case.engine_state)
    moved = runtime.set_timer_due(workflow, due, element_id)
    if moved == 0:
        raise InvalidInput("No waiting timer to move.", {"element_id": element_id or ""})
    case.engine_state = runtime.dump(workflow)
    case.next_timer_at = runtime.snapshot(workflow).next_timer_at
    uow.record(AuditEntry(actor.username, "timer_rescheduled", case_id=case.id, details={
        "element_id": element_id, "due": due.isoformat(), "timers": moved}))
    uow.commit()
    return moved
