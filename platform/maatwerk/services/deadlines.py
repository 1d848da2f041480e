"""The legal decision term of a case (Awb): set at start, suspended while the resident is
asked for missing information (4:15), extended by an approved deviation (4:14). The timers a
model marks as expressing the term follow the decision date (engine/decision_timers.py)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from ..domain.audit import AuditEntry
from ..domain.deadline import due_date, follows_decision_date
from ..domain.workdays import amsterdam_date, amsterdam_today, working_days_between
from ..engine import StepResult, decision_timers, runtime
from ..persistence import task_rows
from ..persistence.models import Case, DeadlineSuspension, ProcessModel, utcnow
from ..persistence.uow import UnitOfWork

SUSPENDS = "maatwerk:suspendsDeadline"


def first_due_date(model: ProcessModel, started_at: datetime) -> datetime | None:
    """A new case's decision date, from its model's decision term (None: no term)."""
    return due_date(started_at, model.decision_term)


def started(uow: UnitOfWork, case: Case, model: ProcessModel) -> None:
    """Record the decision date a new case got (first_due_date)."""
    if case.due_at is not None:
        uow.record(AuditEntry("systeem", "deadline_set", case_id=case.id, details={
            "term": model.decision_term, "due_at": case.due_at.isoformat()}))


def sync(uow: UnitOfWork, case: Case, model: ProcessModel, open_tasks: list[Any]) -> None:
    """Suspend the clock while a step that asks the resident for information is open;
    resume it (moving the decision date by the time it stood still) when it closes."""
    suspending = [t for t in open_tasks if _suspends(model, t.element_id)]
    now = utcnow()
    if suspending and case.suspended_since is None and case.status == "open":
        case.suspended_since = now
        task = suspending[0]
        uow.session.add(DeadlineSuspension(case_id=case.id, task_id=task.id,
                                           reason=task.name, started_at=now))
        uow.record(AuditEntry("systeem", "deadline_suspended", case_id=case.id,
                              task_id=task.id, details={"reason": task.name}))
    elif not suspending and case.suspended_since is not None:
        _resume(uow, case, now)


def _resume(uow: UnitOfWork, case: Case, now: datetime) -> None:
    if case.suspended_since is None:
        return  # not suspended: nothing to resume
    stood_still = now - case.suspended_since
    open_period = uow.session.scalar(select(DeadlineSuspension).where(
        DeadlineSuspension.case_id == case.id, DeadlineSuspension.ended_at.is_(None)))
    if open_period is not None:
        open_period.ended_at = now
    previous = case.due_at
    if case.due_at is not None:
        case.due_at = case.due_at + stood_still
    case.suspended_since = None
    _follow(uow, case)
    uow.record(AuditEntry("systeem", "deadline_resumed", case_id=case.id, details={
        "suspended_days": round(stood_still / timedelta(days=1), 2),
        "due_at_before": previous.isoformat() if previous else None,
        "due_at": case.due_at.isoformat() if case.due_at else None}))


def extend(uow: UnitOfWork, case: Case, days: int, actor: str, notice: str
           ) -> tuple[dict[str, str], dict[str, str]]:
    """Move the decision date by `days` (art. 4:14 Awb); returns before and after."""
    if case.due_at is None:
        raise ValueError("this case has no decision date to extend")
    before = case.due_at
    case.due_at = case.due_at + timedelta(days=days)
    _follow(uow, case)
    uow.record(AuditEntry(actor, "deadline_extended", case_id=case.id, details={
        "days": days, "due_at_before": before.isoformat(), "due_at": case.due_at.isoformat(),
        "notice": notice}))
    return {"due_at": before.isoformat()}, {"due_at": case.due_at.isoformat()}


def term_timers(model: ProcessModel) -> set[str]:
    """The model's timers that express the decision term (maatwerk:followsDecisionDate)."""
    return {element_id for element_id, facts in model.elements.items()
            if follows_decision_date(facts.get("properties") or {})}


def follow_timers(case: Case, model: ProcessModel, result: StepResult) -> None:
    """After a step: the term's timers wait for the decision date as it is now (held while
    the term stands still); a change goes into the case's engine state with the step."""
    marked = term_timers(model)
    if not marked or result.workflow is None or case.status != "open":
        return
    target = None if case.suspended_since is not None else case.due_at
    if decision_timers.follow(result.workflow, marked, target):
        case.engine_state = runtime.dump(result.workflow)
        case.next_timer_at = runtime.next_timer(result.workflow)


def _follow(uow: UnitOfWork, case: Case) -> None:
    """Open tasks carry the case's decision date, so the inbox sorts on an index."""
    task_rows.follow_due_date(task_rows.begin_step(uow.session), case.id, case.due_at)


def _suspends(model: ProcessModel, element_id: str) -> bool:
    properties = model.elements.get(element_id, {}).get("properties", {})
    return str(properties.get(SUSPENDS, "")).lower() in ("true", "ja", "yes", "1")


def suspensions(uow: UnitOfWork, case_id: int) -> list[DeadlineSuspension]:
    return list(uow.session.scalars(select(DeadlineSuspension).where(
        DeadlineSuspension.case_id == case_id).order_by(DeadlineSuspension.started_at)))


def remaining_working_days(case: Case, today: date | None = None) -> int | None:
    """Working days left until the decision date (negative: overdue); None without a term."""
    if case.due_at is None or case.status != "open":
        return None
    return working_days_between(today or amsterdam_today(), amsterdam_date(case.due_at))
