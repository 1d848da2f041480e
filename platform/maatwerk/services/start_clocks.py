"""The clocks of timer start events: set when a version is published, and taken by one
worker at a time when due (timers.fire_clock starts the case)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Delete, Update, delete, select, update

from ..engine import start_clock
from ..persistence.models import ProcessModel, StartClock
from ..persistence.uow import UnitOfWork


def clocks_of(model: ProcessModel) -> dict[str, dict[str, str]]:
    """The timer start events of the model's own process: {element id: {kind, value}}."""
    return {element_id: facts["start_clock"] for element_id, facts in model.elements.items()
            if facts.get("start_clock") and facts.get("process_id") == model.key}


def schedule(uow: UnitOfWork, model: ProcessModel, now: datetime) -> None:
    """The new version's clocks replace those of the process's older versions."""
    uow.session.execute(delete(StartClock).where(StartClock.process_key == model.key))
    for element_id, clock in clocks_of(model).items():
        due = start_clock.first(clock["kind"], clock["value"], now)
        if due is not None:
            uow.session.add(StartClock(
                process_key=model.key, process_model_id=model.id, element_id=element_id,
                kind=clock["kind"], value=clock["value"], due_at=due.at,
                remaining=due.remaining, started=0))


def stop(uow: UnitOfWork, key: str) -> None:
    """The process has no version in use: its clocks start nothing more."""
    uow.session.execute(delete(StartClock).where(StartClock.process_key == key))


def due(uow: UnitOfWork, now: datetime, limit: int = 100) -> list[int]:
    return list(uow.session.scalars(
        select(StartClock.id).where(StartClock.due_at <= now)
        .order_by(StartClock.due_at).limit(limit)))


def of_process(uow: UnitOfWork, key: str) -> list[StartClock]:
    """The process's clocks, the next start first."""
    return list(uow.session.scalars(select(StartClock).where(StartClock.process_key == key)
                                    .order_by(StartClock.due_at)))


def claim(uow: UnitOfWork, clock_id: int, now: datetime) -> StartClock | None:
    """Take a due clock for one start: moved on to its next moment (or removed when it is
    done) in the caller's transaction. None when it is not due, or another worker took it
    first: the update only counts when the moment is still the one read (on PostgreSQL
    the second worker waits for the first's row lock, then finds it moved)."""
    clock = uow.session.get(StartClock, clock_id)
    if clock is None or clock.due_at > now:
        return None
    current = start_clock.Due(clock.due_at, clock.remaining)
    following = start_clock.following(clock.kind, clock.value, current, now)
    taken = (StartClock.id == clock_id) & (StartClock.due_at == clock.due_at)
    statement: Delete | Update = delete(StartClock).where(taken) if following is None else \
        update(StartClock).where(taken).values(
            due_at=following.at, remaining=following.remaining, started=clock.started + 1)
    result = uow.session.execute(statement.execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return clock
