"""External tasks: service tasks (camunda:type="external") that a worker does.

A worker fetches and locks open tasks of the topics it may work on (its account's groups),
then completes each with variables; completing is a step like any other (steps.py). A
lock runs out after the duration the worker asked for, and another worker can then take
the task. This is what Camunda 7's external-task REST API offers (web/engine_rest.py), so
the workers that municipalities already run work here unchanged."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..engine import StepResult, runtime, service_calls
from ..engine.runtime import ErrorNotCaught, TaskNotOpen
from ..persistence import external_task_queries as queries
from ..persistence.models import utcnow
from ..persistence.uow import UnitOfWork
from . import worker_access
from .errors import Conflict, InvalidInput, NotFound
from .step import Step, StepOutcome
from .steps import case_of_task, run_step

NO_EXTERNAL_TASK = "There is no such external task, or you may not see it."
LONGEST_LOCK = timedelta(days=7)
LONGEST_POLL = 60.0  # seconds a fetch may wait for work (asyncResponseTimeout)
POLL_PAUSE = 0.2  # seconds between two looks while a fetch waits


@dataclass(frozen=True)
class TopicRequest:
    """One topic of a fetch: its name, how long its tasks stay locked, and which case
    variables the worker wants (None: all)."""

    name: str
    lock_duration: timedelta
    variables: list[str] | None = None
    local_only: bool = False  # only the task's own variables (the call's arguments)
    business_key: str | None = None  # only tasks of the case with this reference
    process_keys: list[str] | None = None  # only tasks of cases of these processes
    process_variables: dict[str, Any] = field(default_factory=dict)  # cases with these values

    def filter(self) -> queries.TopicFilter:
        return queries.TopicFilter(
            self.name, self.business_key,
            tuple(self.process_keys) if self.process_keys is not None else None,
            tuple(self.process_variables.items()))


@dataclass(frozen=True)
class ExternalTaskView:
    """An external task as a worker sees it (with the case's variables when fetched)."""

    id: str
    topic: str
    worker_id: str | None
    lock_expires_at: datetime | None
    element_id: str
    case_id: int
    reference: str
    process_key: str
    process_model_id: int
    version: int
    retries: int | None = None
    error_message: str | None = None
    variables: dict[str, Any] | None = None


def may_work_on(worker: Principal, topics: list[str]) -> None:
    """A worker account works on the topics named by its groups; an admin on any."""
    worker_access.require(worker, topics, "work on the topic(s)")


def fetch_and_lock(uow: UnitOfWork, worker: Principal, worker_id: str,
                   topics: list[TopicRequest], max_tasks: int,
                   wait_seconds: float = 0.0) -> list[ExternalTaskView]:
    """Lock up to max_tasks open tasks of these topics for this worker, waiting up to
    wait_seconds for one to come (long polling); every lock is on record."""
    _check_fetch(worker, worker_id, topics, max_tasks)
    deadline = time.monotonic() + min(max(wait_seconds, 0.0), LONGEST_POLL)
    while True:
        locked = _lock_some(uow, worker, worker_id, topics, max_tasks)
        if locked or time.monotonic() >= deadline:
            return locked
        time.sleep(POLL_PAUSE)


def _check_fetch(worker: Principal, worker_id: str, topics: list[TopicRequest],
                 max_tasks: int) -> None:
    if not worker_id.strip() or len(worker_id) > 255:
        raise InvalidInput("Give a workerId of 1 to 255 characters.", {"workerId": "Required."})
    if not topics or not 1 <= max_tasks <= 100:
        raise InvalidInput("Ask for at least one topic and 1 to 100 tasks.",
                           {"topics": "At least one.", "maxTasks": "1 to 100."})
    for topic in topics:
        if not timedelta(0) < topic.lock_duration <= LONGEST_LOCK:
            raise InvalidInput(f"The lockDuration of topic '{topic.name}' must be more than 0 "
                               "and at most 7 days.", {"lockDuration": "Out of range."})
    may_work_on(worker, [t.name for t in topics])


def _lock_some(uow: UnitOfWork, worker: Principal, worker_id: str,
               topics: list[TopicRequest], max_tasks: int) -> list[ExternalTaskView]:
    now = utcnow()
    by_name = {t.name: t for t in topics}
    taken = queries.take(uow.session, [t.filter() for t in topics], now, max_tasks,
                         uow.is_postgresql)
    if not taken:
        uow.rollback()  # let go of the database (SQLite's writer lock) while waiting
        return []
    for task_id, topic in taken:
        queries.change(uow.session, task_id, worker_id=worker_id,
                       lock_expires_at=now + by_name[topic].lock_duration)
    rows = _with_arguments(uow, worker, queries.described(
        uow.session, queries.with_ids([task_id for task_id, _ in taken])))
    for row in rows:
        uow.record(audit_entry(worker, "external_task_locked", row, {
            "worker_id": worker_id, "lock_expires_at": row["lock_expires_at"].isoformat()}))
    uow.commit()
    views = []
    for row in rows:
        asked = by_name[row["topic"]]
        views.append(view_of(row, asked.variables, local_only=asked.local_only))
    return views


def _with_arguments(uow: UnitOfWork, worker: Principal, rows: list[dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """The rows with the evaluated arguments of their expression call (`local`), as Camunda
    evaluates them when the task runs. A task whose arguments can't be evaluated against
    its case's data is not handed out: it becomes an incident, which says why."""
    elements = queries.elements_of(uow.session, {row["model_id"] for row in rows})
    ready = []
    for row in rows:
        facts = elements.get(row["model_id"], {}).get(row["element_id"], {})
        try:
            row["local"] = service_calls.arguments_for(
                facts.get("arguments") or [], {**(row["data"] or {}), **(row["own"] or {})},
                row["case_id"], row["reference"])
        except service_calls.ArgumentProblem as exc:
            message = f"{row['topic']}: {exc}"[:1000]
            queries.change(uow.session, row["task_id"], worker_id=None, lock_expires_at=None,
                           retries=0, error_message=message)
            uow.record(audit_entry(worker, "external_task_incident", row, {
                "retries": 0, "error_message": message}))
            continue
        ready.append(row)
    return ready


def audit_entry(worker: Principal, action: str, row: dict[str, Any],
                details: dict[str, Any]) -> AuditEntry:
    """An audit event about an external task of a case, by a worker or a person."""
    return AuditEntry(worker.username, action, case_id=row["case_id"], task_id=row["task_id"],
                      details={"element_id": row["element_id"], "topic": row["topic"],
                               **details})


def view_of(row: dict[str, Any], wanted: list[str] | None = None,
            with_variables: bool = True, local_only: bool = False) -> ExternalTaskView:
    """A row of external_task_queries.described as a worker sees it; `wanted` names the
    variables to include (None: all): the case's, and the task's own (`own`: where they
    differ from the case's, such as a repeating task's item; `local`: the arguments of an
    expression call)."""
    data = {**({} if local_only else row["data"] or {}), **(row.get("own") or {}),
            **row.get("local", {})}
    variables = data if wanted is None else {k: data[k] for k in wanted if k in data}
    return ExternalTaskView(
        id=row["task_id"], topic=row["topic"], worker_id=row["worker_id"],
        lock_expires_at=row["lock_expires_at"], element_id=row["element_id"],
        case_id=row["case_id"], reference=row["reference"], process_key=row["key"],
        process_model_id=row["model_id"], version=row["version"], retries=row["retries"],
        error_message=row["error_message"], variables=variables if with_variables else None)


def complete(uow: UnitOfWork, worker: Principal, task_id: str, worker_id: str,
             variables: dict[str, Any],
             along: Callable[[Step], None] | None = None) -> StepOutcome:
    """The worker that holds the task's lock completes it; the case runs on. `along`: what
    the platform's own worker did for the task, written in the same step (a message)."""
    may_work_on(worker, [])  # a worker account (or an admin) at all

    def act(step: Step) -> StepResult:
        task, lock = _held_by(step, worker, task_id, worker_id)
        result_variable = step.model.elements.get(task.element_id, {}).get("result_variable")
        data = dict(variables)
        if result_variable and result_variable not in data:
            data[result_variable] = None  # a bean that returned nothing, as in Camunda
        try:
            result = runtime.complete(step.workflow(), task.engine_task_id or "", data)
        except TaskNotOpen:
            raise Conflict("This external task is no longer open in the case.") from None
        step.close(task.id, "completed", worker.username)
        step.record(worker.username, "external_task_completed", task_id=task.id, details={
            "element_id": task.element_id, "topic": lock.topic, "worker_id": worker_id,
            "data": variables})
        if along is not None:
            along(step)
        return result
    return run_step(uow, case_of_task(task_id, missing=NO_EXTERNAL_TASK), act)


def bpmn_error(uow: UnitOfWork, worker: Principal, task_id: str, worker_id: str,
               code: str, message: str, variables: dict[str, Any]) -> StepOutcome:
    """The worker that holds the task reports a business error: the boundary error event
    of the model that catches the code takes the case on. Refused, with nothing changed,
    when the model has none."""
    may_work_on(worker, [])  # a worker account (or an admin) at all
    if not code.strip() or len(code) > 255:
        raise InvalidInput("Give an errorCode of 1 to 255 characters.", {"errorCode": "Required."})

    def act(step: Step) -> StepResult:
        task, lock = _held_by(step, worker, task_id, worker_id)
        try:
            result = runtime.throw_error(step.workflow(), task.engine_task_id or "", code,
                                         variables, message[:1000] or None)
        except TaskNotOpen:
            raise Conflict("This external task is no longer open in the case.") from None
        except ErrorNotCaught:
            raise InvalidInput(
                f"No boundary error event catches error code '{code}' at {task.element_id}; "
                "nothing was changed. Report a failure instead, or add the error event to "
                "the model.", {"errorCode": "Not caught by the model."}) from None
        step.close(task.id, "cancelled", worker.username)  # the error event ended it
        step.record(worker.username, "external_task_bpmn_error", task_id=task.id, details={
            "element_id": task.element_id, "topic": lock.topic, "worker_id": worker_id,
            "error_code": code, "error_message": message[:1000], "data": variables})
        return result
    return run_step(uow, case_of_task(task_id, missing=NO_EXTERNAL_TASK), act)


def _held_by(step: Step, worker: Principal, task_id: str, worker_id: str
             ) -> tuple[Any, queries.Lock]:
    task = step.task
    lock = queries.lock_of(step.uow.session, task_id)
    if task is None or task.kind != "external" or lock is None:
        raise NotFound(NO_EXTERNAL_TASK)
    may_work_on(worker, [lock.topic])
    if task.state != "open":
        raise NotFound(NO_EXTERNAL_TASK)
    check_holder(task_id, lock.worker_id, worker_id, "be completed")
    return task, lock


def check_holder(task_id: str, holder_id: str | None, worker_id: str, doing: str) -> None:
    """Only the worker that holds a task's lock completes it, fails it or extends it."""
    if holder_id != worker_id:
        holder = f"locked by worker '{holder_id}'" if holder_id else "not locked"
        raise InvalidInput(f"External task {task_id} cannot {doing} by worker "
                           f"'{worker_id}'. It is {holder}.", {"workerId": holder})
