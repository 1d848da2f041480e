"""A case step's reads and writes in plain statements: the case row, its task rows and their
inbox entries (task_candidates).

A task completion is the platform's hottest write. Through the ORM's unit of work its five
small row changes cost four times what SQLite takes to run them (object state, history,
dependency sorting), so a step writes them here as prepared statements instead. Rules:

- the session is flushed before these run (`begin_step`), so ORM changes made earlier in the
  unit of work are in the database first and nothing written here is overwritten later;
- a task's candidate rows carry copies of its columns (inbox_entries.py): every statement
  here that changes a copied column changes the candidate rows in the same way;
- the case row keeps its optimistic version check: `update_case` bumps row_version where it
  still is what this unit of work read, and raises StaleDataError (as the ORM would)
  otherwise; the loaded Case object is then brought up to date without becoming dirty.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, bindparam, case, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .models import Case, Task, TaskCandidate, table_of, utcnow

_tasks = TASKS = table_of(Task)
_candidates = CANDIDATES = table_of(TaskCandidate)
_cases = table_of(Case)
# what a new task row and its inbox entries are written with
TASK_COLUMNS = ("id", "case_id", "engine_task_id", "element_id", "name", "state",
                "candidate_groups", "candidate_users", "assignee", "form_key", "kind",
                "instructions", "blocks_task_id", "due_at", "created_at", "completed_at",
                "completed_by")
ENTRY_COLUMNS = ("task_id", "principal", "state", "created_at", "due_at", "element_id",
                 "assignee", "case_id", "process_model_id", "shared")

# Built once: composing a statement costs more than SQLite takes to run it.
# What a step needs of a task row (and what a case's summary shows of its open tasks).
STEP_COLUMNS = (_tasks.c.id, _tasks.c.engine_task_id, _tasks.c.element_id, _tasks.c.name,
                 _tasks.c.kind, _tasks.c.blocks_task_id, _tasks.c.state, _tasks.c.assignee,
                 _tasks.c.candidate_groups, _tasks.c.form_key, _tasks.c.completed_by,
                 _tasks.c.created_at)
_ORDER = (_tasks.c.created_at, _tasks.c.id)
_OPEN = select(*STEP_COLUMNS) \
    .where(_tasks.c.case_id == bindparam("case_id"), _tasks.c.state == "open").order_by(*_ORDER)
# the case's open rows and the one task asked for (open or not), with that task's
# principals joined into one text (a CASE: the subquery runs for that row only)
PRINCIPAL_SEPARATOR = "\x1f"
_PRINCIPALS_OF_ROW = select(
    func.aggregate_strings(_candidates.c.principal, PRINCIPAL_SEPARATOR)
).where(_candidates.c.task_id == _tasks.c.id).scalar_subquery()
_STEP_ROWS = select(*STEP_COLUMNS, case((_tasks.c.id == bindparam("task_id"),
                                          _PRINCIPALS_OF_ROW), else_=None).label("principals")) \
    .where(_tasks.c.case_id == bindparam("case_id"),
           or_(_tasks.c.state == "open", _tasks.c.id == bindparam("task_id"))).order_by(*_ORDER)
CASE_OF_TASK = select(_tasks.c.case_id).where(_tasks.c.id == bindparam("task_id")) \
    .scalar_subquery()
_INSERT_TASK = insert(_tasks)
_INSERT_CANDIDATE = insert(_candidates)
_CLOSE_TASK = update(_tasks).where(_tasks.c.id == bindparam("b_task"),
                                   _tasks.c.state == "open") \
    .values(state=bindparam("b_state"), completed_at=bindparam("b_at"),
            completed_by=bindparam("b_by"))
_CLOSE_CANDIDATES = update(_candidates).where(_candidates.c.task_id == bindparam("b_task")) \
    .values(state=bindparam("b_state"))
_DUE_TASKS = update(_tasks).where(_tasks.c.case_id == bindparam("b_case"),
                                  _tasks.c.state == "open").values(due_at=bindparam("b_due"))
_DUE_CANDIDATES = update(_candidates).where(_candidates.c.case_id == bindparam("b_case"),
                                            _candidates.c.state == "open") \
    .values(due_at=bindparam("b_due"))


class TaskRow(NamedTuple):
    """What a step (and a case's summary) reads of a task row. `principals`: whose inbox it
    is in, read only for the task a completion names."""

    id: str
    engine_task_id: str | None
    element_id: str
    name: str
    kind: str
    blocks_task_id: str | None
    state: str
    assignee: str | None
    candidate_groups: str
    form_key: str | None
    completed_by: str | None
    created_at: datetime
    principals: frozenset[str] = frozenset()


def _task_row(row: Row[*tuple[Any, ...]]) -> TaskRow:
    return TaskRow(row.id, row.engine_task_id, row.element_id, row.name, row.kind,
                   row.blocks_task_id, row.state, row.assignee, row.candidate_groups,
                   row.form_key, row.completed_by, row.created_at)


@dataclass
class NewTask:
    """A task row to insert, with the principals whose inbox it enters."""

    case_id: int
    engine_task_id: str | None
    element_id: str
    name: str
    principals: list[str]
    candidate_groups: str = ""
    candidate_users: str = ""
    assignee: str | None = None
    form_key: str | None = None
    due_at: datetime | None = None
    kind: str = "bpmn"
    state: str = "open"
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    created_at: datetime = field(default_factory=utcnow)

    def row(self) -> TaskRow:
        """The row as a step reads it back."""
        return TaskRow(self.id, self.engine_task_id, self.element_id, self.name, self.kind,
                       None, self.state, self.assignee, self.candidate_groups, self.form_key,
                       None, self.created_at, frozenset(self.principals))


def begin_step(session: Session) -> Connection:
    """Write what the ORM holds; the connection for the step's statements."""
    session.flush()
    return session.connection()


def open_rows(session: Session, case_id: int) -> list[TaskRow]:
    """The case's open task rows (the columns a step and a case summary use), oldest
    first."""
    return [_task_row(row) for row in begin_step(session).execute(_OPEN, {"case_id": case_id})]


def step_rows(conn: Connection, case_id: int, task_id: str) -> tuple[TaskRow | None,
                                                                   list[TaskRow]]:
    """For completing a task of a locked case, in one query: the task's row with its
    principals, or None if the case has no such task; and the case's other open rows."""
    task, others = None, []
    for row in conn.execute(_STEP_ROWS, {"case_id": case_id, "task_id": task_id}):
        if row.id == task_id:
            principals = row.principals.split(PRINCIPAL_SEPARATOR) if row.principals else ()
            task = _task_row(row)._replace(principals=frozenset(principals))
        elif row.state == "open":
            others.append(_task_row(row))
    return task, others


def task_values(new: list[NewTask]) -> list[dict[str, Any]]:
    """The rows to insert for new tasks (TASK_COLUMNS)."""
    return [{"id": t.id, "case_id": t.case_id, "engine_task_id": t.engine_task_id,
             "element_id": t.element_id, "name": t.name, "state": t.state,
             "candidate_groups": t.candidate_groups, "candidate_users": t.candidate_users,
             "assignee": t.assignee, "form_key": t.form_key, "kind": t.kind,
             "instructions": None, "blocks_task_id": None, "due_at": t.due_at,
             "created_at": t.created_at, "completed_at": None, "completed_by": None}
            for t in new]


def inbox_entries(process_model_id: int, new: list[NewTask]) -> list[dict[str, Any]]:
    """The inbox entries (ENTRY_COLUMNS) of new tasks: one per principal, with the copied
    columns."""
    return [{"task_id": t.id, "principal": p, "state": t.state, "created_at": t.created_at,
             "due_at": t.due_at, "element_id": t.element_id, "assignee": t.assignee,
             "case_id": t.case_id, "process_model_id": process_model_id,
             "shared": len(t.principals) > 1} for t in new for p in t.principals]


def insert_tasks(conn: Connection, process_model_id: int, new: list[NewTask]) -> None:
    """Insert task rows and their inbox entries (with the copied columns)."""
    if not new:
        return
    conn.execute(_INSERT_TASK, task_values(new))
    entries = inbox_entries(process_model_id, new)
    if entries:
        conn.execute(_INSERT_CANDIDATE, entries)


def close_task(conn: Connection, task_id: str, state: str, by: str | None,
               at: datetime | None = None) -> bool:
    """Mark an open task completed, cancelled or skipped (and its inbox entries); False when
    it was no longer open."""
    changed = conn.execute(_CLOSE_TASK, {"b_task": task_id, "b_state": state,
                                         "b_at": at or utcnow(), "b_by": by}).rowcount
    if changed:
        conn.execute(_CLOSE_CANDIDATES, {"b_task": task_id, "b_state": state})
    return bool(changed)


def follow_due_date(conn: Connection, case_id: int, due_at: datetime | None) -> None:
    """Open tasks (and their inbox entries) carry their case's decision date."""
    conn.execute(_DUE_TASKS, {"b_case": case_id, "b_due": due_at})
    conn.execute(_DUE_CANDIDATES, {"b_case": case_id, "b_due": due_at})


_CASE_UPDATES: dict[tuple[str, ...], Any] = {}


def case_update(names: tuple[str, ...]) -> Any:
    """UPDATE of these case columns where the row version is still b_version (bumped)."""
    statement = _CASE_UPDATES.get(names)
    if statement is None:
        statement = _CASE_UPDATES[names] = update(_cases).where(
            _cases.c.id == bindparam("b_case"), _cases.c.row_version == bindparam("b_version")
        ).values({**{name: bindparam(f"v_{name}") for name in names},
                  "row_version": _cases.c.row_version + 1})
    return statement


def update_case(conn: Connection, case: Case, values: dict[str, Any]) -> None:
    """Write columns of a loaded case under its version check; the object takes them on
    as its committed state (it does not become dirty, so no second UPDATE follows)."""
    version = case.row_version
    statement = case_update(tuple(sorted(values)))
    params = {f"v_{name}": value for name, value in values.items()}
    changed = conn.execute(
        statement, {**params, "b_case": case.id, "b_version": version}).rowcount
    if changed != 1:
        raise StaleDataError(f"case {case.id} was changed by another transaction")
    took_on(case, values)


def took_on(case: Case, values: dict[str, Any]) -> None:
    """The loaded case takes on what was written (and its new row version) as committed
    state: it does not become dirty, so no second UPDATE follows."""
    for name, value in values.items():
        set_committed_value(case, name, value)
    set_committed_value(case, "row_version", case.row_version + 1)
