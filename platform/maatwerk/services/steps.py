"""The one path of every step on a case: lock it, read it, run one engine action, write
what the engine did, record it and commit; a lost race becomes one Conflict.

Every kind of step (starting a case, completing a task, firing its timers, retrying a
failed automatic step, executing an approved deviation) is a *locator* that finds and
locks the case, and an *action* that runs one engine call and returns its StepResult.
:func:`run_step` does the rest, so a new kind of step only writes its action::

    def fire(step: Step) -> StepResult:
        return runtime.fire_timers(step.workflow())

    outcome = run_step(uow, case_by_id(case_id), fire)

An action returns None when it changed the case without the engine (an added step done,
a task reassigned); its row changes are then read back for the outcome.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from ..engine import StepResult
from ..engine.runtime import StepRefused
from ..persistence import step_reads, step_writes, task_rows
from ..persistence.models import Case
from ..persistence.uow import UnitOfWork
from .case_steps import apply_step
from .errors import Conflict, InvalidInput, NotFound
from .step import SYSTEM_ACTOR, Step, StepOutcome

__all__ = ["SYSTEM_ACTOR", "Step", "StepOutcome", "case_by_id", "case_of_task",
           "case_with_due_timer", "lock_case", "new_case", "run_step"]

CONFLICT = "The case was changed by someone else at the same moment; reload and try again."
NO_CASE = "There is no such case, or you may not see it."
NO_TASK = "There is no such task, or you may not see it."


Locator = Callable[[UnitOfWork], Step]
Action = Callable[[Step], StepResult | None]


def run_step(uow: UnitOfWork, locate: Locator, action: Action) -> StepOutcome:
    """Run one step on one case and commit it, or change nothing."""
    try:
        step = locate(uow)
        result = action(step)
        if result is None:
            step_writes.close_tasks(task_rows.begin_step(uow.session), step.closing)
            open_tasks = task_rows.open_rows(uow.session, step.case.id)
        else:
            open_tasks = apply_step(step, result)
        uow.commit()
    except StaleDataError:
        uow.rollback()
        raise Conflict(CONFLICT) from None
    except StepRefused as exc:
        uow.rollback()
        raise InvalidInput(f"The step can't be taken at {exc.element_id}: "
                           f"{exc.message.rstrip('.')}. Nothing was changed.") from None
    return StepOutcome(step.case, open_tasks)


# -- locators -----------------------------------------------------------------------------

def lock_case(uow: UnitOfWork, case_id: int) -> Case | None:
    """Take the case for one step: a row lock on PostgreSQL (SQLite's write transaction
    already excludes other writers); the row version column is the safety net."""
    return step_reads.lock_case(uow.session, step_reads.BY_ID, {"case_id": case_id},
                                postgresql=uow.is_postgresql)[0]


def case_by_id(case_id: int, channel: str | None = None, missing: str = NO_CASE) -> Locator:
    """The case with this id, locked, with its open task rows."""
    def locate(uow: UnitOfWork) -> Step:
        case, rows, _ = step_reads.lock_case(uow.session, step_reads.BY_ID,
                                             {"case_id": case_id}, postgresql=uow.is_postgresql)
        if case is None:
            raise NotFound(missing)
        return Step(uow, case, rows, channel=channel)
    return locate


def case_of_task(task_id: str, channel: str | None = None, missing: str = NO_CASE) -> Locator:
    """The case a task belongs to, locked; the task's row (with its principals) and the
    case's other open rows."""
    def locate(uow: UnitOfWork) -> Step:
        case, rows, task = step_reads.lock_case(uow.session, step_reads.OF_TASK,
                                                {"task_id": task_id},
                                                postgresql=uow.is_postgresql)
        if case is None or task is None:
            raise NotFound(missing)
        return Step(uow, case, rows, task=task, channel=channel)
    return locate


class NothingDue(Exception):
    """The case has no timer due (any more), or another worker has it now."""


def case_with_due_timer(case_id: int, now: datetime) -> Locator:
    """An open case whose timer is due; another worker's case is passed over (PostgreSQL:
    SKIP LOCKED), not waited for."""
    def locate(uow: UnitOfWork) -> Step:
        case, rows, _ = step_reads.lock_case(
            uow.session, step_reads.TIMER_DUE, {"case_id": case_id, "now": now},
            postgresql=uow.is_postgresql, skip_locked=True)
        if case is None:
            raise NothingDue(case_id)
        return Step(uow, case, rows)
    return locate


def new_case(case: Case, channel: str | None) -> Locator:
    """A case being started: inserted now, with no task rows yet."""
    def locate(uow: UnitOfWork) -> Step:
        uow.session.add(case)
        uow.session.flush()
        return Step(uow, case, [], channel=channel)
    return locate
