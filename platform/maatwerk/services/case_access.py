"""Who may see a case: the one rule for its page, its documents and the API.

Team leads, administrators and clerks see every case; a caseworker sees the cases of the
processes their groups work on (domain/case_access.py), and any case they have or had a
task in, or started themselves. What a case holds is for the people who work cases, not
for the counter (`sees_contents`)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Exists, or_, select

from ..domain.case_access import working_groups
from ..domain.principal import Principal
from ..persistence.models import Case, ProcessModel, Task, TaskCandidate
from ..persistence.uow import UnitOfWork
from .errors import Forbidden, NotFound


def get_case(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    case = uow.session.get(Case, case_id)
    if case is None or not may_see_case(uow, case, actor):
        raise NotFound("There is no such case, or you may not see it.")
    return case


def sees_contents(actor: Principal) -> bool:
    """Whether this person reads what a case holds: its data, documents, messages,
    deviations and history. The people who work cases do. A counter clerk finds any case
    and sees how it stands (status, steps, dates), and can give the resident a new link,
    but not the resident's income, documents or letters."""
    return actor.works_tasks


def get_case_contents(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    """The case, for reading what it holds (see `sees_contents`)."""
    case = get_case(uow, case_id, actor)
    if not sees_contents(actor):
        raise Forbidden("A counter clerk sees how a case stands, not its data, documents, "
                        "messages or history.")
    return case


def sees_everything(actor: Principal) -> bool:
    return actor.has_role("teamlead", "clerk")  # admin included


def may_see_case(uow: UnitOfWork, case: Case, actor: Principal) -> bool:
    if sees_everything(actor) or actor.username == case.started_by:
        return True
    if not actor.works_tasks:
        return False
    groups = working_groups(case.process_model.elements, case.process_model.properties)
    if groups is None or groups & actor.groups:
        return True
    return bool(uow.session.scalar(select(_worked_on(actor, case.id))))


def _worked_on(actor: Principal, case_id: Any) -> Exists:
    """The case has (or had) a task this person held, did or could pick up."""
    mine = select(Task.id).where(Task.case_id == case_id, or_(
        Task.assignee == actor.username, Task.completed_by == actor.username,
        Task.id.in_(select(TaskCandidate.task_id).where(
            TaskCandidate.principal.in_(actor.task_principals())))))
    return mine.exists()


def visible_filter(uow: UnitOfWork, actor: Principal) -> ColumnElement[bool] | None:
    """A WHERE clause on cases for a list (None: no limit for this person)."""
    if sees_everything(actor):
        return None
    models = [model_id for model_id, groups in _groups_of_models(uow)
              if groups is None or groups & actor.groups]
    return or_(Case.process_model_id.in_(models), Case.started_by == actor.username,
               _worked_on(actor, Case.id))


def models_of_group(uow: UnitOfWork, group: str) -> list[int]:
    """The process versions whose cases are this group's work: those that name it (not
    those that name no staff group, which are nobody's in particular)."""
    return [model_id for model_id, groups in _groups_of_models(uow)
            if groups is not None and group in groups]


# the staff groups of a model version, by its content hash: a version's files decide them
# and never change, so each is worked out once per process, not on every case list
_GROUPS: dict[str, frozenset[str] | None] = {}
_KEEP = 10_000


def _groups_of_models(uow: UnitOfWork) -> list[tuple[int, frozenset[str] | None]]:
    versions = uow.session.execute(select(ProcessModel.id, ProcessModel.content_hash)).all()
    known = {content: _GROUPS[content] for _, content in versions if content in _GROUPS}
    unknown = [model_id for model_id, content in versions if content not in known]
    if unknown:
        for content, elements, properties in uow.session.execute(
                select(ProcessModel.content_hash, ProcessModel.elements,
                       ProcessModel.properties).where(ProcessModel.id.in_(unknown))):
            known[content] = working_groups(elements, properties)
        if len(_GROUPS) + len(unknown) > _KEEP:
            _GROUPS.clear()
        _GROUPS.update(known)
    return [(model_id, known[content]) for model_id, content in versions]
