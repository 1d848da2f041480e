"""Timers: the worker fires what is due; each case in its own transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..engine import StepResult, runtime
from ..persistence.models import Case, ProcessModel, utcnow
from ..persistence.uow import UnitOfWork
from . import cases, start_clocks
from .errors import Forbidden, InvalidInput
from .steps import (
    SYSTEM_ACTOR,
    NothingDue,
    Step,
    case_by_id,
    case_with_due_timer,
    run_step,
)


def due_cases(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[int]:
    return list(uow.session.scalars(
        select(Case.id).where(Case.next_timer_at <= now, Case.status == "open")
        .order_by(Case.next_timer_at).limit(limit)))


def fire_due(uow: UnitOfWork, case_id: int, now: datetime | None = None) -> bool:
    """Fire the due timers of one case; False when another worker has it or nothing is due."""
    def fire(step: Step) -> StepResult:
        return runtime.fire_timers(step.workflow())
    try:
        run_step(uow, case_with_due_timer(case_id, now or utcnow()), fire)
    except NothingDue:
        return False
    return True


def fire_clock(uow: UnitOfWork, clock_id: int, now: datetime | None = None) -> bool:
    """Start the case that a due clock of a timer start event starts, and move the clock
    on, in one transaction; False when it is not due or another worker took it. When the
    case can't start (its first step fails), the clock moves on all the same and the
    audit log says why: the next moment tries again."""
    now = now or utcnow()
    clock = start_clocks.claim(uow, clock_id, now)
    if clock is None:
        uow.rollback()
        return False
    # the clock goes with its model (on delete cascade)
    model = uow.session.get_one(ProcessModel, clock.process_model_id)
    element_id, due_at = clock.element_id, clock.due_at.isoformat()
    try:
        cases.start_by_clock(uow, model, element_id)
    except InvalidInput as exc:  # rolled back: take the clock again, without the case
        if start_clocks.claim(uow, clock_id, now) is None:
            return False
        uow.record(AuditEntry(SYSTEM_ACTOR, "clock_start_failed", result="refused", details={
            "process_key": model.key, "version": model.version, "element_id": element_id,
            "due": due_at, "reason": str(exc)}))
        uow.commit()
    return True


def reschedule(uow: UnitOfWork, case_id: int, due: datetime, actor: Principal,
               element_id: str | None = None) -> int:
    """Move a case's waiting timers (e.g. to test a deadline path); recorded in the audit log."""
    if not actor.has_role("admin"):
        raise Forbidden("Only administrators may move timers directly.")
    if due.tzinfo is None:
        raise InvalidInput("Give the moment with a time zone.", {"due": "Include a time zone."})
    moved: list[int] = []

    def move(step: Step) -> StepResult:
        moved.append(runtime.set_timer_due(step.workflow(), due, element_id))
        if moved[0] == 0:
            raise InvalidInput("No waiting timer to move.", {"element_id": element_id or ""})
        step.record(actor.username, "timer_rescheduled", details={
            "element_id": element_id, "due": due.isoformat(), "timers": moved[0]})
        return runtime.snapshot(step.workflow())
    run_step(uow, case_by_id(case_id, missing="There is no such case."), move)
    return moved[0]
