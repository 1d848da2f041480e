"""Deviations: a caseworker's request, and the four-eyes decision that executes it in the
same step (services/steps.py). Checks: deviation_checks.py; effects: deviation_effects.py;
the register: deviation_register.py."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.deviation import RESIDENT_TEXTS, DeviationStatus, DeviationType
from ..domain.principal import Principal
from ..engine import StepResult
from ..engine import deviations as engine_deviations
from ..engine.runtime import StepRefused
from ..persistence import deviation_queries, task_rows
from ..persistence.models import Case, Deviation, LegalBasisRow, Task, utcnow
from ..persistence.uow import UnitOfWork
from . import deviation_effects, resident_notices
from .case_access import get_case, may_see_case
from .deviation_checks import (
    DECISION_TYPES,
    TASK_TYPES,
    DeviationRequest,
    check_allowed,
    check_the_way,
    extension_days,
    validate_request,
)
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .steps import Step, StepOutcome, case_by_id, run_step

__all__ = ["DECISION_TYPES", "TASK_TYPES", "DeviationRequest", "extension_days"]


def legal_bases(uow: UnitOfWork) -> list[LegalBasisRow]:
    return deviation_queries.legal_bases(uow.session)


def add_legal_basis(uow: UnitOfWork, text: str, requires_citation: bool, actor: str) -> None:
    if not text.strip() or len(text) > 200:
        raise InvalidInput("Invalid legal basis.", {"text": "Give 1 to 200 characters."})
    if deviation_queries.legal_basis_listed(uow.session, text):
        raise InvalidInput("Invalid legal basis.", {"text": f"'{text}' is already listed."})
    uow.session.add(LegalBasisRow(text=text.strip(), requires_citation=requires_citation,
                                  position=deviation_queries.next_legal_basis_position(
                                      uow.session)))
    uow.record(AuditEntry(actor, "legal_basis_added", details={"text": text}))
    uow.commit()


# -- request -----------------------------------------------------------------------------

def request(uow: UnitOfWork, case_id: int, actor: Principal, req: DeviationRequest) -> Deviation:
    """Ask a deviation: checked, tried on a copy of the case, and stored for a team lead."""
    deviation = _prepared(uow, case_id, actor, req)
    uow.session.add(deviation)
    uow.session.flush()
    uow.record(AuditEntry(actor.username, "deviation_requested", case_id=deviation.case_id,
                          task_id=req.task_id, details=audit_record(deviation)))
    uow.commit()
    return deviation


@dataclass(frozen=True)
class Expected:
    """What approval of a request would do, as tried when it was asked: the steps open
    afterwards (None: the case stays where it is), the new decision date of an extension,
    what the resident reads ("" for nothing), and whether the case changed since (approval
    then tries it again on the case as it is)."""

    open_after: list[str] | None
    due_at: datetime | None
    resident_text: str
    case_changed: bool = False


def preview(uow: UnitOfWork, case_id: int, actor: Principal, req: DeviationRequest
            ) -> Expected:
    """The same checks and trial as a request, and nothing saved."""
    deviation = _prepared(uow, case_id, actor, req)
    shown = _read(deviation, deviation.expected or {})
    uow.rollback()  # the trial's copy and the request: nothing is kept
    return shown


def expected(deviation: Deviation) -> Expected | None:
    """What approval of the request was expected to do when it was asked (None for a
    request asked before that was kept)."""
    return None if deviation.expected is None else _read(deviation, deviation.expected)


def _read(deviation: Deviation, kept: dict[str, Any]) -> Expected:
    kind = DeviationType(deviation.type)
    due = kept.get("due_at")
    return Expected(kept.get("open_after"), datetime.fromisoformat(due) if due else None,
                    deviation.resident_message or RESIDENT_TEXTS[kind],
                    case_changed=kept.get("case_version") != deviation.case.row_version)


def _expectation(deviation: Deviation, version: int, open_after: list[str] | None
                 ) -> dict[str, Any]:
    """What is kept as `Deviation.expected`: the trial's open steps, an extension's new
    decision date, and the case's version they were tried on."""
    kind = DeviationType(deviation.type)
    days = extension_days(deviation.values) if kind is DeviationType.EXTEND_DEADLINE else None
    due = deviation.case.due_at
    return {"open_after": open_after, "case_version": version,
            "due_at": (due + timedelta(days=days)).isoformat() if due and days else None}


def _prepared(uow: UnitOfWork, case_id: int, actor: Principal, req: DeviationRequest
              ) -> Deviation:
    """The request as a deviation, checked and tried on a copy of the case (not stored),
    with what the trial expects approval to do (see deviation_effects.try_on_copy)."""
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers may request a deviation.")
    case = get_case(uow, case_id, actor)
    kind, errors = validate_request(uow, case, req)
    if errors:
        raise InvalidInput("The deviation request is not complete.", errors)
    if kind is None:  # validate_request names the kind or reports an error
        raise InvalidInput("The deviation request is not complete.", {"type": "Choose a type."})
    element_id = _acting_element(uow, case, kind, req)
    check_allowed(case.process_model, element_id, kind)
    _check_pending(uow, case, kind, element_id, req)
    version = case.row_version
    trial = Step(uow, case, [])  # the case's workflow, loaded once: read, then tried on
    if kind in (DeviationType.JUMP_TO, DeviationType.RETURN_TO):
        start = uow.session.get(Task, req.task_id) if req.task_id else None
        check_the_way(trial.workflow(), case.process_model, kind,
                      req.target_element_id or "", start.engine_task_id if start else None)
    before = _before(trial, kind, req)
    deviation = Deviation(
        case_id=case.id, process_model_id=case.process_model_id, type=kind.value,
        status=DeviationStatus.REQUESTED.value, task_id=req.task_id, element_id=element_id,
        target_element_id=req.target_element_id, values=req.values, before=before, after={},
        reason=" ".join(req.reason.split()), legal_basis=req.legal_basis,
        citation=(req.citation or "").strip() or None,
        resident_message=(req.resident_message or "").strip() or None,
        requested_by=actor.username)
    deviation.case = case
    deviation.expected = _expectation(deviation, version, _try_on_copy(trial, deviation))
    return deviation


def _check_pending(uow: UnitOfWork, case: Case, kind: DeviationType, element_id: str | None,
                   req: DeviationRequest) -> None:
    """Refuse a request that repeats one awaiting a decision, or that acts on a step that
    another request awaiting a decision acts on: approving both would have the second
    undo or contradict the first (a skip and a reassignment of one task, two corrections of
    one field, two extensions)."""
    for other in deviation_queries.pending_of_case(uow.session, case.id):
        same_step = element_id is not None and other.element_id == element_id
        same_place = same_step or (element_id is None and other.element_id is None)
        if other.type == kind.value and same_place and other.values == req.values and \
                (other.target_element_id or None) == (req.target_element_id or None):
            raise InvalidInput(f"The same deviation was already asked for by "
                               f"{other.requested_by} and awaits a decision (request "
                               f"{other.id}). Nothing was saved.")
        same_data = other.type == kind.value == DeviationType.CORRECT_DATA.value and \
            bool(set(other.values) & set(req.values))  # a correction of the same field
        if same_step or same_data or \
                other.type == kind.value == DeviationType.EXTEND_DEADLINE.value:
            raise InvalidInput(f"Another deviation of this step awaits a decision (request "
                               f"{other.id}, asked by {other.requested_by}); let it be decided "
                               "or withdrawn first. Nothing was saved.")


def _try_on_copy(trial: Step, deviation: Deviation) -> list[str] | None:
    """Refuse, when it is asked, a deviation that can't work on the case as it is now: it is
    run on a copy of the case's workflow (what approval runs), and nothing is written.
    Approval runs it again on the case as it is then (it may have moved on)."""
    try:
        return deviation_effects.try_on_copy(trial, deviation)
    except (engine_deviations.DeviationNotApplicable, StepRefused) as exc:
        reason = exc.message if isinstance(exc, StepRefused) else str(exc)
        raise InvalidInput(f"This deviation can't work on the case as it is now: "
                           f"{reason.rstrip('.')}. Nothing was saved.") from None


def _acting_element(uow: UnitOfWork, case: Case, kind: DeviationType,
                    req: DeviationRequest) -> str | None:
    if kind in (DeviationType.RETURN_TO, DeviationType.OVERRIDE_DECISION):
        return req.target_element_id
    if req.task_id:
        task = uow.session.get(Task, req.task_id)
        return task.element_id if task is not None else None
    if kind is DeviationType.JUMP_TO:
        open_tasks = task_rows.open_rows(uow.session, case.id)
        return open_tasks[0].element_id if len(open_tasks) == 1 else req.target_element_id
    return None


def _before(trial: Step, kind: DeviationType, req: DeviationRequest) -> dict[str, Any]:
    """What the deviation would change, as it is now (shown to the team lead who decides)."""
    uow, case = trial.uow, trial.case
    try:
        if kind is DeviationType.OVERRIDE_DECISION:
            return engine_deviations.decision_values(trial.workflow(),
                                                     req.target_element_id or "")
        if kind is DeviationType.CORRECT_DATA:
            return engine_deviations.data_values(trial.workflow(), list(req.values))
    except engine_deviations.DeviationNotApplicable as exc:
        raise InvalidInput(str(exc), {"target_element_id": str(exc)}) from None
    if kind is DeviationType.EXTEND_DEADLINE and case.due_at is not None:
        return {"due_at": case.due_at.isoformat()}
    if kind is DeviationType.REASSIGN and req.task_id:
        task = uow.session.get(Task, req.task_id)
        if task is None:
            raise NotFound("There is no such task.")
        return {"assignee": task.assignee, "candidate_group": task.candidate_groups}
    return {}


# -- decide ------------------------------------------------------------------------------

def get(uow: UnitOfWork, deviation_id: int, actor: Principal) -> Deviation:
    deviation = uow.session.get(Deviation, deviation_id)
    if deviation is None or not actor.works_tasks or \
            not may_see_case(uow, deviation.case, actor):
        raise NotFound("There is no such deviation, or you may not see it.")
    return deviation


@dataclass(frozen=True)
class Approval:
    deviation: Deviation
    outcome: StepOutcome  # the case as the executed deviation left it


def approve(uow: UnitOfWork, deviation_id: int, actor: Principal, comment: str) -> Approval:
    """The four-eyes decision; executes the deviation on the case as it is now, or nothing."""
    deviation = _decidable(uow, deviation_id, actor)

    def act(step: Step) -> StepResult | None:
        step.actor = actor.username
        uow.session.refresh(deviation)  # as it is now that its case is locked
        if deviation.status != DeviationStatus.REQUESTED:
            raise Conflict(f"This request was already {deviation.status}.")
        due_before = step.case.due_at
        try:
            before, after, result = deviation_effects.execute(step, deviation)
        except engine_deviations.DeviationNotApplicable as exc:
            raise Conflict(f"The case has moved on since the request: {exc}. Nothing was "
                           "changed; ask for a new request if a deviation is still needed."
                           ) from None
        deviation.before = before or deviation.before
        deviation.after = after
        _decide(uow, deviation, actor, DeviationStatus.APPROVED, comment)
        resident_notices.deviation_approved(step, deviation, due_before, utcnow())
        return result
    return Approval(deviation, run_step(uow, case_by_id(deviation.case_id), act))


def reject(uow: UnitOfWork, deviation_id: int, actor: Principal, comment: str) -> Deviation:
    deviation = _decidable(uow, deviation_id, actor)
    if len(comment.strip()) < 5:
        raise InvalidInput("Say why the request is rejected.", {"comment": "Give a reason."})
    _decide(uow, deviation, actor, DeviationStatus.REJECTED, comment)
    uow.commit()
    return deviation


def withdraw(uow: UnitOfWork, deviation_id: int, actor: Principal) -> Deviation:
    deviation = get(uow, deviation_id, actor)
    if deviation.requested_by != actor.username:
        raise Forbidden("Only the person who asked can withdraw a request.")
    if deviation.status != DeviationStatus.REQUESTED:
        raise Conflict(f"This request was already {deviation.status}.")
    _decide(uow, deviation, actor, DeviationStatus.WITHDRAWN, "")
    uow.commit()
    return deviation


def _decidable(uow: UnitOfWork, deviation_id: int, actor: Principal) -> Deviation:
    deviation = get(uow, deviation_id, actor)
    if not actor.has_role("teamlead"):
        raise Forbidden("Only a team lead (with mandate) may decide on a deviation.")
    if deviation.requested_by == actor.username:
        raise Forbidden("You asked for this deviation yourself; another team lead must decide "
                        "(four-eyes principle).")
    if deviation.status != DeviationStatus.REQUESTED:
        raise Conflict(f"This request was already {deviation.status}.")
    return deviation


def _decide(uow: UnitOfWork, deviation: Deviation, actor: Principal, status: DeviationStatus,
            comment: str) -> None:
    deviation.status = status.value
    deviation.decided_by = actor.username
    deviation.decided_at = utcnow()
    deviation.decision_comment = comment.strip() or None
    action = {DeviationStatus.APPROVED: "deviation_approved",
              DeviationStatus.REJECTED: "deviation_rejected",
              DeviationStatus.WITHDRAWN: "deviation_withdrawn"}[status]
    uow.record(AuditEntry(actor.username, action, case_id=deviation.case_id,
                          task_id=deviation.task_id, details=audit_record(deviation)))


def audit_record(deviation: Deviation) -> dict[str, Any]:
    """What the audit log keeps of a deviation at each of its events."""
    return {
        "id": deviation.id, "case_id": deviation.case_id,
        "case_reference": deviation.case.reference if deviation.case is not None else None,
        "process_key": deviation.case.process_model.key if deviation.case is not None else None,
        "type": deviation.type, "status": deviation.status, "task_id": deviation.task_id,
        "element_id": deviation.element_id, "target_element_id": deviation.target_element_id,
        "values": deviation.values, "before": deviation.before, "after": deviation.after,
        "reason": deviation.reason, "legal_basis": deviation.legal_basis,
        "citation": deviation.citation, "resident_message": deviation.resident_message,
        "requested_by": deviation.requested_by,
        "requested_at": _iso(deviation.requested_at), "decided_by": deviation.decided_by,
        "decided_at": _iso(deviation.decided_at),
        "decision_comment": deviation.decision_comment,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
