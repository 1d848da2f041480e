"""The inbox: seeing, claiming and completing tasks."""
from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, CursorResult, bindparam, select, update
from sqlalchemy.orm import joinedload

from ..domain.audit import AuditEntry
from ..domain.principal import RESIDENT, RESIDENT_GROUP, Principal
from ..engine import StepResult, TaskNotOpen, assignments, runtime
from ..forms.model import FormDefinition
from ..persistence import colleagues, inbox_queries
from ..persistence.inbox_queries import InboxFilter, InboxPage
from ..persistence.models import Case, Task, TaskCandidate, utcnow
from ..persistence.task_rows import TaskRow
from ..persistence.uow import UnitOfWork
from . import added_steps, documents, four_eyes, process_models
from .errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceError
from .steps import NO_TASK, Step, StepOutcome, case_by_id, case_of_task, run_step
from .submissions import submitted_data

__all__ = ["InboxFilter", "InboxPage", "assign_many", "claim", "complete", "hand_over", "inbox",
           "unclaim"]

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
    _assign(uow, case, task, actor.username, (Task.assignee.is_(None)) |
            (Task.assignee == actor.username),
            AuditEntry(actor.username, "task_claimed", case_id=task.case_id, task_id=task.id,
                       details={"element_id": task.element_id}))
    return task


def hand_over(uow: UnitOfWork, task_id: str, actor: Principal, to: str) -> Task:
    """Give an open task to a colleague the model lets do it, without a deviation: the
    person who has it may, and a team lead who sees it. The new assignee's assignment
    listeners run. Someone outside the task's groups needs a deviation (reassign)."""
    task = get_task(uow, task_id, actor)
    _ensure_open(task)
    if task.assignee != actor.username and not actor.has_role("teamlead"):
        raise Forbidden("Only the person who has the task, or a team lead, can hand it over.")
    if to not in dict(colleagues_for(uow, task)):
        raise InvalidInput(
            f"{to} may not do this task: the model gives it to "
            f"{task.candidate_groups or task.candidate_users or 'nobody'}. To give it to "
            "someone else, ask a deviation (reassign).", {"assignee": "Not a candidate."})
    if to == task.assignee:
        return task
    case = uow.session.get(Case, task.case_id)
    if case is not None:
        four_eyes.check(uow.session, case.process_model, case.id, task.element_id, to)
    previous = task.assignee
    _assign(uow, case, task, to, Task.assignee.is_(None) if previous is None
            else Task.assignee == previous,
            AuditEntry(actor.username, "task_handed_over", case_id=task.case_id,
                       task_id=task.id, details={"element_id": task.element_id,
                                                 "previous_assignee": previous, "to": to}))
    return task


def assign_many(uow: UnitOfWork, task_ids: list[str], actor: Principal,
                to: str) -> list[tuple[str, str | None]]:
    """A team lead hands several tasks to one colleague, each in its own step; per task
    its id and why it was not handed over (None: it was)."""
    if not actor.has_role("teamlead"):
        raise Forbidden("Assigning several tasks at once is for team leads.")
    done: list[tuple[str, str | None]] = []
    for task_id in task_ids[:INBOX_LIMIT]:
        try:
            hand_over(uow, task_id, actor, to)
            done.append((task_id, None))
        except ServiceError as exc:
            uow.rollback()
            done.append((task_id, str(exc)))
    return done


def colleagues_for(uow: UnitOfWork, task: Task) -> list[tuple[str, str]]:
    """(username, display name) of the staff this task may be handed to."""
    return colleagues.who_may_do(uow.session, [c.principal for c in task.candidates])


def colleagues_of(uow: UnitOfWork, actor: Principal) -> list[tuple[str, str]]:
    """The staff in a team lead's groups (to assign inbox tasks to)."""
    return colleagues.who_may_do(uow.session, [f"group:{g}" for g in sorted(actor.groups)])


def _assign(uow: UnitOfWork, case: Case | None, task: Task, to: str,
            who_has_it: ColumnElement[bool], event: AuditEntry) -> None:
    """Give the task to `to` where `who_has_it` still holds, with its audit event; a new
    assignee runs the task's assignment listeners in the same step. Committed."""
    if case is not None and task.assignee != to and \
            assignments.has_listeners(case.process_model.elements, task.element_id):
        def assigned(step: Step) -> StepResult | None:
            _write_assignee(step.uow, task, to, who_has_it, event)
            return runtime.assigned(step.workflow(), task.element_id)
        run_step(uow, case_by_id(case.id), assigned)  # all its open rows, this one too
    else:
        _write_assignee(uow, task, to, who_has_it, event)
        uow.commit()
    uow.session.refresh(task)


def _write_assignee(uow: UnitOfWork, task: Task, to: str, who_has_it: ColumnElement[bool],
                    event: AuditEntry) -> None:
    changed: CursorResult[Any] = uow.session.execute(  # type: ignore[assignment]
        update(Task).where(Task.id == task.id, Task.state == "open", who_has_it)
        .values(assignee=to).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        uow.session.refresh(task)
        _ensure_open(task)
        raise Conflict(f"This task was already claimed by {task.assignee}.")
    uow.session.execute(update(TaskCandidate).where(TaskCandidate.task_id == task.id)
                        .values(assignee=to)
                        .execution_options(synchronize_session=False))  # the inbox entries
    uow.record(event)


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
    """The task's form: its model's, or the findings form of an added step."""
    if task.kind == "adhoc":
        return added_steps.FINDINGS
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
            _complete_added_step(step, task, data, actor, channel)
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


def _complete_added_step(step: Step, task: TaskRow, data: Any, actor: Principal,
                         channel: str | None) -> None:
    """An added step lives outside the model: completing it records what was found (its
    findings form; added_steps.py) and unblocks the next step; the case data stays as it
    was."""
    clean, files = documents.take_files(added_steps.FINDINGS,
                                        submitted_data(added_steps.FINDINGS, data))
    step.close(task.id, "completed", actor.username)
    step.case.updated_at = utcnow()
    documents.store(step.uow, step.case.id, task.id, files, actor.username, channel)
    step.record(actor.username, "task_completed", task_id=task.id, details={
        "element_id": task.element_id, "name": task.name, "data": clean})


def all_staff(uow: UnitOfWork) -> list[tuple[str, str]]:
    """(username, display name) of all active staff who work tasks (a deviation may give a
    task to someone outside its groups)."""
    return colleagues.all_staff(uow.session)


def staff_groups(uow: UnitOfWork) -> list[str]:
    return colleagues.staff_groups(uow.session)
