"""Timers: the worker fires what is due; each case in its own transaction."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.principal import Principal
from ..engine import StepResult, runtime
from ..persistence.models import Case, utcnow
from ..persistence.uow import UnitOfWork
from .errors import Forbidden, InvalidInput
from .steps import NothingDue, Step, case_by_id, case_with_due_timer, run_step


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
