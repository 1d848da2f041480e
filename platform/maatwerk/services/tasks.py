"""The inbox: seeing, claiming and completing tasks."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, select, update
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError

from ..domain.audit import AuditEntry
from ..domain.principal import RESIDENT, RESIDENT_GROUP, Principal
from ..engine import TaskNotOpen, runtime
from ..forms.definition import FormDefinition
from ..persistence import task_rows
from ..persistence.models import Case, ProcessModel, Task, TaskCandidate, utcnow
from ..persistence.uow import UnitOfWork
from . import documents, process_models
from .case_steps import apply_step, lock_case_of_task
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


def _visible(uow: UnitOfWork, actor: Principal, flt: InboxFilter
             ) -> Select[tuple[str, Any, Any]]:
    """The open tasks this person may see, filtered: one row (task_id, due_at, created_at)
    per task."""
    if flt.mine_only or "admin" in actor.roles:
        return _from_tasks(actor, flt)
    return _from_inbox_entries(actor, flt, uow.is_postgresql)


def _from_inbox_entries(actor: Principal, flt: InboxFilter, postgresql: bool
                        ) -> Select[tuple[str, Any, Any]]:
    """From the person's own candidate rows, which carry copies of their task's columns:
    an index range per principal (ix_task_candidates_inbox), never every open task, so the
    inbox costs what the person can see, not what exists.

    A task the person may see through two principals (a group and their name) has two of
    these rows; only the one with the first principal counts. That is looked up only for
    a task with more rows (`shared`): a DISTINCT over every row would cost far more."""
    principals = actor.task_principals()
    entry, other = TaskCandidate, aliased(TaskCandidate)
    earlier = exists().where(other.shared, other.task_id == entry.task_id,
                             other.principal.in_(principals), other.principal < entry.principal)
    # PostgreSQL plans NOT EXISTS as an anti-join over just the shared rows (and costs the
    # joins around it right); SQLite runs a subquery per row unless the OR spares it
    first_of_task = ~earlier.where(entry.shared) if postgresql else ~entry.shared | ~earlier
    query = select(entry.task_id, entry.due_at, entry.created_at).where(
        entry.principal.in_(principals), entry.state == "open", first_of_task)
    if flt.case_id is not None:
        query = query.where(entry.case_id == flt.case_id)
    if flt.element_id:
        query = query.where(entry.element_id == flt.element_id)
    if flt.claimed is not None:
        query = query.where(entry.assignee.is_not(None) if flt.claimed
                            else entry.assignee.is_(None))
    if flt.process_key:
        query = query.where(entry.process_model_id.in_(
            select(ProcessModel.id).where(ProcessModel.key == flt.process_key)))
    if flt.search:
        query = query.join(Case, Case.id == entry.case_id).where(_search(flt.search))
    return query


def _from_tasks(actor: Principal, flt: InboxFilter) -> Select[tuple[str, Any, Any]]:
    """The tasks claimed by the person (an index range on the assignee), or, for an
    administrator, every open task."""
    query = select(Task.id.label("task_id"), Task.due_at, Task.created_at) \
        .where(Task.state == "open")
    if flt.mine_only:
        query = query.where(Task.assignee == actor.username)
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
            query = query.where(_search(flt.search))
    return query


def _search(text: str) -> ColumnElement[bool]:
    """Case reference or resident name contains the text (% and _ are just characters)."""
    term = text.strip()
    return Case.reference.icontains(term, autoescape=True) | \
        Case.resident_name.icontains(term, autoescape=True)


def _order(keys: Any, sort: str) -> tuple[Any, ...]:
    if sort == "deadline":  # tasks without a decision date last
        return keys.due_at.is_(None), keys.due_at, keys.created_at, keys.task_id
    return keys.created_at, keys.task_id


def _page(uow: UnitOfWork, visible: Select[tuple[str, Any, Any]], sort: str, limit: int,
          offset: int) -> tuple[list[Task], int | None]:
    """One page of the visible tasks and how many there are, in one pass over them (a
    search reads every visible case once, not twice): counted, sorted and cut on the
    narrow rows, then only that page's task rows are read. The count is None when the
    page is empty."""
    # MATERIALIZED: the visible rows are found first, by the plan for them alone (an index
    # range); else PostgreSQL may walk an index in page order, while the count needs all
    keys = visible.cte("visible").prefix_with("MATERIALIZED")
    page = select(keys, func.count().over().label("total")).order_by(*_order(keys.c, sort)) \
        .limit(limit).offset(offset).subquery("page")
    rows = uow.session.execute(select(Task, page.c.total).join(page, page.c.task_id == Task.id)
                               .order_by(*_order(page.c, sort))).all()
    return [row[0] for row in rows], (rows[0][1] if rows else None)


def inbox(uow: UnitOfWork, actor: Principal, flt: InboxFilter = InboxFilter(), page: int = 1,
          per_page: int = 50) -> InboxPage:
    """One page of the open tasks this person may see; reads only rows, never engine state."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers have an inbox.")
    visible = _visible(uow, actor, flt)
    page = max(1, page)
    rows, total = _page(uow, visible, flt.sort, per_page, (page - 1) * per_page)
    if total is None:  # an empty page: nothing at all, or past the end
        total = uow.session.scalar(select(func.count()).select_from(visible.subquery())) \
            if page > 1 else 0
    return InboxPage(rows, total or 0, page, per_page)


def visible_tasks(uow: UnitOfWork, actor: Principal, flt: InboxFilter = InboxFilter(),
                  limit: int = INBOX_LIMIT, offset: int = 0) -> list[Task]:
    """Open tasks this person may see, oldest first (the API's list)."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers have an inbox.")
    return _page(uow, _visible(uow, actor, flt), "created", limit, offset)[0]


_TASK_WITH_CANDIDATES = select(Task).options(joinedload(Task.candidates)).where(
    Task.id == bindparam("task_id"))


def get_task(uow: UnitOfWork, task_id: str, actor: Principal) -> Task:
    task = uow.session.execute(_TASK_WITH_CANDIDATES,
                               {"task_id": task_id}).unique().scalar_one_or_none()
    if task is None or not _may_see(actor, task):
        raise NotFound("There is no such task, or you may not see it.")
    return task


def _may_see(actor: Principal, task: Task) -> bool:
    return _may_see_row(actor, {c.principal for c in task.candidates}, task.assignee)


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
    uow.session.execute(update(TaskCandidate).where(TaskCandidate.task_id == task_id)
                        .values(assignee=actor.username)
                        .execution_options(synchronize_session=False))  # the inbox entries
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


def _ensure_open(task: Any) -> None:
    if task.state != "open":
        who = f" by {task.completed_by}" if task.completed_by else ""
        raise Conflict(f"This task is no longer open: it was {task.state}{who}.")


def form_for(uow: UnitOfWork, task: Task) -> FormDefinition | None:
    case = uow.session.get(Case, task.case_id)
    assert case is not None
    return process_models.form_of(case.process_model, task.form_key)


def complete(uow: UnitOfWork, task_id: str, data: Any, actor: Principal,
             channel: str | None = None) -> Case:
    """Complete a task with its form's data and run the case on to its next wait.

    The hot path of the platform: the case is locked first, then its open task rows and
    the task are read in one query, and every write is a prepared statement
    (persistence/task_rows.py)."""
    case = lock_case_of_task(uow, task_id)
    conn = uow.session.connection()
    task, still_open = task_rows.step_rows(conn, case.id, task_id) if case else (None, [])
    if case is None or task is None or \
            not _may_see_row(actor, task_rows.principals_of(task), task.assignee):
        raise NotFound("There is no such task, or you may not see it.")
    _ensure_open(task)
    if task.assignee and task.assignee != actor.username and actor is not RESIDENT:
        raise Forbidden(f"This task is claimed by {task.assignee}; ask them or a team lead "
                        "to release it first.")
    model = case.process_model
    if task.kind == "adhoc":
        return _complete_added_step(uow, case, task, data, actor, channel)
    blocking = [t for t in still_open if t.kind == "adhoc" and t.blocks_task_id == task.id]
    if blocking:
        raise Conflict("First complete the step that was added before this one: "
                       + ", ".join(f"'{b.name}'" for b in blocking) + ".")
    form = process_models.form_of(model, task.form_key)
    clean, files = documents.take_files(form, submitted_data(form, data))
    workflow = runtime.load(process_models.spec_bundle(uow, model), case.engine_state)
    try:
        result = runtime.complete(workflow, task.engine_task_id or "", clean)
    except TaskNotOpen:
        raise Conflict("This task is no longer open in the case.") from None
    try:
        task_rows.close_task(conn, task.id, "completed", actor.username)
        documents.store(uow, case.id, task.id, files, actor.username, channel)
        uow.record(AuditEntry(actor.username, "task_completed", case_id=case.id,
                              task_id=task.id, channel=channel, details={
                                  "element_id": task.element_id, "name": task.name,
                                  "data": clean}))
        apply_step(uow, case, model, result, "systeem", channel, still_open)
        uow.commit()
    except StaleDataError:
        raise Conflict("The case was changed by someone else at the same moment; "
                       "reload and try again.") from None
    return case


def _may_see_row(actor: Principal, principals: set[str], assignee: str | None) -> bool:
    if actor is RESIDENT:
        return f"group:{RESIDENT_GROUP}" in principals
    return actor.works_tasks and actor.may_see_task(principals, assignee)


def _complete_added_step(uow: UnitOfWork, case: Case, task: Any, data: Any, actor: Principal,
                         channel: str | None) -> Case:
    """An ad-hoc step lives outside the model: completing it only unblocks the next step."""
    clean = submitted_data(None, data)
    task_rows.close_task(task_rows.begin_step(uow.session), task.id, "completed",
                         actor.username)
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
