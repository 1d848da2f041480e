"""Writing what the engine did in one step: the case row, its task rows, the decision term
and the audit record (the last part of the step pipeline, services/steps.py)."""
from __future__ import annotations

from typing import Any

from ..domain.audit import AuditEntry
from ..domain.principal import ANY_CASEWORKER
from ..engine import StepResult
from ..engine.expressions import evaluate
from ..persistence import external_task_queries, message_queries, step_writes, task_rows
from ..persistence.models import Case, ProcessModel, utcnow
from ..persistence.step_writes import Closing
from ..persistence.task_rows import TaskRow
from . import deadlines, decision_letters, resident_facts, resident_requests
from .step import Step


def apply_step(step: Step, result: StepResult) -> list[TaskRow]:
    """Store the engine state and bring the task rows and case status in line with it;
    the case's open task rows afterwards, oldest first.

    Written with plain statements (persistence/task_rows.py); raises StaleDataError when
    another transaction changed the case since it was read."""
    uow, case, model, actor, channel = step.uow, step.case, step.model, step.actor, step.channel
    conn = task_rows.begin_step(uow.session)
    now = utcnow()
    values: dict[str, Any] = {"engine_state": result.state, "data": result.data,
                              "next_timer_at": result.next_timer_at, "updated_at": now,
                              "waiting_messages": message_queries.as_column(result.messages)}
    values.update(resident_facts.changed(model, case.data or {}, result.data))
    if result.failure is not None:
        element_id, message = result.failure
        values.update(status="error", error=f"{element_id}: {message}")
    elif result.completed:
        values.update(status="completed", error=None, completed_at=now)
    else:
        values.update(status="open", error=None)
    for auto in result.steps:
        uow.record(AuditEntry(actor, "timer_fired" if auto.kind == "timer" else "automatic_step",
                              case_id=case.id, channel=channel, details={
                                  "element_id": auto.element_id, "name": auto.name,
                                  "type": auto.kind, **({"result": auto.detail}
                                                        if auto.detail else {})}))
    closed_now = {c.task_id for c in step.closing}
    still, cancelled, opened = _sync_tasks(
        case, model, result, [r for r in step.open_rows if r.id not in closed_now])
    uow.head_locked(step_writes.write_step(conn, case, values, [
        *step.closing, *(Closing(row.id, "cancelled", None) for row in cancelled)], opened))
    external_task_queries.add(conn, [
        {"task_id": new.id, "case_id": case.id, "topic": model.elements[new.element_id]["topic"],
         "variables": _own_variables(result, new.engine_task_id)}
        for new in opened if new.kind == "external"])
    for row in cancelled:
        uow.record(AuditEntry(actor, "task_cancelled", case_id=case.id, task_id=row.id,
                              details={"element_id": row.element_id, "name": row.name}))
    resident_requests.closed(step, [*closed_now, *(row.id for row in cancelled)])
    resident_requests.opened(step, opened, result.data, now)
    decision_letters.reached(step, result.steps, result.data, now)
    for new in opened:
        uow.record(AuditEntry(actor, "task_opened", case_id=case.id, task_id=new.id, details={
            "element_id": new.element_id, "name": new.name,
            "candidate_groups": new.candidate_groups, "assignee": new.assignee}))
    if result.failure is not None:
        element_id, message = result.failure
        uow.record(AuditEntry(actor, "automatic_step_failed", case_id=case.id, result="error",
                              details={"element_id": element_id, "message": message}))
    elif result.completed:
        uow.record(AuditEntry(actor, "case_completed", case_id=case.id, channel=channel))
    deadlines.sync(uow, case, model, still)
    deadlines.follow_timers(case, model, result)
    return sorted(still, key=lambda t: (t.created_at, t.id))


def _own_variables(result: StepResult, engine_task_id: str | None) -> dict[str, Any] | None:
    """What a task sees that the case's data does not say (a repeating task's item), or None."""
    ready = next((r for r in result.ready if r.id == engine_task_id), None)
    if ready is None:
        return None
    own = {name: value for name, value in ready.data.items()
           if name not in result.data or result.data[name] != value}
    return own or None


def _sync_tasks(case: Case, model: ProcessModel, result: StepResult, rows: list[TaskRow]
                ) -> tuple[list[TaskRow], list[TaskRow], list[task_rows.NewTask]]:
    """Which of the case's open rows stay open and which the step cancels (the engine no
    longer has them ready), and the rows of the tasks it made ready; then the open rows."""
    ready_ids = {r.id for r in result.ready}
    still: list[TaskRow] = []
    cancelled: list[TaskRow] = []
    known = set()
    for row in rows:
        if row.kind == "adhoc":  # outside the engine: only a person closes it
            still.append(row)
            continue
        known.add(row.engine_task_id)
        (still if row.engine_task_id in ready_ids else cancelled).append(row)
    opened = [_new_task(case, model, ready.id, ready.element_id, ready.name, ready.data)
              for ready in result.ready if ready.id not in known]
    return still + [row.row() for row in opened], cancelled, opened


def _new_task(case: Case, model: ProcessModel, task_id: str, element_id: str, name: str,
              data: dict[str, Any]) -> task_rows.NewTask:
    facts = model.elements.get(element_id, {})
    if facts.get("topic"):  # a worker does it: no one's inbox (external_tasks.py)
        return task_rows.NewTask(case_id=case.id, engine_task_id=task_id,
                                 element_id=element_id, name=name, principals=[],
                                 due_at=case.due_at, kind="external")
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
