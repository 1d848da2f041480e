"""What a worker (or an administrator) does to an external task besides completing it:
report a failure, set the retries again, extend or give up its lock, and look tasks up
(Camunda 7's external-task calls of the same names).

A failure with retries left makes the task wait `retryTimeout` before a worker may fetch
it again; with no retries left it is an *incident*: no worker gets it until someone sets
its retries again. None of this changes the case's engine state, so it is no step; each
change is on the case's record, in the same transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..domain.principal import Principal
from ..persistence import external_task_queries as queries
from ..persistence.models import utcnow
from ..persistence.uow import UnitOfWork
from .errors import Forbidden, InvalidInput, NotFound
from .external_tasks import (
    LONGEST_LOCK,
    NO_EXTERNAL_TASK,
    ExternalTaskView,
    audit_entry,
    check_holder,
    may_work_on,
    view_of,
)

MAX_RETRIES = 1000


@dataclass(frozen=True)
class Incident:
    """An external task of a case that failed with no retries left: no worker gets it
    until someone tries again."""

    task_id: str
    element_id: str
    name: str
    topic: str
    error_message: str | None


def incidents_of(uow: UnitOfWork, case_id: int) -> list[Incident]:
    """The case's incidents, oldest first (shown to the people who work on the case)."""
    rows = queries.described(uow.session, queries.open_ones(case_id=case_id,
                                                            retries_left=False))
    return [Incident(row["task_id"], row["element_id"], row["name"], row["topic"],
                     row["error_message"]) for row in rows]


def retry_incidents(uow: UnitOfWork, case_id: int, actor: Principal) -> int:
    """A caseworker or team lead lets the workers try the case's incidents once more (the
    cause, say a system that was down, is gone); how many."""
    if not actor.has_role("caseworker", "teamlead"):
        raise Forbidden("Only caseworkers and team leads may retry a case.")
    rows = queries.described(uow.session, queries.open_ones(case_id=case_id,
                                                            retries_left=False))
    for row in rows:
        queries.change(uow.session, row["task_id"], retries=1, lock_expires_at=None)
        uow.record(audit_entry(actor, "external_task_retries_set", row, {
            "retries": 1, "incident_resolved": True}))
    if rows:
        uow.commit()
    return len(rows)


def _open_task(uow: UnitOfWork, actor: Principal, task_id: str) -> dict[str, Any]:
    """The open external task, held against other changes until commit, if the actor may
    work on its topic."""
    lock = queries.lock_of(uow.session, task_id, for_update=uow.is_postgresql)
    rows = queries.described(uow.session, queries.with_ids([task_id])) if lock else []
    if not rows or rows[0]["state"] != "open":
        raise NotFound(NO_EXTERNAL_TASK)
    may_work_on(actor, [rows[0]["topic"]])
    return rows[0]


def failure(uow: UnitOfWork, worker: Principal, task_id: str, worker_id: str,
            message: str, details: str | None, retries: int, retry_timeout: timedelta) -> None:
    """The worker that holds the task could not do it: try again after retry_timeout, or,
    with no retries left, an incident."""
    if not 0 <= retries <= MAX_RETRIES:
        raise InvalidInput(f"'retries' must be 0 to {MAX_RETRIES}.", {"retries": "Out of range."})
    if not timedelta(0) <= retry_timeout <= LONGEST_LOCK:
        raise InvalidInput("'retryTimeout' must be 0 to 7 days.", {"retryTimeout": "Out of range."})
    row = _open_task(uow, worker, task_id)
    check_holder(task_id, row["worker_id"], worker_id, "be failed")
    queries.change(uow.session, task_id, retries=retries, error_message=message[:1000],
                   error_details=details, lock_expires_at=utcnow() + retry_timeout)
    uow.record(audit_entry(worker, "external_task_incident" if retries == 0 else
                      "external_task_failed", row, {
                          "worker_id": worker_id, "error_message": message[:1000],
                          "retries": retries}))
    uow.commit()


def set_retries(uow: UnitOfWork, actor: Principal, task_id: str, retries: int) -> None:
    """Set the retries (an administrator or a worker of the topic); more than 0 ends an
    incident, and workers may fetch the task again."""
    if not 0 <= retries <= MAX_RETRIES:
        raise InvalidInput(f"'retries' must be 0 to {MAX_RETRIES}.", {"retries": "Out of range."})
    row = _open_task(uow, actor, task_id)
    queries.change(uow.session, task_id, retries=retries)
    uow.record(audit_entry(actor, "external_task_retries_set", row, {
        "retries": retries, "incident_resolved": row["retries"] == 0 and retries > 0}))
    uow.commit()


def extend_lock(uow: UnitOfWork, worker: Principal, task_id: str, worker_id: str,
                new_duration: timedelta) -> None:
    """The worker that holds the lock keeps it new_duration from now."""
    if not timedelta(0) < new_duration <= LONGEST_LOCK:
        raise InvalidInput("'newDuration' must be more than 0 and at most 7 days.",
                           {"newDuration": "Out of range."})
    row = _open_task(uow, worker, task_id)
    now = utcnow()
    check_holder(task_id, row["worker_id"], worker_id, "be extended")
    if row["lock_expires_at"] is None or row["lock_expires_at"] <= now:
        raise InvalidInput(f"The lock of external task {task_id} has expired; fetch it again.",
                           {"workerId": "The lock expired."})
    until = now + new_duration
    queries.change(uow.session, task_id, lock_expires_at=until)
    uow.record(audit_entry(worker, "external_task_lock_extended", row, {
        "worker_id": worker_id, "lock_expires_at": until.isoformat()}))
    uow.commit()


def unlock(uow: UnitOfWork, actor: Principal, task_id: str) -> None:
    """Let go of the task's lock: any worker of the topic may fetch it at once."""
    row = _open_task(uow, actor, task_id)
    queries.change(uow.session, task_id, worker_id=None, lock_expires_at=None)
    uow.record(audit_entry(actor, "external_task_unlocked", row, {"worker_id": row["worker_id"]}))
    uow.commit()


def get(uow: UnitOfWork, actor: Principal, task_id: str) -> tuple[ExternalTaskView, str | None]:
    """One open external task, and the error details of its last failure."""
    rows = queries.described(uow.session, queries.with_ids([task_id]))
    if not rows or rows[0]["state"] != "open":
        raise NotFound(NO_EXTERNAL_TASK)
    may_work_on(actor, [rows[0]["topic"]])
    return view_of(rows[0], with_variables=False), rows[0]["error_details"]


def find(uow: UnitOfWork, actor: Principal, *, topic: str | None = None,
         case_id: int | None = None, worker_id: str | None = None,
         locked: bool | None = None, retries_left: bool | None = None
         ) -> list[ExternalTaskView]:
    """Open external tasks of the topics the actor works on, filtered."""
    may_work_on(actor, [topic] if topic is not None else [])
    topics = [topic] if topic is not None else \
        None if "admin" in actor.roles else sorted(actor.groups)
    rows = queries.described(uow.session, queries.open_ones(
        topics, case_id, worker_id, locked, retries_left, utcnow()))
    return [view_of(row, with_variables=False) for row in rows]
