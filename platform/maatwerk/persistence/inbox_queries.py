"""The inbox's queries: which open tasks a person may see, filtered, sorted and paged.

The rule for who may see a task lives in the domain (Principal); these queries find those
tasks through the indexes built for it (see inbox_entries.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session, aliased

from ..domain.principal import RESIDENT_GROUP, Principal
from .models import Case, ProcessModel, Task, TaskCandidate

# the open tasks a person may see: (task_id, due_at, created_at) per task
Visible = Select[str, datetime | None, datetime]

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


def visible(actor: Principal, flt: InboxFilter, postgresql: bool
            ) -> Visible:
    """The open tasks this person may see, filtered: one row (task_id, due_at, created_at)
    per task."""
    if flt.mine_only or "admin" in actor.roles:
        return _from_tasks(actor, flt)
    return _from_inbox_entries(actor, flt, postgresql)


def _from_inbox_entries(actor: Principal, flt: InboxFilter, postgresql: bool
                        ) -> Visible:
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


def _from_tasks(actor: Principal, flt: InboxFilter) -> Visible:
    """The tasks claimed by the person (an index range on the assignee), or, for an
    administrator, every open task a person does (not those an external worker does)."""
    query = select(Task.id.label("task_id"), Task.due_at, Task.created_at) \
        .where(Task.state == "open", Task.kind != "external")
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


def page_of(session: Session, visible: Visible, sort: str, limit: int,
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
    rows = session.execute(select(Task, page.c.total).join(page, page.c.task_id == Task.id)
                               .order_by(*_order(page.c, sort))).all()
    return [row[0] for row in rows], (rows[0][1] if rows else None)


def count(session: Session, visible: Visible) -> int:
    """How many tasks the query finds."""
    return session.scalar(select(func.count()).select_from(visible.subquery())) or 0
