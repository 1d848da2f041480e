"""The deviations' queries: the legal bases to choose from, a case's deviations, the
approvals queue and the register with its counts."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ..domain.deviation import DeviationStatus
from .models import Case, Deviation, LegalBasisRow, ProcessModel, User

REQUESTED = DeviationStatus.REQUESTED.value


def legal_bases(session: Session) -> list[LegalBasisRow]:
    return list(session.scalars(select(LegalBasisRow).where(LegalBasisRow.active)
                                .order_by(LegalBasisRow.position, LegalBasisRow.id)))


def legal_basis_listed(session: Session, text: str) -> bool:
    return session.scalar(select(LegalBasisRow.id).where(LegalBasisRow.text == text)) is not None


def next_legal_basis_position(session: Session) -> int:
    return (session.scalar(select(func.max(LegalBasisRow.position))) or 0) + 1


def active_user_exists(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username, User.active)) \
        is not None


def of_case(session: Session, case_id: int) -> list[Deviation]:
    return list(session.scalars(select(Deviation).where(Deviation.case_id == case_id)
                                .order_by(Deviation.id)))


def pending_of_case(session: Session, case_id: int) -> list[Deviation]:
    """A case's requests that await a decision, oldest first."""
    return list(session.scalars(select(Deviation).where(
        Deviation.case_id == case_id, Deviation.status == REQUESTED).order_by(Deviation.id)))


def waiting_for_others(session: Session, username: str) -> list[Deviation]:
    """Open requests that someone other than this person asked for, oldest first."""
    return list(session.scalars(select(Deviation).where(
        Deviation.status == REQUESTED, Deviation.requested_by != username)
        .order_by(Deviation.requested_at)))


def cases_with_request(session: Session, case_ids: set[int]) -> set[int]:
    return set(session.scalars(select(Deviation.case_id).where(
        Deviation.case_id.in_(case_ids), Deviation.status == REQUESTED)))


@dataclass
class RegisterFilter:
    process_key: str | None = None
    element_id: str | None = None
    type: str | None = None
    legal_basis: str | None = None
    status: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [column == value for column, value in (
            (ProcessModel.key, self.process_key), (Deviation.element_id, self.element_id),
            (Deviation.type, self.type), (Deviation.legal_basis, self.legal_basis),
            (Deviation.status, self.status)) if value]
        if self.date_from:
            found.append(Deviation.requested_at >= self.date_from)
        if self.date_to:
            found.append(Deviation.requested_at < self.date_to)
        return found


def register(session: Session, flt: RegisterFilter, limit: int,
             visible_cases: ColumnElement[bool] | None = None,
             ) -> tuple[dict[str, dict[str, int]], list[Deviation]]:
    """The deviations that fit the filter, newest first (only of the cases that
    `visible_cases` lets through, when given), and how many there are per process,
    element, type, legal basis and status (of all cases: counts name no one). A trial
    case's deviations are no signal for policy: they are left out."""
    query = select(Deviation).join(ProcessModel, ProcessModel.id == Deviation.process_model_id) \
        .join(Case, Case.id == Deviation.case_id) \
        .where(*flt.conditions(), Case.trial.is_(False))
    filtered = query.subquery()
    counts = {
        "process": _count(session, filtered, ProcessModel.key, join_model=True),
        "element": _count(session, filtered, filtered.c.element_id),
        "type": _count(session, filtered, filtered.c.type),
        "legal_basis": _count(session, filtered, filtered.c.legal_basis),
        "status": _count(session, filtered, filtered.c.status),
    }
    if visible_cases is not None:
        query = query.where(Deviation.case_id.in_(select(Case.id).where(visible_cases)))
    items = list(session.scalars(query.order_by(Deviation.requested_at.desc()).limit(limit)))
    return counts, items


def _count(session: Session, filtered: Any, column: Any, join_model: bool = False
           ) -> dict[str, int]:
    query: Select[Any] = select(column, func.count()).select_from(filtered)
    if join_model:
        query = query.join(ProcessModel, ProcessModel.id == filtered.c.process_model_id)
    rows = session.execute(query.group_by(column).order_by(func.count().desc()))
    return {"" if key is None else str(key): count for key, count in rows}  # "": none
