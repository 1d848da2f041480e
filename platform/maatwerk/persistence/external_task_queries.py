"""External tasks as rows: which open ones a worker may take, their locks, and what a
worker is told of each (Camunda 7's fetchAndLock)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from .case_variables import variable_equals
from .models import Case, ExternalTask, ProcessModel, Task


@dataclass(frozen=True)
class Lock:
    """An external task's topic and lock, as a completion checks them."""

    task_id: str
    topic: str
    worker_id: str | None
    lock_expires_at: datetime | None


# a worker may fetch it: never failed, or failed with retries left (0: an incident)
_RETRIES_LEFT = or_(ExternalTask.retries.is_(None), ExternalTask.retries > 0)


def add(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """New external tasks: {task_id, case_id, topic}, not locked."""
    if rows:
        conn.execute(insert(ExternalTask), rows)


@dataclass(frozen=True)
class TopicFilter:
    """A topic a worker fetches, narrowed as Camunda's fetchAndLock can: to a business key
    (the case reference), process keys, and case variables with these plain values."""

    name: str
    business_key: str | None = None
    process_keys: tuple[str, ...] | None = None
    variables: tuple[tuple[str, Any], ...] = ()


def _of_topic(topic: TopicFilter) -> ColumnElement[bool]:
    conditions = [ExternalTask.topic == topic.name]
    if topic.business_key is not None:
        conditions.append(Case.reference == topic.business_key)
    if topic.process_keys is not None:
        conditions.append(ProcessModel.key.in_(topic.process_keys))
    conditions += [variable_equals(name, value) for name, value in topic.variables]
    return and_(*conditions)


def take(session: Session, topics: list[TopicFilter], now: datetime, limit: int,
         postgresql: bool) -> list[tuple[str, str]]:
    """Open external tasks of these topics that nobody holds (or whose lock ran out),
    oldest first, locked for this transaction: (task id, topic). On PostgreSQL a task
    another worker is taking at this moment is passed over (SKIP LOCKED)."""
    query = (select(ExternalTask.task_id, ExternalTask.topic)
             .join(Task, Task.id == ExternalTask.task_id)
             .join(Case, Case.id == ExternalTask.case_id)
             .join(ProcessModel, ProcessModel.id == Case.process_model_id)
             .where(Task.state == "open", or_(*[_of_topic(topic) for topic in topics]),
                    or_(ExternalTask.lock_expires_at.is_(None),
                        ExternalTask.lock_expires_at <= now),
                    _RETRIES_LEFT)
             .order_by(Task.created_at, Task.id).limit(limit))
    if postgresql:
        query = query.with_for_update(of=ExternalTask, skip_locked=True)
    return [(row.task_id, row.topic) for row in session.execute(query)]


def change(session: Session, task_id: str, **values: Any) -> None:
    """Set the lock (worker_id, lock_expires_at), retries or error of one external task."""
    session.execute(update(ExternalTask).where(ExternalTask.task_id == task_id)
                    .values(**values))


def lock_of(session: Session, task_id: str, for_update: bool = False) -> Lock | None:
    """The task's topic and lock; `for_update` keeps other workers off it until commit."""
    query = select(ExternalTask).where(ExternalTask.task_id == task_id)
    row = session.execute(query.with_for_update() if for_update else query
                          ).scalar_one_or_none()
    if row is None:
        return None
    return Lock(row.task_id, row.topic, row.worker_id, row.lock_expires_at)


def described(session: Session, where: list[ColumnElement[bool]],
              limit: int = 1000) -> list[dict[str, Any]]:
    """External tasks as a worker is told of them: ids, topic, lock, retries and error, the
    case and its model, the case's data (its process variables) and the task's own
    variables (`own`: a repeating task's item), oldest first."""
    query = (select(ExternalTask.task_id, ExternalTask.topic, ExternalTask.worker_id,
                    ExternalTask.lock_expires_at, ExternalTask.retries,
                    ExternalTask.error_message, ExternalTask.error_details,
                    ExternalTask.variables.label("own"), Task.state,
                    Task.name, Task.element_id, Task.engine_task_id, Task.case_id, Case.reference,
                    Case.data, ProcessModel.key, ProcessModel.id.label("model_id"),
                    ProcessModel.version)
             .join(Task, Task.id == ExternalTask.task_id)
             .join(Case, Case.id == Task.case_id)
             .join(ProcessModel, ProcessModel.id == Case.process_model_id)
             .where(*where).order_by(Task.created_at, Task.id).limit(limit))
    return [dict(row._mapping) for row in session.execute(query)]


def elements_of(session: Session, model_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The element facts of these process model versions, by model id."""
    query = select(ProcessModel.id, ProcessModel.elements).where(ProcessModel.id.in_(model_ids))
    return {row.id: row.elements for row in session.execute(query)}


def with_ids(task_ids: list[str]) -> list[ColumnElement[bool]]:
    return [ExternalTask.task_id.in_(task_ids)]


def open_ones(topics: list[str] | None = None, case_id: int | None = None,
              worker_id: str | None = None, locked: bool | None = None,
              retries_left: bool | None = None, now: datetime | None = None
              ) -> list[ColumnElement[bool]]:
    """The conditions of a query for open external tasks (Camunda's GET external-task)."""
    where: list[ColumnElement[bool]] = [Task.state == "open"]
    if topics is not None:
        where.append(ExternalTask.topic.in_(topics))
    if case_id is not None:
        where.append(Task.case_id == case_id)
    if worker_id is not None:
        where.append(ExternalTask.worker_id == worker_id)
    if locked is not None and now is not None:
        held = ExternalTask.lock_expires_at > now
        where.append(held if locked else or_(ExternalTask.lock_expires_at.is_(None),
                                             ExternalTask.lock_expires_at <= now))
    if retries_left is not None:
        where.append(_RETRIES_LEFT if retries_left else ExternalTask.retries == 0)
    return where
