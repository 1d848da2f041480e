"""Where a model version's cases spend their time and where the rules pinch, per step: how
many times it was done, how many cases wait there now, the median and 90th percentile of
the time from a task's start to its completion, and the approved deviations by type (issue
16). Trial cases and added steps stay out. For one version or all versions of a process,
in a period (counted from the Monday of the week it starts in) or all of it.

Times and counts of done tasks come from the step times (`StepTime`, kept by a trigger on
the tasks table, migration 0030): per step, week of completion and duration bucket (the
minutes to two significant digits) their count and total minutes, so a year of a busy
process is a few thousand rows, not every task. A percentile is the mean of its bucket,
within 5% of the exact figure (exact when the bucket holds one duration). Cases waiting
now are counted from the open tasks, deviations from the deviations."""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..persistence.models import Case, Deviation, ProcessModel, StepTime, Task
from ..persistence.uow import UnitOfWork

MEASURES = ("waiting", "done", "median", "p90", "deviations")


@dataclass
class StepHeat:
    """The figures of one step of the version."""

    element_id: str
    done: int = 0
    waiting: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    deviations: dict[str, int] = field(default_factory=dict)  # DeviationType value -> count

    def value(self, measure: str) -> float:
        """The step's figure for a measure (0 when it has none)."""
        figures = {"waiting": self.waiting, "done": self.done,
                   "median": self.median_hours or 0.0, "p90": self.p90_hours or 0.0,
                   "deviations": sum(self.deviations.values())}
        return float(figures[measure])


def of(uow: UnitOfWork, models: list[ProcessModel], since: datetime | None = None
       ) -> dict[str, StepHeat]:
    """Per element id of these versions (one, or all of a process), its figures (only
    steps with any)."""
    ids = [m.id for m in models]
    heat: dict[str, StepHeat] = {}
    for element_id, buckets in _step_times(uow, ids, since).items():
        step = heat.setdefault(element_id, StepHeat(element_id))
        step.done = sum(count for count, _ in buckets)
        if step.done:
            step.median_hours = round(_median(buckets, step.done) / 60, 1)
            step.p90_hours = round(_nth(buckets, math.ceil(0.9 * step.done)) / 60, 1)
    real = Case.process_model_id.in_(ids) & Case.trial.is_(False)
    waiting = select(Task.element_id, func.count()).join(Case, Case.id == Task.case_id) \
        .where(real, Task.state == "open", Task.kind != "adhoc")
    deviations = select(Deviation.element_id, Deviation.type, func.count()) \
        .join(Case, Case.id == Deviation.case_id) \
        .where(real, Deviation.status == "approved", Deviation.element_id.is_not(None))
    if since is not None:
        waiting = waiting.where(Task.created_at >= since)
        deviations = deviations.where(Deviation.requested_at >= since)
    for element_id, count in uow.session.execute(waiting.group_by(Task.element_id)):
        heat.setdefault(element_id, StepHeat(element_id)).waiting = count
    for acted_on, kind, count in uow.session.execute(
            deviations.group_by(Deviation.element_id, Deviation.type)):
        if acted_on is not None:  # the query leaves out deviations of the whole case
            heat.setdefault(acted_on, StepHeat(acted_on)).deviations[kind] = count
    return heat


def _monday(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def _step_times(uow: UnitOfWork, ids: list[int], since: datetime | None
                ) -> dict[str, list[tuple[int, float]]]:
    """Per element, its duration buckets in order: (count, mean minutes)."""
    query = select(StepTime.element_id, StepTime.bucket, func.sum(StepTime.count),
                   func.sum(StepTime.minutes)).where(StepTime.process_model_id.in_(ids))
    if since is not None:
        query = query.where(StepTime.week >= _monday(since))
    found: defaultdict[str, list[tuple[int, int, float]]] = defaultdict(list)
    for element_id, bucket, count, minutes in uow.session.execute(
            query.group_by(StepTime.element_id, StepTime.bucket)):
        if count:
            found[element_id].append((bucket, int(count), float(minutes) / int(count)))
    return {element_id: [(count, mean) for _, count, mean in sorted(rows)]
            for element_id, rows in found.items()}


def _nth(buckets: list[tuple[int, float]], position: int) -> float:
    """The duration (minutes) of the task at this position (1: the quickest)."""
    seen = 0
    for count, mean in buckets:
        seen += count
        if seen >= position:
            return mean
    return buckets[-1][1]


def _median(buckets: list[tuple[int, float]], total: int) -> float:
    if total % 2:
        return _nth(buckets, total // 2 + 1)
    return (_nth(buckets, total // 2) + _nth(buckets, total // 2 + 1)) / 2


def levels(heat: dict[str, StepHeat], measure: str) -> dict[str, int]:
    """Per element, its colour level 1-5 for the measure (by share of the highest figure);
    steps at 0 get none."""
    top = max((step.value(measure) for step in heat.values()), default=0.0)
    if top <= 0:
        return {}
    return {element_id: max(1, math.ceil(5 * step.value(measure) / top))
            for element_id, step in heat.items() if step.value(measure) > 0}
