"""Applying what the engine did in one step to the case, its task rows and the audit record."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..domain.audit import AuditEntry
from ..domain.principal import ANY_CASEWORKER
from ..engine import StepResult
from ..engine.expressions import evaluate
from ..persistence.models import Case, ProcessModel, Task, TaskCandidate, utcnow
from ..persistence.uow import UnitOfWork


def lock_case(uow: UnitOfWork, case_id: int) -> Case | None:
    """Take the case for one step: a row lock on PostgreSQL (SQLite's write transaction
    already excludes other writers); the row version column is the safety net."""
    query = select(Case).where(Case.id == case_id).execution_options(populate_existing=True)
    if uow.is_postgresql:
        query = query.with_for_update(of=Case)
    return uow.session.scalar(query)


def apply_step(uow: UnitOfWork, case: Case, model: ProcessModel, result: StepResult,
               actor: str, channel: str | None = None) -> list[Task]:
    """Store the engine state and bring the task rows and case status in line with it."""
    case.engine_state = result.state
    case.data = result.data
    case.next_timer_at = result.next_timer_at
    case.updated_at = utcnow()
    for step in result.steps:
        uow.record(AuditEntry(actor, "timer_fired" if step.kind == "timer" else "automatic_step",
                              case_id=case.id, channel=channel, details={
                                  "element_id": step.element_id, "name": step.name,
                                  "type": step.kind, **({"result": step.detail}
                                                        if step.detail else {})}))
    opened = _sync_tasks(uow, case, model, result, actor)
    if result.failure is not None:
        element_id, message = result.failure
        case.status = "error"
        case.error = f"{element_id}: {message}"
        uow.record(AuditEntry(actor, "automatic_step_failed", case_id=case.id, result="error",
                              details={"element_id": element_id, "message": message}))
    elif result.completed:
        case.status = "completed"
        case.error = None
        case.completed_at = utcnow()
        uow.record(AuditEntry(actor, "case_completed", case_id=case.id, channel=channel))
    else:
        case.status = "open"
        case.error = None
    return opened


def _sync_tasks(uow: UnitOfWork, case: Case, model: ProcessModel, result: StepResult,
                actor: str) -> list[Task]:
    session = uow.session
    open_rows = {t.id: t for t in session.scalars(
        select(Task).where(Task.case_id == case.id, Task.state == "open", Task.kind == "bpmn"))}
    ready_ids = {r.id for r in result.ready}
    for task_id, row in open_rows.items():
        if task_id not in ready_ids:
            row.state = "cancelled"
            row.completed_at = utcnow()
            uow.record(AuditEntry(actor, "task_cancelled", case_id=case.id, task_id=task_id,
                                  details={"element_id": row.element_id, "name": row.name}))
    opened = []
    for ready in result.ready:
        if ready.id in open_rows or session.get(Task, ready.id) is not None:
            continue
        row = _task_row(case, model, ready.id, ready.element_id, ready.name, ready.data)
        session.add(row)
        opened.append(row)
        uow.record(AuditEntry(actor, "task_opened", case_id=case.id, task_id=row.id, details={
            "element_id": row.element_id, "name": row.name,
            "candidate_groups": row.candidate_groups, "assignee": row.assignee}))
    return opened


def _task_row(case: Case, model: ProcessModel, task_id: str, element_id: str, name: str,
              data: dict[str, Any]) -> Task:
    facts = model.elements.get(element_id, {})
    groups = [_resolve(g, data) for g in facts.get("candidate_groups", [])]
    users = [_resolve(u, data) for u in facts.get("candidate_users", [])]
    assignee = _resolve(facts["assignee"], data) if facts.get("assignee") else None
    groups = [g for g in groups if g]
    users = [u for u in users if u]
    principals = [f"group:{g}" for g in groups] + [f"user:{u}" for u in users]
    if not principals and not assignee:
        principals = [ANY_CASEWORKER]
    row = Task(id=task_id, case_id=case.id, element_id=element_id, name=name, state="open",
               candidate_groups=",".join(groups), candidate_users=",".join(users),
               assignee=assignee or None, form_key=facts.get("form_key"))
    row.candidates = [TaskCandidate(principal=p) for p in dict.fromkeys(principals)]
    return row


def _resolve(value: str, data: dict[str, Any]) -> str:
    """A literal name, or an expression (${initiator}) evaluated against the case data."""
    text = value.strip()
    if "${" not in text and "#{" not in text:
        return text
    try:
        resolved = evaluate(text, data)
    except Exception:  # an unknown variable leaves the task unassigned rather than lost
        return ""
    return str(resolved) if resolved is not None else ""
