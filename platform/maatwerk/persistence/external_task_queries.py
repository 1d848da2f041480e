"""External tasks as rows: which open ones a worker may take, their locks, and what a
worker is told of each (Camunda 7's fetchAndLock)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.orm import Session

from .models import Case, ExternalTask, ProcessModel, Task


@dataclass(frozen=True)
class Lock:
    """An external task's topic and lock, as a completion checks them."""

    task_id: str
    topic: str
    worker_id: str | None
    lock_expires_at: datetime | None


def add(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """New external tasks: {task_id, case_id, topic}, not locked."""
    if rows:
        conn.execute(insert(ExternalTask), rows)


def take(session: Session, topics: list[str], now: datetime, limit: int,
         postgresql: bool) -> list[tuple[str, str]]:
    """Open external tasks of these topics that nobody holds (or whose lock ran out),
    oldest first, locked for this transaction: (task id, topic). On PostgreSQL a task
    another worker is taking at this moment is passed over (SKIP LOCKED)."""
    query = (select(ExternalTask.task_id, ExternalTask.topic)
             .join(Task, Task.id == ExternalTask.task_id)
             .where(Task.state == "open", ExternalTask.topic.in_(topics),
                    or_(ExternalTask.lock_expires_at.is_(None),
                        ExternalTask.lock_expires_at <= now))
             .order_by(Task.created_at, Task.id).limit(limit))
    if postgresql:
        query = query.with_for_update(of=ExternalTask, skip_locked=True)
    return [(row.task_id, row.topic) for row in session.execute(query)]


def set_lock(session: Session, task_id: str, worker_id: str | None,
             until: datetime | None) -> None:
    session.execute(update(ExternalTask).where(ExternalTask.task_id == task_id)
                    .values(worker_id=worker_id, lock_expires_at=until))


def lock_of(session: Session, task_id: str) -> Lock | None:
    row = session.execute(select(ExternalTask).where(ExternalTask.task_id == task_id)
                          ).scalar_one_or_none()
    if row is None:
        return None
    return Lock(row.task_id, row.topic, row.worker_id, row.lock_expires_at)


def described(session: Session, task_ids: list[str]) -> list[dict[str, Any]]:
    """What a worker is told of each task: ids, topic, lock, the case and its model, and
    the case's data (its process variables)."""
    if not task_ids:
        return []
    query = (select(ExternalTask.task_id, ExternalTask.topic, ExternalTask.worker_id,
                    ExternalTask.lock_expires_at, Task.element_id, Task.engine_task_id,
                    Task.case_id, Case.reference, Case.data, ProcessModel.key,
                    ProcessModel.id.label("model_id"), ProcessModel.version)
             .join(Task, Task.id == ExternalTask.task_id)
             .join(Case, and_(Case.id == Task.case_id))
             .join(ProcessModel, ProcessModel.id == Case.process_model_id)
             .where(ExternalTask.task_id.in_(task_ids))
             .order_by(Task.created_at, Task.id))
    return [dict(row._mapping) for row in session.execute(query)]
