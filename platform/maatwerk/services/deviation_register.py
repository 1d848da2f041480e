"""Reading deviations back: a case's deviations, the approvals queue, what the resident
reads of them, and the register that feeds back to policy."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain.deviation import RESIDENT_TEXTS, DeviationStatus, DeviationType
from ..domain.principal import Principal
from ..persistence import deviation_queries
from ..persistence.deviation_queries import RegisterFilter
from ..persistence.models import Deviation
from ..persistence.uow import UnitOfWork
from .case_access import visible_filter
from .errors import Forbidden

__all__ = ["ApprovalFilter", "Register", "RegisterFilter", "for_case", "only", "pending_cases",
           "pending_for", "register", "resident_notes"]


def for_case(uow: UnitOfWork, case_id: int) -> list[Deviation]:
    return deviation_queries.of_case(uow.session, case_id)


def pending_for(uow: UnitOfWork, actor: Principal) -> list[Deviation]:
    """The approvals queue: open requests a team lead may decide (not their own)."""
    if not actor.has_role("teamlead"):
        return []
    return deviation_queries.waiting_for_others(uow.session, actor.username)


@dataclass(frozen=True)
class ApprovalFilter:
    """What the approvals queue shows: requests of one process, of one type, by one
    person, waiting at least so many days (None: any)."""

    process_key: str | None = None
    type: str | None = None
    requested_by: str | None = None
    waiting_days: int | None = None


def only(pending: list[Deviation], flt: ApprovalFilter, now: datetime) -> list[Deviation]:
    """The requests of the queue that the filter lets through (a queue is short: it is
    filtered as it is read)."""
    return [d for d in pending
            if flt.process_key in (None, d.case.process_model.key)
            and flt.type in (None, d.type) and flt.requested_by in (None, d.requested_by)
            and (flt.waiting_days is None
                 or (now - d.requested_at).total_seconds() >= flt.waiting_days * 86400)]


def pending_cases(uow: UnitOfWork, case_ids: set[int]) -> set[int]:
    """Which of these cases have a deviation request waiting for a decision."""
    if not case_ids:
        return set()
    return deviation_queries.cases_with_request(uow.session, case_ids)


def resident_notes(uow: UnitOfWork, case_id: int) -> list[tuple[datetime, str]]:
    """What the resident reads of approved deviations: plain words, no internal comments."""
    notes = []
    for deviation in for_case(uow, case_id):
        if deviation.status != DeviationStatus.APPROVED.value:
            continue
        text = deviation.resident_message or RESIDENT_TEXTS[DeviationType(deviation.type)]
        if text and deviation.decided_at:
            notes.append((deviation.decided_at, text))
    return notes


@dataclass
class Register:
    counts: dict[str, dict[str, int]]
    items: list[Deviation]
    # whether the reader may see what was decided for whom (the case, its values and the
    # reasons): people who work cases; a designer sees counts, steps and types
    personal: bool = True
    more: bool = False  # deviations follow after these


def register(uow: UnitOfWork, actor: Principal, flt: RegisterFilter, limit: int = 1000,
             offset: int = 0) -> Register:
    """The register for this person: its counts, and `limit` deviations from `offset`
    (newest first); `more` says whether more follow."""
    if not (actor.works_tasks or actor.has_role("designer")):
        raise Forbidden("You may not read the deviation register.")
    # a caseworker reads the deviations of the cases they may see, as on the cases' pages
    visible = visible_filter(uow, actor) if actor.works_tasks else None
    counts, items = deviation_queries.register(uow.session, flt, limit + 1, visible, offset)
    more = len(items) > limit
    items = items[:limit]
    return Register(counts, items, personal=actor.works_tasks or actor.has_role("admin"),
                    more=more)
