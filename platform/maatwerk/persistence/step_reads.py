"""A step's first read: the case, locked, with its open task rows (and the row of the task
the step is about, with whose inbox it is in).

Two statements: the case (PostgreSQL: with a row lock, waiting for a concurrent step on it
to commit), then its rows. They must be two: a PostgreSQL statement reads other tables as
they were when it began, so rows read in the locking statement would miss what the step it
waited for wrote. SQLite's write transaction already excludes other writers, so no row lock
is needed there. The case row's version column remains the safety net either way
(task_rows.update_case).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from . import task_rows
from .models import Case
from .task_rows import TaskRow

# Which case a step is on (the parameters in brackets).
BY_ID = Case.id == bindparam("case_id")  # (case_id)
OF_TASK = Case.id == task_rows.CASE_OF_TASK  # the case of (task_id)
TIMER_DUE = BY_ID & (Case.next_timer_at <= bindparam("now")) & (Case.status == "open")

_STATEMENTS: dict[tuple[int, bool, bool], Select[Any]] = {}


def _statement(where: ColumnElement[bool], postgresql: bool, skip_locked: bool) -> Select[Any]:
    # built once per form: composing a statement costs more than SQLite takes to run it
    key = (id(where), postgresql, skip_locked)
    statement = _STATEMENTS.get(key)
    if statement is None:
        statement = select(Case).where(where)
        if postgresql:
            # what this transaction read of the case before the lock may have changed
            # since: the locked row overwrites it
            statement = statement.with_for_update(of=Case, skip_locked=skip_locked) \
                .execution_options(populate_existing=True)
        _STATEMENTS[key] = statement
    return statement


def lock_case(session: Session, where: ColumnElement[bool], params: dict[str, Any], *,
              postgresql: bool, skip_locked: bool = False
              ) -> tuple[Case | None, list[TaskRow], TaskRow | None]:
    """The case found by `where` (BY_ID, OF_TASK or TIMER_DUE), locked; its other open task
    rows, oldest first; and the row of `params["task_id"]` if that is a task of the case
    (open or not)."""
    params = {"task_id": None, **params}
    found = session.execute(_statement(where, postgresql, skip_locked), params).first()
    if found is None:
        return None, [], None
    case = found[0]
    if params["task_id"] is None:
        return case, task_rows.open_rows(session, case.id), None
    task, others = task_rows.step_rows(session.connection(), case.id, params["task_id"])
    return case, others, task
