"""The deviations' queries: the legal bases to choose from, a case's deviations, the
approvals queue and the register with its counts."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, joinedload

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


DIMENSIONS = ("process", "element", "type", "legal_basis", "status")


def register(session: Session, flt: RegisterFilter, limit: int,
             visible_cases: ColumnElement[bool] | None = None, offset: int = 0,
             ) -> tuple[dict[str, dict[str, int]], list[Deviation]]:
    """The deviations that fit the filter, newest first, `limit` from `offset` (only of
    the cases that `visible_cases` lets through, when given), and how many there are per
    process, element, type, legal basis and status (of all cases: counts name no one). A
    trial case's deviations are no signal for policy: they are left out."""
    query = select(Deviation).join(ProcessModel, ProcessModel.id == Deviation.process_model_id) \
        .join(Case, Case.id == Deviation.case_id) \
        .where(*flt.conditions(), Case.trial.is_(False))
    counts = _counts(session, query.subquery())
    if visible_cases is not None:
        query = query.where(Deviation.case_id.in_(select(Case.id).where(visible_cases)))
    # the list needs the case's reference, names and dates, not its engine state
    items = list(session.scalars(query.options(joinedload(Deviation.case).defer(
        Case.engine_state)).order_by(Deviation.requested_at.desc(), Deviation.id.desc())
        .offset(offset).limit(limit)))
    return counts, items


def _counts(session: Session, filtered: Any) -> dict[str, dict[str, int]]:
    """Per dimension, value -> number ("": none), the most frequent first: one grouped
    query over all five, summed here (its rows are the few combinations that occur)."""
    totals: dict[str, Counter[str]] = {name: Counter() for name in DIMENSIONS}
    columns = (ProcessModel.key, filtered.c.element_id, filtered.c.type,
               filtered.c.legal_basis, filtered.c.status)
    for *keys, count in session.execute(
            select(*columns, func.count()).select_from(filtered)
            .join(ProcessModel, ProcessModel.id == filtered.c.process_model_id)
            .group_by(*columns)):
        for name, key in zip(DIMENSIONS, keys, strict=True):
            totals[name]["" if key is None else str(key)] += count
    return {name: dict(sorted(found.items(), key=lambda item: -item[1]))
            for name, found in totals.items()}
