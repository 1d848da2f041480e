"""Where a model version's cases spend their time and where the rules pinch, per step: how
many times it was done, how many cases wait there now, the median and 90th percentile of
the time from a task's start to its completion, and the approved deviations by type (issue
16). Trial cases and added steps stay out. Read from the task rows and deviations of the
cases of one version or of all versions of a process, in a period (tasks created and
deviations asked since a moment) or all of them.

The times are computed here from the completed tasks' two timestamps; at the scale of
hundreds of thousands of tasks per version a maintained summary per step and day would
replace this query (the next slice of issue 16, measured with `make bench`)."""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from sqlalchemy import func, select

from ..persistence.models import Case, Deviation, ProcessModel, Task
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
    real = Case.process_model_id.in_([m.id for m in models]) & Case.trial.is_(False)
    tasks = select(Task.element_id, Task.state, Task.created_at, Task.completed_at) \
        .join(Case, Case.id == Task.case_id).where(real, Task.kind != "adhoc")
    deviations = select(Deviation.element_id, Deviation.type, func.count()) \
        .join(Case, Case.id == Deviation.case_id) \
        .where(real, Deviation.status == "approved", Deviation.element_id.is_not(None))
    if since is not None:
        tasks = tasks.where(Task.created_at >= since)
        deviations = deviations.where(Deviation.requested_at >= since)
    heat: dict[str, StepHeat] = {}
    hours: defaultdict[str, list[float]] = defaultdict(list)
    counts: Counter[tuple[str, str]] = Counter()
    for element_id, state, created, completed in uow.session.execute(tasks):
        counts[(element_id, state)] += 1
        if state == "completed" and completed is not None:
            hours[element_id].append((completed - created).total_seconds() / 3600)
    for (element_id, state), count in counts.items():
        step = heat.setdefault(element_id, StepHeat(element_id))
        if state == "open":
            step.waiting = count
        elif state == "completed":
            step.done = count
    for element_id, spent in hours.items():
        spent.sort()
        heat[element_id].median_hours = round(median(spent), 1)
        heat[element_id].p90_hours = round(spent[math.ceil(0.9 * len(spent)) - 1], 1)
    for acted_on, kind, count in uow.session.execute(
            deviations.group_by(Deviation.element_id, Deviation.type)):
        if acted_on is not None:  # the query leaves out deviations of the whole case
            heat.setdefault(acted_on, StepHeat(acted_on)).deviations[kind] = count
    return heat


def levels(heat: dict[str, StepHeat], measure: str) -> dict[str, int]:
    """Per element, its colour level 1-5 for the measure (by share of the highest figure);
    steps at 0 get none."""
    top = max((step.value(measure) for step in heat.values()), default=0.0)
    if top <= 0:
        return {}
    return {element_id: max(1, math.ceil(5 * step.value(measure) / top))
            for element_id, step in heat.items() if step.value(measure) > 0}
