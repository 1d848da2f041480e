"""The inbox: seeing, claiming and completing tasks."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import joinedload

from ..domain.audit import AuditEntry
from ..domain.principal import RESIDENT, RESIDENT_GROUP, Principal
from ..engine import StepResult, TaskNotOpen, assignments, runtime
from ..forms.model import FormDefinition
from ..persistence import inbox_queries
from ..persistence.inbox_queries import InboxFilter, InboxPage
from ..persistence.models import Case, Task, TaskCandidate, utcnow
from ..persistence.task_rows import TaskRow
from ..persistence.uow import UnitOfWork
from . import documents, four_eyes, process_models
from .errors import Conflict, Forbidden, NotFound
from .steps import NO_TASK, Step, StepOutcome, case_by_id, case_of_task, run_step
from .submissions import submitted_data

__all__ = ["InboxFilter", "InboxPage", "claim", "complete", "inbox", "unclaim"]

INBOX_LIMIT = 200
_EVERYTHING = InboxFilter()


def inbox(uow: UnitOfWork, actor: Principal, flt: InboxFilter = _EVERYTHING, page: int = 1,
          per_page: int = 50) -> InboxPage:
    """One page of the open tasks this person may see; reads only rows, never engine state."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers have an inbox.")
    visible = inbox_queries.visible(actor, flt, uow.is_postgresql)
    page = max(1, page)
    rows, total = inbox_queries.page_of(uow.session, visible, flt.sort, per_page,
                                        (page - 1) * per_page)
    if total is None:  # an empty page: nothing at all, or past the end
        total = inbox_queries.count(uow.session, visible) if page > 1 else 0
    return InboxPage(rows, total, page, per_page)


def visible_tasks(uow: UnitOfWork, actor: Principal, flt: InboxFilter = _EVERYTHING,
                  limit: int = INBOX_LIMIT, offset: int = 0) -> list[Task]:
    """Open tasks this person may see, oldest first (the API's list)."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers have an inbox.")
    visible = inbox_queries.visible(actor, flt, uow.is_postgresql)
    return inbox_queries.page_of(uow.session, visible, "created", limit, offset)[0]


_TASK_WITH_CANDIDATES = select(Task).options(joinedload(Task.candidates)).where(
    Task.id == bindparam("task_id"))


def get_task(uow: UnitOfWork, task_id: str, actor: Principal) -> Task:
    task = uow.session.execute(_TASK_WITH_CANDIDATES,
                               {"task_id": task_id}).unique().scalar_one_or_none()
    if task is None or not _may_see(actor, task):
        raise NotFound(NO_TASK)
    return task


def _may_see(actor: Principal, task: Task) -> bool:
    return _may_see_row(actor, [c.principal for c in task.candidates], task.assignee)


def claim(uow: UnitOfWork, task_id: str, actor: Principal) -> Task:
    """The task is this person's; when that gives it an assignee and it has assignment
    listeners, they run in the same step (engine/assignments.py)."""
    task = get_task(uow, task_id, actor)
    _ensure_open(task)
    case = uow.session.get(Case, task.case_id)
    if case is not None:
        four_eyes.check(uow.session, case.process_model, case.id, task.element_id,
                        actor.username)
    if case is not None and task.assignee != actor.username and \
            assignments.has_listeners(case.process_model.elements, task.element_id):
        def assigned(step: Step) -> StepResult | None:
            _take(step.uow, task, actor)
            return runtime.assigned(step.workflow(), task.element_id)
        run_step(uow, case_by_id(case.id), assigned)  # all its open rows, this one too
    else:
        _take(uow, task, actor)
        uow.commit()
    uow.session.refresh(task)
    return task


def _take(uow: UnitOfWork, task: Task, actor: Principal) -> None:
    """Make the open task the actor's, if nobody else has it, with its audit event."""
    changed: CursorResult[Any] = uow.session.execute(  # type: ignore[assignment]
        update(Task).where(Task.id == task.id, Task.state == "open",
                           (Task.assignee.is_(None)) | (Task.assignee == actor.username))
        .values(assignee=actor.username).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        uow.session.refresh(task)
        _ensure_open(task)
        raise Conflict(f"This task was already claimed by {task.assignee}.")
    uow.session.execute(update(TaskCandidate).where(TaskCandidate.task_id == task.id)
                        .values(assignee=actor.username)
                        .execution_options(synchronize_session=False))  # the inbox entries
    uow.record(AuditEntry(actor.username, "task_claimed", case_id=task.case_id, task_id=task.id,
                          details={"element_id": task.element_id}))


def unclaim(uow: UnitOfWork, task_id: str, actor: Principal) -> Task:
    task = get_task(uow, task_id, actor)
    _ensure_open(task)
    if task.assignee != actor.username and not actor.has_role("teamlead"):
        raise Forbidden("Only the person who claimed the task (or a team lead) can release it.")
    previous = task.assignee
    task.assignee = None
    uow.record(AuditEntry(actor.username, "task_unclaimed", case_id=task.case_id,
                          task_id=task.id, details={"element_id": task.element_id,
                                                    "previous_assignee": previous}))
    uow.commit()
    return task


def _ensure_open(task: Task | TaskRow) -> None:
    if task.state != "open":
        who = f" by {task.completed_by}" if task.completed_by else ""
        raise Conflict(f"This task is no longer open: it was {task.state}{who}.")


def form_for(uow: UnitOfWork, task: Task) -> FormDefinition | None:
    case = uow.session.get(Case, task.case_id)
    if case is None:
        raise NotFound("There is no such case.")
    return process_models.form_of(case.process_model, task.form_key)


def complete(uow: UnitOfWork, task_id: str, data: Any, actor: Principal,
             channel: str | None = None) -> StepOutcome:
    """Complete a task with its form's data and run the case on to its next wait.

    The hot path of the platform: the case is locked first, then its open task rows and
    the task are read in one query, and every write is a prepared statement
    (persistence/task_rows.py)."""
    def act(step: Step) -> StepResult | None:
        task = _completable(step, actor)
        if task.kind == "adhoc":
            _complete_added_step(step, task, data, actor)
            return None
        form = process_models.form_of(step.model, task.form_key)
        clean, files = documents.take_files(form, submitted_data(form, data))
        try:
            result = runtime.complete(step.workflow(), task.engine_task_id or "", clean)
        except TaskNotOpen:
            raise Conflict("This task is no longer open in the case.") from None
        step.close(task.id, "completed", actor.username)
        documents.store(uow, step.case.id, task.id, files, actor.username, channel)
        step.record(actor.username, "task_completed", task_id=task.id, details={
            "element_id": task.element_id, "name": task.name, "data": clean})
        return result
    return run_step(uow, case_of_task(task_id, channel, missing=NO_TASK), act)


def _completable(step: Step, actor: Principal) -> TaskRow:
    """The step's task, if this person may complete it now."""
    task = step.task
    if task is None or not _may_see_row(actor, task.principals, task.assignee):
        raise NotFound(NO_TASK)
    _ensure_open(task)
    if task.kind == "external":
        raise Conflict("This task is done by an external worker; it is completed through "
                       "/engine-rest/external-task, not by a person.")
    if task.assignee and task.assignee != actor.username and actor is not RESIDENT:
        raise Forbidden(f"This task is claimed by {task.assignee}; ask them or a team lead "
                        "to release it first.")
    if actor is not RESIDENT:
        four_eyes.check(step.uow.session, step.model, step.case.id, task.element_id,
                        actor.username)
    blocking = [t for t in step.open_rows if t.kind == "adhoc" and t.blocks_task_id == task.id]
    if blocking:
        raise Conflict("First complete the step that was added before this one: "
                       + ", ".join(f"'{b.name}'" for b in blocking) + ".")
    return task


def _may_see_row(actor: Principal, principals: Collection[str], assignee: str | None) -> bool:
    if actor is RESIDENT:
        return f"group:{RESIDENT_GROUP}" in principals
    return actor.works_tasks and actor.may_see_task(set(principals), assignee)


def _complete_added_step(step: Step, task: TaskRow, data: Any, actor: Principal) -> None:
    """An ad-hoc step lives outside the model: completing it only unblocks the next step."""
    clean = submitted_data(None, data)
    step.close(task.id, "completed", actor.username)
    step.case.updated_at = utcnow()
    step.record(actor.username, "task_completed", task_id=task.id, details={
        "element_id": task.element_id, "name": task.name, "data": clean})
