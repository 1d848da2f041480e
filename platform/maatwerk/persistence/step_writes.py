"""A step's row writes, all at once: the tasks it closes (with their inbox entries), the
case row under its version check, and the tasks it opens (with theirs).

PostgreSQL: one statement (data-modifying WITH queries around the case's UPDATE), since
a round trip to the server is what a step pays most for there. It also locks the audit
chain's head and returns it, so that the step's events need no statement of their own to
take it (audit_log.append); the lock is held until COMMIT, as it would be anyway. SQLite: the plain
statements of task_rows.py one after another (a call into the library costs less than
composing the combined statement). Both raise StaleDataError when the case changed since
it was read, or a task to close was no longer open: the step then changes nothing.

The combined statement is built once for each set of case columns written, and sends
its rows as arrays (bulk.py), so it is compiled and planned once, whatever the number
of tasks.
"""
from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import ARRAY, Connection, String, Update, bindparam, func, insert, select, update
from sqlalchemy.orm.exc import StaleDataError

from . import audit_log, bulk, task_rows
from .models import Case, utcnow
from .task_rows import NewTask

_tasks = task_rows.TASKS
_candidates = task_rows.CANDIDATES


class Closing(NamedTuple):
    """An open task the step closes: completed, cancelled or skipped, and by whom."""

    task_id: str
    state: str
    by: str | None


def write_step(conn: Connection, case: Case, changes: dict[str, Any], closing: list[Closing],
               opening: list[NewTask]) -> audit_log.Head | None:
    """Write one step's rows; the loaded case takes on `changes` as its committed state.
    PostgreSQL: returns the audit head, locked (None before the very first event)."""
    if conn.dialect.name != "postgresql":
        close_tasks(conn, closing)
        task_rows.update_case(conn, case, changes)
        task_rows.insert_tasks(conn, case.process_model_id, opening)
        return None
    params: dict[str, Any] = {f"v_{name}": value for name, value in changes.items()}
    params.update(b_case=case.id, b_version=case.row_version, b_at=utcnow(),
                  c_task_id=[c.task_id for c in closing], c_state=[c.state for c in closing],
                  c_by=[c.by for c in closing])
    params.update(bulk.as_arrays(task_rows.task_values(opening), task_rows.TASK_COLUMNS, "t"))
    params.update(bulk.as_arrays(task_rows.inbox_entries(case.process_model_id, opening),
                                 task_rows.ENTRY_COLUMNS, "e"))
    written = conn.execute(_combined(tuple(sorted(changes))), params).first()
    if written is None or written.closed != len(closing):
        raise StaleDataError(f"case {case.id} was changed by another transaction")
    task_rows.took_on(case, changes)
    if written.last_event_id is None:
        return None
    return audit_log.Head(written.last_event_id, written.last_hash)


def close_tasks(conn: Connection, closing: list[Closing]) -> None:
    """Close tasks one by one (SQLite, and steps that write no case row)."""
    for item in closing:
        if not task_rows.close_task(conn, item.task_id, item.state, item.by):
            raise StaleDataError(f"task {item.task_id} was closed by another transaction")


_COMBINED: dict[tuple[str, ...], Update] = {}


def _combined(names: tuple[str, ...]) -> Update:
    """The case's UPDATE (of these columns) with the closing and opening of tasks and
    their inbox entries as data-modifying WITH queries, and the audit head locked; returns
    how many tasks it closed and the head (no row: the case's version had changed)."""
    statement = _COMBINED.get(names)
    if statement is None:
        closing = func.unnest(bindparam("c_task_id", type_=ARRAY(String)),
                              bindparam("c_state", type_=ARRAY(String)),
                              bindparam("c_by", type_=ARRAY(String))) \
            .table_valued("task_id", "state", "by").render_derived(name="closing")
        closed = update(_tasks).where(_tasks.c.id == closing.c.task_id,
                                      _tasks.c.state == "open") \
            .values(state=closing.c.state, completed_by=closing.c.by,
                    completed_at=bindparam("b_at", type_=_tasks.c.completed_at.type)) \
            .returning(_tasks.c.id, _tasks.c.state).cte("closed")
        statement = task_rows.case_update(names).add_cte(closed).add_cte(
            update(_candidates).where(_candidates.c.task_id == closed.c.id)
            .values(state=closed.c.state).cte("closed_entries")).add_cte(
            insert(_tasks).from_select(task_rows.TASK_COLUMNS, bulk.unnest_select(
                _tasks, task_rows.TASK_COLUMNS, "t")).cte("opened")).add_cte(
            insert(_candidates).from_select(task_rows.ENTRY_COLUMNS, bulk.unnest_select(
                _candidates, task_rows.ENTRY_COLUMNS, "e")).cte("opened_entries")) \
            .returning(select(func.count()).select_from(closed).scalar_subquery().label("closed"),
                       *(select(column).scalar_subquery().label(column.name)
                         for column in audit_log.HEAD_LOCK.c))
        _COMBINED[names] = statement
    return statement
