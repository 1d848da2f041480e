"""A task's candidate rows are its entries in the inbox: each carries copies of the task's
filter and sort columns, so that a person's inbox is one index range over their own
principals. This module keeps those copies equal to the task row at every flush:

- a new candidate row (with a new task, or added to an existing one) gets the task's
  values and its case's process model, and all rows of the task learn whether there
  are more of them (`shared`: one person may then see the task twice);
- a change of a copied task column (a task completed, claimed, its decision date moved)
  is copied to all of the task's candidate rows in the same flush, hence the same
  transaction.

Only changes made through the ORM are seen here; a bulk UPDATE of tasks must update
task_candidates itself (see services.tasks.claim)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from .models import Case, Task, TaskCandidate, utcnow

MIRRORED = ("state", "created_at", "due_at", "element_id", "assignee", "case_id")


def task_values(task: Task) -> dict[str, Any]:
    """The copied columns of a task, with the defaults its INSERT would apply."""
    if task.state is None:
        task.state = "open"
    if task.created_at is None:
        task.created_at = utcnow()
    return {name: getattr(task, name) for name in MIRRORED}


def _process_model_id(session: Session, case_id: int) -> int:
    case = session.get(Case, case_id)  # in the identity map whenever a step runs
    if case is None:
        raise ValueError(f"task row for a case that does not exist: {case_id}")
    return case.process_model_id


def _fill(session: Session, task: Task) -> None:
    """Set the copies on every candidate row of a task whose rows are loaded."""
    values = task_values(task)
    values["process_model_id"] = _process_model_id(session, task.case_id)
    values["shared"] = len(task.candidates) > 1
    for candidate in task.candidates:
        for name, value in values.items():
            if getattr(candidate, name) != value:
                setattr(candidate, name, value)


@event.listens_for(Session, "before_flush")
def _copy_task_columns(session: Session, _context: object, _instances: object) -> None:
    for task in [obj for obj in session.new if isinstance(obj, Task)]:
        _fill(session, task)
    for task in [obj for obj in session.dirty if isinstance(obj, Task)]:
        state = inspect(task)
        changed = [name for name in MIRRORED if state.attrs[name].history.has_changes()]
        if "candidates" in task.__dict__:  # the rows are loaded: set them (new ones too)
            if changed or state.attrs["candidates"].history.has_changes():
                _fill(session, task)
        elif changed:
            session.connection().execute(
                update(TaskCandidate).where(TaskCandidate.task_id == task.id)
                .values({name: getattr(task, name) for name in changed}))
    for candidate in [obj for obj in session.new if isinstance(obj, TaskCandidate)]:
        if candidate.state is None:
            raise ValueError(f"candidate row {candidate.principal!r} added without its task; "
                             "add it through Task.candidates")
