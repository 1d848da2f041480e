"""Applying what the engine did in one step to the case, its task rows and the audit record."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, select

from ..domain.audit import AuditEntry
from ..domain.principal import ANY_CASEWORKER
from ..engine import StepResult
from ..engine.expressions import evaluate
from ..persistence import task_rows
from ..persistence.models import Case, ProcessModel, utcnow
from ..persistence.uow import UnitOfWork
from . import deadlines


# Built once: composing a statement costs more than SQLite takes to run it.
# PostgreSQL: what this transaction read of the case before taking the lock may have
# changed since, so the locked row overwrites it. SQLite's write transaction began before
# any read, so everything read in it is current.
_CASE = select(Case).where(Case.id == bindparam("case_id"))
_CASE_LOCKED = _CASE.with_for_update(of=Case).execution_options(populate_existing=True)


_CASE_OF_TASK = select(Case).where(Case.id == task_rows.CASE_OF_TASK)
_CASE_OF_TASK_LOCKED = _CASE_OF_TASK.with_for_update(of=Case).execution_options(
    populate_existing=True)


def lock_case(uow: UnitOfWork, case_id: int) -> Case | None:
    """Take the case for one step: a row lock on PostgreSQL (SQLite's write transaction
    already excludes other writers); the row version column is the safety net."""
    query = _CASE_LOCKED if uow.is_postgresql else _CASE
    return uow.session.scalar(query, {"case_id": case_id})


def lock_case_of_task(uow: UnitOfWork, task_id: str) -> Case | None:
    """lock_case for the case a task belongs to (None: no such task)."""
    query = _CASE_OF_TASK_LOCKED if uow.is_postgresql else _CASE_OF_TASK
    return uow.session.scalar(query, {"task_id": task_id})


def apply_step(uow: UnitOfWork, case: Case, model: ProcessModel, result: StepResult,
               actor: str, channel: str | None = None,
               still_open: list[Any] | None = None) -> None:
    """Store the engine state and bring the task rows and case status in line with it.

    `still_open`: the case's open rows as the caller already read them (saves a query).
    Written with plain statements (persistence/task_rows.py); raises StaleDataError when
    another transaction changed the case since it was read."""
    rows = task_rows.open_rows(uow.session, case.id) if still_open is None else still_open
    conn = task_rows.begin_step(uow.session)
    now = utcnow()
    values: dict[str, Any] = {"engine_state": result.state, "data": result.data,
                              "next_timer_at": result.next_timer_at, "updated_at": now}
    if result.failure is not None:
        element_id, message = result.failure
        values.update(status="error", error=f"{element_id}: {message}")
    elif result.completed:
        values.update(status="completed", error=None, completed_at=now)
    else:
        values.update(status="open", error=None)
    task_rows.update_case(conn, case, values)
    for step in result.steps:
        uow.record(AuditEntry(actor, "timer_fired" if step.kind == "timer" else "automatic_step",
                              case_id=case.id, channel=channel, details={
                                  "element_id": step.element_id, "name": step.name,
                                  "type": step.kind, **({"result": step.detail}
                                                        if step.detail else {})}))
    still = _sync_tasks(uow, conn, case, model, result, actor,
                        [r for r in rows if r.state == "open"])
    if result.failure is not None:
        element_id, message = result.failure
        uow.record(AuditEntry(actor, "automatic_step_failed", case_id=case.id, result="error",
                              details={"element_id": element_id, "message": message}))
    elif result.completed:
        uow.record(AuditEntry(actor, "case_completed", case_id=case.id, channel=channel))
    deadlines.sync(uow, case, model, still)
    uow.open_after_step[case.id] = sorted(still, key=lambda t: (t.created_at, t.id))


def _sync_tasks(uow: UnitOfWork, conn: Connection, case: Case, model: ProcessModel,
                result: StepResult, actor: str, rows: list[Any]) -> list[Any]:
    """Cancel the rows of tasks the engine no longer has ready, insert rows for the tasks it
    made ready; the case's open tasks afterwards."""
    ready_ids = {r.id for r in result.ready}
    still: list[Any] = []
    model_ids = set()
    for row in rows:
        if row.kind != "bpmn":
            still.append(row)
            continue
        model_ids.add(row.engine_task_id)
        if row.engine_task_id in ready_ids:
            still.append(row)
        elif task_rows.close_task(conn, row.id, "cancelled", None):
            uow.record(AuditEntry(actor, "task_cancelled", case_id=case.id, task_id=row.id,
                                  details={"element_id": row.element_id, "name": row.name}))
    opened = [_new_task(case, model, ready.id, ready.element_id, ready.name, ready.data)
              for ready in result.ready if ready.id not in model_ids]
    task_rows.insert_tasks(conn, case.process_model_id, opened)
    for row in opened:
        uow.record(AuditEntry(actor, "task_opened", case_id=case.id, task_id=row.id, details={
            "element_id": row.element_id, "name": row.name,
            "candidate_groups": row.candidate_groups, "assignee": row.assignee}))
    return still + opened


def _new_task(case: Case, model: ProcessModel, task_id: str, element_id: str, name: str,
              data: dict[str, Any]) -> task_rows.NewTask:
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
    return task_rows.NewTask(
        case_id=case.id, engine_task_id=task_id, element_id=element_id, name=name,
        principals=list(dict.fromkeys(principals)), due_at=case.due_at,
        candidate_groups=",".join(groups), candidate_users=",".join(users),
        assignee=assignee or None, form_key=facts.get("form_key"))


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
