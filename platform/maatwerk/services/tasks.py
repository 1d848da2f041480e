"""The inbox: seeing, claiming and completing tasks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..domain.audit import AuditEntry
from ..domain.principal import RESIDENT, RESIDENT_GROUP, Principal
from ..engine import TaskNotOpen, runtime
from ..forms.definition import FormDefinition
from ..persistence.models import Case, ProcessModel, Task, TaskCandidate, utcnow
from ..persistence.uow import UnitOfWork
from . import process_models
from .case_steps import apply_step, lock_case, open_rows
from .cases import submitted_data
from .errors import Conflict, Forbidden, NotFound

INBOX_LIMIT = 200


@dataclass(frozen=True)
class InboxFilter:
    case_id: int | None = None
    element_id: str | None = None
    mine_only: bool = False
    process_key: str | None = None
    claimed: bool | None = None  # True: claimed by anyone; False: not claimed
    search: str | None = None  # case reference or resident name
    sort: str = "created"  # created, deadline


@dataclass(frozen=True)
class InboxPage:
    tasks: list[Task]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _inbox_query(actor: Principal, flt: InboxFilter) -> Select[tuple[Task]]:
    query = select(Task).where(Task.state == "open")
    if flt.mine_only:
        query = query.where(Task.assignee == actor.username)
    elif "admin" not in actor.roles:
        # start from the person's own candidate rows (an index range per group), not from
        # every open task: the inbox costs what the person can see, not what exists.
        # An assignee is always a candidate too (user:<name>), see case_steps._task_row.
        visible = select(TaskCandidate.task_id).where(
            TaskCandidate.principal.in_(actor.task_principals()))
        query = query.where(Task.id.in_(visible))
    if "admin" in actor.roles and RESIDENT_GROUP not in actor.groups:
        # residents do their own tasks through their link; a task a designer gave to the
        # residents and to a staff group stays visible to that group
        query = query.where(~exists().where(TaskCandidate.task_id == Task.id,
                                            TaskCandidate.principal == f"group:{RESIDENT_GROUP}"))
    if flt.case_id is not None:
        query = query.where(Task.case_id == flt.case_id)
    if flt.element_id:
        query = query.where(Task.element_id == flt.element_id)
    if flt.claimed is not None:
        query = query.where(Task.assignee.is_not(None) if flt.claimed else Task.assignee.is_(None))
    if flt.process_key or flt.search:
        query = query.join(Case, Case.id == Task.case_id)
        if flt.process_key:
            query = query.join(ProcessModel, ProcessModel.id == Case.process_model_id) \
                .where(ProcessModel.key == flt.process_key)
        if flt.search:
            like = f"%{flt.search.strip()}%"
            query = query.where(Case.reference.ilike(like) | Case.resident_name.ilike(like))
    return query


def inbox(uow: UnitOfWork, actor: Principal, flt: InboxFilter = InboxFilter(), page: int = 1,
          per_page: int = 50) -> InboxPage:
    """One page of the open tasks this person may see; reads only rows, never engine state."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers have an inbox.")
    query = _inbox_query(actor, flt)
    total = uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (Task.due_at.is_(None), Task.due_at, Task.created_at, Task.id) \
        if flt.sort == "deadline" else (Task.created_at, Task.id)
    page = max(1, page)
    rows = list(uow.session.scalars(query.order_by(*order).limit(per_page)
                                    .offset((page - 1) * per_page)))
    return InboxPage(rows, total, page, per_page)


def visible_tasks(uow: UnitOfWork, actor: Principal, flt: InboxFilter = InboxFilter(),
                  limit: int = INBOX_LIMIT, offset: int = 0) -> list[Task]:
    """Open tasks this person may see, oldest first (the API's list)."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers have an inbox.")
    query = _inbox_query(actor, flt).order_by(Task.created_at, Task.id)
    return list(uow.session.scalars(query.limit(limit).offset(offset)))


_TASK_WITH_CANDIDATES = select(Task).options(joinedload(Task.candidates)).where(
    Task.id == bindparam("task_id"))


def get_task(uow: UnitOfWork, task_id: str, actor: Principal) -> Task:
    task = uow.session.execute(_TASK_WITH_CANDIDATES,
                               {"task_id": task_id}).unique().scalar_one_or_none()
    if task is None or not _may_see(actor, task):
        raise NotFound("There is no such task, or you may not see it.")
    return task


def _may_see(actor: Principal, task: Task) -> bool:
    if actor is RESIDENT:
        return f"group:{RESIDENT_GROUP}" in {c.principal for c in task.candidates}
    return actor.works_tasks and actor.may_see_task({c.principal for c in task.candidates},
                                                    task.assignee)


def claim(uow: UnitOfWork, task_id: str, actor: Principal) -> Task:
    task = get_task(uow, task_id, actor)
    _ensure_open(task)
    changed = uow.session.execute(
        update(Task).where(Task.id == task_id, Task.state == "open",
                           (Task.assignee.is_(None)) | (Task.assignee == actor.username))
        .values(assignee=actor.username).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        uow.session.refresh(task)
        _ensure_open(task)
        raise Conflict(f"This task was already claimed by {task.assignee}.")
    uow.session.refresh(task)
    uow.record(AuditEntry(actor.username, "task_claimed", case_id=task.case_id, task_id=task.id,
                          details={"element_id": task.element_id}))
    uow.commit()
    return task


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


def _ensure_open(task: Task) -> None:
    if task.state != "open":
        who = f" by {task.completed_by}" if task.completed_by else ""
        raise Conflict(f"This task is no longer open: it was {task.state}{who}.")


def form_for(uow: UnitOfWork, task: Task) -> FormDefinition | None:
    case = uow.session.get(Case, task.case_id)
    assert case is not None
    return process_models.form_of(case.process_model, task.form_key)


def complete(uow: UnitOfWork, task_id: str, data: Any, actor: Principal,
             channel: str | None = None) -> Case:
    """Complete a task with its form's data and run the case on to its next wait."""
    task = get_task(uow, task_id, actor)
    case = lock_case(uow, task.case_id)
    assert case is not None
    if uow.is_postgresql:
        uow.session.refresh(task)  # as it is now that we hold the case
    _ensure_open(task)
    if task.assignee and task.assignee != actor.username and actor is not RESIDENT:
        raise Forbidden(f"This task is claimed by {task.assignee}; ask them or a team lead "
                        "to release it first.")
    model = case.process_model
    if task.kind == "adhoc":
        return _complete_added_step(uow, case, task, data, actor, channel)
    still_open = [t for t in open_rows(uow, case.id) if t.id != task.id]
    blocking = [t for t in still_open if t.kind == "adhoc" and t.blocks_task_id == task.id]
    if blocking:
        raise Conflict("First complete the step that was added before this one: "
                       + ", ".join(f"'{b.name}'" for b in blocking) + ".")
    clean = submitted_data(process_models.form_of(model, task.form_key), data)
    workflow = runtime.load(process_models.spec_bundle(uow, model), case.engine_state)
    try:
        result = runtime.complete(workflow, task.engine_task_id or "", clean)
    except TaskNotOpen:
        raise Conflict("This task is no longer open in the case.") from None
    task.state = "completed"
    task.completed_at = utcnow()
    task.completed_by = actor.username
    uow.record(AuditEntry(actor.username, "task_completed", case_id=case.id, task_id=task.id,
                          channel=channel, details={"element_id": task.element_id,
                                                    "name": task.name, "data": clean}))
    apply_step(uow, case, model, result, "systeem", channel, still_open)
    try:
        uow.commit()
    except StaleDataError:
        raise Conflict("The case was changed by someone else at the same moment; "
                       "reload and try again.") from None
    return case


def _complete_added_step(uow: UnitOfWork, case: Case, task: Task, data: Any, actor: Principal,
                         channel: str | None) -> Case:
    """An ad-hoc step lives outside the model: completing it only unblocks the next step."""
    clean = submitted_data(None, data)
    task.state, task.completed_at, task.completed_by = "completed", utcnow(), actor.username
    case.updated_at = utcnow()
    uow.record(AuditEntry(actor.username, "task_completed", case_id=case.id, task_id=task.id,
                          channel=channel, details={"element_id": task.element_id,
                                                    "name": task.name, "data": clean}))
    uow.commit()
    return case


def task_to_dict(task: Task) -> dict[str, Any]:
    return {"id": task.id, "case_id": task.case_id, "element_id": task.element_id,
            "name": task.name, "state": task.state,
            "candidate_groups": [g for g in task.candidate_groups.split(",") if g],
            "candidate_users": [u for u in task.candidate_users.split(",") if u],
            "assignee": task.assignee, "kind": task.kind,
            "instructions": task.instructions, "blocks_task_id": task.blocks_task_id,
            "created_at": task.created_at.isoformat()}
