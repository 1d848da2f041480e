"""Who may see a case: the one rule for its page, its documents and the API."""
from __future__ import annotations

from ..domain.principal import Principal
from ..persistence.models import Case
from ..persistence.uow import UnitOfWork
from .errors import NotFound


def get_case(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    case = uow.session.get(Case, case_id)
    if case is None or not may_see_case(case, actor):
        raise NotFound("There is no such case, or you may not see it.")
    return case


def may_see_case(case: Case, actor: Principal) -> bool:
    """Staff who work cases see all cases (a municipality's team works the whole queue)."""
    return actor.works_tasks or actor.has_role("clerk") or actor.username == case.started_by
