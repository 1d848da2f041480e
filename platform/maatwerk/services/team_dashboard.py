"""A team lead's dashboard (issue 16): for one team (a staff group), its open work per
person, the cases that pass their decision date within two weeks of working days and
those already past it, the cases started and decided per week,
how long work waits per step, and the deviation requests waiting for a decision.

A team's tasks are those its group is a candidate for (the inbox's candidate rows, one
index range); a team's cases are those of the process versions whose tasks name the group
(or whose `maatwerk:caseGroups` does). Trial cases stay out. Every figure is an
aggregate query over indexed columns, except the waiting times per step, which read the
team's open tasks (the open work, not the history)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import InstrumentedAttribute

from ..domain.principal import RESIDENT_GROUP, Principal
from ..domain.workdays import (
    AMSTERDAM,
    add_working_days,
    amsterdam_date,
    amsterdam_today,
    working_days_between,
)
from ..persistence.models import (
    Case,
    Deviation,
    ProcessModel,
    TaskCandidate,
    User,
    UserGroup,
)
from ..persistence.uow import UnitOfWork
from .case_access import models_of_group
from .errors import Forbidden

WEEKS = 8
SOON = 10  # working days: two weeks
LISTED = 50  # cases listed per table (the count says how many there are)
# how long a deviation request waits: at least so many days, less than so many (None: no end)
AGES = ((0, 1, "minder dan een dag"), (1, 3, "1 tot 3 dagen"), (3, 7, "3 tot 7 dagen"),
        (7, None, "een week of langer"))


@dataclass(frozen=True)
class TeamLoad:
    """Open work of one of the lead's teams."""

    group: str
    open: int
    unassigned: int
    overdue: int


@dataclass(frozen=True)
class PersonLoad:
    """Open team tasks held by one person (None: nobody has picked them up)."""

    username: str | None
    open: int
    overdue: int


@dataclass(frozen=True)
class CaseDue:
    case_id: int
    reference: str
    process: str
    due_at: datetime
    working_days: int  # left until the decision date; negative: past it


@dataclass(frozen=True)
class Week:
    starts: date  # a Monday
    started: int
    decided: int


@dataclass(frozen=True)
class StepWait:
    process: str
    element_id: str
    step: str
    waiting: int
    median_days: float
    longest_days: float


@dataclass(frozen=True)
class Approval:
    deviation_id: int
    case_id: int
    reference: str
    type: str
    requested_by: str
    days: float


@dataclass
class Dashboard:
    group: str
    teams: list[TeamLoad]
    people: list[PersonLoad]
    due_soon: list[CaseDue]
    due_soon_count: int
    overdue: list[CaseDue]
    overdue_count: int
    weeks: list[Week]
    steps: list[StepWait]
    approvals: list[Approval]
    approval_ages: list[tuple[str, int]]


def teams_of(uow: UnitOfWork, actor: Principal) -> list[str]:
    """The teams a lead chooses from: their own groups, or every staff group when they
    have none (an administrator)."""
    own = actor.groups - {RESIDENT_GROUP}
    if own:
        return sorted(own)
    return sorted(set(uow.session.scalars(select(UserGroup.group_name).distinct()))
                  - {RESIDENT_GROUP})


def for_lead(uow: UnitOfWork, actor: Principal, group: str | None
             ) -> tuple[Dashboard | None, list[str]]:
    """The dashboard of the team asked for (the lead's first team when it is not one of
    theirs, None when they have none), and the lead's teams."""
    if not actor.has_role("teamlead"):
        raise Forbidden("Only a team lead sees the team dashboard.")
    teams = teams_of(uow, actor)
    chosen = group if group in teams else (teams[0] if teams else None)
    return (of(uow, chosen, teams) if chosen is not None else None), teams


def of(uow: UnitOfWork, group: str, teams: list[str], now: datetime | None = None
       ) -> Dashboard:
    """The dashboard of one team; `teams` are the lead's teams, for the overview."""
    now = now or datetime.now(UTC)
    models = models_of_group(uow, group)
    due_soon, soon_count = _due(uow, models, now, soon=True)
    overdue, over_count = _due(uow, models, now, soon=False)
    approvals = _approvals(uow, models, now)
    return Dashboard(
        group=group, teams=_teams(uow, teams, now), people=_people(uow, group, now),
        due_soon=due_soon, due_soon_count=soon_count, overdue=overdue,
        overdue_count=over_count, weeks=_weeks(uow, models, now),
        steps=_steps(uow, group, now), approvals=approvals,
        approval_ages=[(label, sum(1 for a in approvals if a.days >= low
                                   and (high is None or a.days < high)))
                       for low, high, label in AGES])


def _open(group: str) -> ColumnElement[bool]:
    return and_(TaskCandidate.principal == f"group:{group}", TaskCandidate.state == "open")


def _not_trial() -> ColumnElement[bool]:
    """For a query over candidate rows joined to their case: no trial case's task."""
    return Case.trial.is_(False)


def _overdue(now: datetime) -> ColumnElement[int]:
    return func.sum(case((TaskCandidate.due_at < now, 1), else_=0))


def _teams(uow: UnitOfWork, teams: list[str], now: datetime) -> list[TeamLoad]:
    rows = {principal: (count, unassigned, overdue) for principal, count, unassigned, overdue
            in uow.session.execute(
                select(TaskCandidate.principal, func.count(),
                       func.sum(case((TaskCandidate.assignee.is_(None), 1), else_=0)),
                       _overdue(now))
                .join(Case, Case.id == TaskCandidate.case_id)
                .where(TaskCandidate.principal.in_([f"group:{t}" for t in teams]),
                       TaskCandidate.state == "open", _not_trial())
                .group_by(TaskCandidate.principal))}
    return [TeamLoad(team, *(int(v or 0) for v in rows.get(f"group:{team}", (0, 0, 0))))
            for team in teams]


def _people(uow: UnitOfWork, group: str, now: datetime) -> list[PersonLoad]:
    """Per person their open team tasks; members without any are listed with none (who
    has room for more), those not picked up last."""
    held = {assignee: (int(count), int(overdue or 0)) for assignee, count, overdue
            in uow.session.execute(
                select(TaskCandidate.assignee, func.count(), _overdue(now))
                .join(Case, Case.id == TaskCandidate.case_id)
                .where(_open(group), _not_trial()).group_by(TaskCandidate.assignee))}
    members = uow.session.scalars(select(UserGroup.user_id).where(
        UserGroup.group_name == group))
    names = set(uow.session.scalars(select(User.username).where(
        User.id.in_(members.all()), User.active.is_(True))))
    people = [PersonLoad(name, *held.get(name, (0, 0)))
              for name in sorted(names | {n for n in held if n is not None})]
    people.sort(key=lambda p: -p.open)
    if None in held:
        people.append(PersonLoad(None, *held[None]))
    return people


def _real(models: list[int]) -> ColumnElement[bool]:
    return and_(Case.process_model_id.in_(models), Case.trial.is_(False))


def _due(uow: UnitOfWork, models: list[int], now: datetime, soon: bool
         ) -> tuple[list[CaseDue], int]:
    """Open cases whose clock runs, due within SOON working days (soon) or past due."""
    today = amsterdam_today()
    limit = datetime.combine(add_working_days(today, SOON) + timedelta(days=1), time(),
                             AMSTERDAM)
    window = and_(Case.due_at >= now, Case.due_at < limit) if soon else Case.due_at < now
    where = and_(_real(models), Case.status.in_(("open", "error")),
                 Case.suspended_since.is_(None), window)
    count = uow.session.scalar(select(func.count()).select_from(Case).where(where)) or 0
    rows = uow.session.execute(
        select(Case.id, Case.reference, ProcessModel.name, Case.due_at)
        .join(ProcessModel, ProcessModel.id == Case.process_model_id)
        .where(where).order_by(Case.due_at).limit(LISTED))
    return [CaseDue(case_id, reference, name, due_at,
                    working_days_between(today, amsterdam_date(due_at)))
            for case_id, reference, name, due_at in rows if due_at is not None], count


def _week_starts(now: datetime) -> list[date]:
    today = amsterdam_date(now)
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]


def _buckets(column: InstrumentedAttribute[Any], starts: list[datetime]
             ) -> list[ColumnElement[int]]:
    ends = [*starts[1:], None]
    return [func.sum(case((and_(column >= start, column < end) if end is not None
                           else column >= start, 1), else_=0))
            for start, end in zip(starts, ends, strict=True)]


def _weeks(uow: UnitOfWork, models: list[int], now: datetime) -> list[Week]:
    """Per week (Monday to Sunday, Dutch time) of the last WEEKS: the team's cases started
    and decided."""
    mondays = _week_starts(now)
    starts = [datetime.combine(monday, time(), AMSTERDAM) for monday in mondays]
    started = uow.session.execute(select(*_buckets(Case.created_at, starts)).where(
        _real(models), Case.created_at >= starts[0])).one()
    decided = uow.session.execute(select(*_buckets(Case.completed_at, starts)).where(
        _real(models), Case.completed_at >= starts[0])).one()
    return [Week(monday, int(started[i] or 0), int(decided[i] or 0))
            for i, monday in enumerate(mondays)]


def _steps(uow: UnitOfWork, group: str, now: datetime) -> list[StepWait]:
    """Per step of the team's open tasks: how many wait, the median and longest wait."""
    waits: defaultdict[tuple[int, str], list[float]] = defaultdict(list)
    for model_id, element_id, created in uow.session.execute(
            select(TaskCandidate.process_model_id, TaskCandidate.element_id,
                   TaskCandidate.created_at)
            .join(Case, Case.id == TaskCandidate.case_id).where(_open(group), _not_trial())):
        waits[(model_id, element_id)].append((now - created).total_seconds() / 86400)
    models = {m.id: m for m in uow.session.scalars(select(ProcessModel).where(
        ProcessModel.id.in_({model_id for model_id, _ in waits})))}
    steps = [StepWait(models[model_id].name, element_id,
                      str(models[model_id].elements.get(element_id, {}).get("name")
                          or element_id),
                      len(days), round(median(days), 1), round(max(days), 1))
             for (model_id, element_id), days in waits.items()]
    return sorted(steps, key=lambda s: -s.median_days)


def _approvals(uow: UnitOfWork, models: list[int], now: datetime) -> list[Approval]:
    rows = uow.session.execute(
        select(Deviation.id, Case.id, Case.reference, Deviation.type, Deviation.requested_by,
               Deviation.requested_at)
        .join(Case, Case.id == Deviation.case_id)
        .where(_real(models), Deviation.status == "requested")
        .order_by(Deviation.requested_at))
    return [Approval(deviation_id, case_id, reference, kind, by,
                     round((now - asked).total_seconds() / 86400, 1))
            for deviation_id, case_id, reference, kind, by, asked in rows]
