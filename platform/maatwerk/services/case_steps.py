"""Applying what the engine did in one step to the case, its task rows and the audit record."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select

from ..domain.audit import AuditEntry
from ..domain.principal import ANY_CASEWORKER
from ..engine import StepResult
from ..engine.expressions import evaluate
from ..persistence.models import Case, ProcessModel, Task, TaskCandidate, utcnow
from ..persistence.uow import UnitOfWork
from . import deadlines


# Built once: composing a statement costs more than SQLite takes to run it.
_CASE = select(Case).where(Case.id == bindparam("case_id")).execution_options(
    populate_existing=True)
_CASE_LOCKED = _CASE.with_for_update(of=Case)
_OPEN_ROWS = select(Task).where(Task.case_id == bindparam("case_id"), Task.state == "open")


def lock_case(uow: UnitOfWork, case_id: int) -> Case | None:
    """Take the case for one step: a row lock on PostgreSQL (SQLite's write transaction
    already excludes other writers); the row version column is the safety net."""
    query = _CASE_LOCKED if uow.is_postgresql else _CASE
    return uow.session.scalar(query, {"case_id": case_id})


def open_rows(uow: UnitOfWork, case_id: int) -> list[Task]:
    """The case's open task rows (model tasks and added steps), without their candidates.

    Called with the case locked: from here on this unit of work knows every open row of
    the case, so reading them back after the step needs no query (cases.open_tasks)."""
    rows = list(uow.session.scalars(_OPEN_ROWS, {"case_id": case_id}))
    uow.open_rows_known[case_id] = list(rows)
    return rows


def apply_step(uow: UnitOfWork, case: Case, model: ProcessModel, result: StepResult,
               actor: str, channel: str | None = None,
               still_open: list[Task] | None = None) -> list[Task]:
    """Store the engine state and bring the task rows and case status in line with it.

    `still_open`: the case's open rows as the caller already loaded them (saves a query)."""
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
    rows = open_rows(uow, case.id) if still_open is None else still_open
    rows = [r for r in rows if r.state == "open"]
    opened = _sync_tasks(uow, case, model, result, actor, rows)
    if case.id in uow.open_rows_known:
        uow.open_rows_known[case.id].extend(opened)
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
    deadlines.sync(uow, case, model, [r for r in rows + opened if r.state == "open"])
    return opened


def _sync_tasks(uow: UnitOfWork, case: Case, model: ProcessModel, result: StepResult,
                actor: str, rows: list[Task]) -> list[Task]:
    session = uow.session
    open_by_id = {t.engine_task_id: t for t in rows if t.kind == "bpmn"}
    ready_ids = {r.id for r in result.ready}
    for engine_id, row in open_by_id.items():
        if engine_id not in ready_ids:
            row.state = "cancelled"
            row.completed_at = utcnow()
            uow.record(AuditEntry(actor, "task_cancelled", case_id=case.id, task_id=row.id,
                                  details={"element_id": row.element_id, "name": row.name}))
    opened = []
    for ready in result.ready:
        if ready.id in open_by_id:
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
    if assignee:
        principals.append(f"user:{assignee}")
    row = Task(id=str(uuid.uuid4()), engine_task_id=task_id, case_id=case.id,
               element_id=element_id, name=name, state="open",
               due_at=case.due_at,
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
