"""Deviations: request, four-eyes approval that executes in the same transaction, register."""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from ..domain.audit import AuditEntry
from ..domain.deviation import (
    MAX_EXTENSION_DAYS, NEEDS_TARGET, NEEDS_TASK, RESIDENT_TEXTS, DeviationStatus,
    DeviationType, allowed_by_element, reason_problem,
)
from ..domain.principal import Principal
from ..engine import deviations as engine_deviations
from ..engine import runtime
from ..persistence.models import (
    Case, Deviation, LegalBasisRow, ProcessModel, Task, TaskCandidate, User, utcnow,
)
from ..persistence.uow import UnitOfWork
from . import cases, deadlines, process_models
from .case_steps import apply_step, lock_case
from .errors import Conflict, Forbidden, InvalidInput, NotFound

DEVIATIONS_PROPERTY = "maatwerk:deviations"
DECISION_TYPES = {"businessRuleTask", "exclusiveGateway", "inclusiveGateway"}
TASK_TYPES = {"userTask", "manualTask", "task", "scriptTask", "businessRuleTask",
              "callActivity", "subProcess"}


@dataclass
class DeviationRequest:
    type: str
    reason: str
    legal_basis: str
    task_id: str | None = None
    target_element_id: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    citation: str | None = None
    resident_message: str | None = None


def legal_bases(uow: UnitOfWork) -> list[LegalBasisRow]:
    return list(uow.session.scalars(select(LegalBasisRow).where(LegalBasisRow.active)
                                    .order_by(LegalBasisRow.position, LegalBasisRow.id)))


def add_legal_basis(uow: UnitOfWork, text: str, requires_citation: bool, actor: str) -> None:
    if not text.strip() or len(text) > 200:
        raise InvalidInput("Invalid legal basis.", {"text": "Give 1 to 200 characters."})
    if uow.session.scalar(select(LegalBasisRow).where(LegalBasisRow.text == text)):
        raise InvalidInput("Invalid legal basis.", {"text": f"'{text}' is already listed."})
    position = (uow.session.scalar(select(func.max(LegalBasisRow.position))) or 0) + 1
    uow.session.add(LegalBasisRow(text=text.strip(), requires_citation=requires_citation,
                                  position=position))
    uow.record(AuditEntry(actor, "legal_basis_added", details={"text": text}))
    uow.commit()


# -- request -----------------------------------------------------------------------------

def request(uow: UnitOfWork, case_id: int, actor: Principal, req: DeviationRequest) -> Deviation:
    if not actor.works_tasks:
        raise Forbidden("Only caseworkers may request a deviation.")
    case = cases.get_case(uow, case_id, actor)
    kind, errors = _validate_request(uow, case, req)
    if errors:
        raise InvalidInput("The deviation request is not complete.", errors)
    assert kind is not None
    element_id = _acting_element(uow, case, kind, req)
    _check_allowed(case.process_model, element_id, kind)
    workflow = _workflow(uow, case)
    before = _before(uow, case, workflow, kind, req)
    deviation = Deviation(
        case_id=case.id, process_model_id=case.process_model_id, type=kind.value,
        status=DeviationStatus.REQUESTED.value, task_id=req.task_id, element_id=element_id,
        target_element_id=req.target_element_id, values=req.values, before=before, after={},
        reason=" ".join(req.reason.split()), legal_basis=req.legal_basis,
        citation=(req.citation or "").strip() or None,
        resident_message=(req.resident_message or "").strip() or None,
        requested_by=actor.username)
    uow.session.add(deviation)
    uow.session.flush()
    uow.record(AuditEntry(actor.username, "deviation_requested", case_id=case.id,
                          task_id=req.task_id, details=_record(deviation)))
    uow.commit()
    return deviation


def _validate_request(uow: UnitOfWork, case: Case, req: DeviationRequest
                      ) -> tuple[DeviationType | None, dict[str, str]]:
    errors: dict[str, str] = {}
    try:
        kind: DeviationType | None = DeviationType(req.type)
    except ValueError:
        kind = None
        errors["type"] = "Choose one of: " + ", ".join(t.value for t in DeviationType) + "."
    if case.status not in ("open", "error"):
        errors["case"] = "The case has ended; deviations apply to running cases."
    if problem := reason_problem(req.reason or ""):
        errors["reason"] = problem
    bases = {b.text: b for b in legal_bases(uow)}
    basis = bases.get(req.legal_basis or "")
    if basis is None:
        errors["legal_basis"] = "Choose a legal basis from the list: " + "; ".join(bases) + "."
    elif basis.requires_citation and len((req.citation or "").strip()) < 5:
        errors["citation"] = f"'{basis.text}' needs a citation: which article or rule applies."
    if not isinstance(req.values, dict):
        errors["values"] = "Expected an object."
        return kind, errors
    if kind in NEEDS_TASK:
        _validate_task(uow, case, req, errors)
    if kind in NEEDS_TARGET and not req.target_element_id:
        errors["target_element_id"] = "Name the element (step) this deviation goes to."
    if kind is not None and not errors:
        _validate_values(uow, case, kind, req, errors)
    return kind, errors


def _validate_task(uow: UnitOfWork, case: Case, req: DeviationRequest,
                   errors: dict[str, str]) -> None:
    open_tasks = cases.open_tasks(uow, case.id)
    if not req.task_id and len(open_tasks) == 1:
        req.task_id = open_tasks[0].id
    if req.task_id not in {t.id for t in open_tasks}:
        errors["task_id"] = "Name an open task of this case."


def _validate_values(uow: UnitOfWork, case: Case, kind: DeviationType, req: DeviationRequest,
                     errors: dict[str, str]) -> None:
    values = req.values
    model = case.process_model
    if kind in NEEDS_TARGET and req.target_element_id not in model.elements:
        errors["target_element_id"] = f"'{req.target_element_id}' is not an element of this model."
        return
    target_type = model.elements.get(req.target_element_id or "", {}).get("type")
    if kind is DeviationType.OVERRIDE_DECISION:
        if target_type not in DECISION_TYPES:
            errors["target_element_id"] = "Overrides apply to business rule tasks and gateways."
        elif not values:
            errors["values"] = "Give the new outcome, e.g. {\"uitkomst\": \"toekennen\"}."
    elif kind in (DeviationType.RETURN_TO, DeviationType.JUMP_TO) and \
            target_type not in TASK_TYPES:
        errors["target_element_id"] = "Choose a task (step) of the model."
    elif kind is DeviationType.ADD_TASK:
        title = values.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 200:
            errors["values.title"] = "Give the added step a title (at most 200 characters)."
        group = values.get("candidate_group")
        if group is not None and (not isinstance(group, str) or not group.strip()):
            errors["values.candidate_group"] = "Name the group that does the step."
        if not isinstance(values.get("instructions") or "", str):
            errors["values.instructions"] = "Write the instructions as text."
    elif kind is DeviationType.CORRECT_DATA:
        bad = [k for k in values if not str(k).isidentifier() or str(k).startswith("_")]
        if not values or bad:
            errors["values"] = "Give the fields to correct and their new values."
    elif kind is DeviationType.EXTEND_DEADLINE:
        if case.due_at is None:
            errors["type"] = "This case has no decision term to extend."
        if extension_days(values) is None:
            errors["values"] = (f"Give the extension as whole weeks or days, at most "
                                f"{MAX_EXTENSION_DAYS} days: {{\"weeks\": 4}}.")
        if len((req.resident_message or "").strip()) < 20:
            errors["resident_message"] = ("Write the notice to the resident: why more time is "
                                          "needed and what the new date is (art. 4:14 Awb).")
    elif kind is DeviationType.REASSIGN:
        assignee, group = values.get("assignee"), values.get("candidate_group")
        if not isinstance(assignee or "", str) or not isinstance(group or "", str):
            errors["values"] = "Give the assignee or the candidate group as text."
        elif bool(assignee) == bool(group):
            errors["values"] = "Give either an assignee or a candidate group."
        elif assignee and uow.session.scalar(select(User).where(
                User.username == assignee, User.active)) is None:
            errors["values.assignee"] = f"There is no active user '{assignee}'."


def extension_days(values: dict[str, Any]) -> int | None:
    days, weeks = values.get("days", 0), values.get("weeks", 0)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (days, weeks)):
        return None  # whole numbers only: not 2.5, "3" or true
    days += 7 * weeks
    if set(values) - {"days", "weeks"} or not 0 < days <= MAX_EXTENSION_DAYS:
        return None
    return days


def _acting_element(uow: UnitOfWork, case: Case, kind: DeviationType,
                    req: DeviationRequest) -> str | None:
    if kind in (DeviationType.RETURN_TO, DeviationType.OVERRIDE_DECISION):
        return req.target_element_id
    if req.task_id:
        task = uow.session.get(Task, req.task_id)
        return task.element_id if task is not None else None
    if kind is DeviationType.JUMP_TO:
        open_tasks = cases.open_tasks(uow, case.id)
        return open_tasks[0].element_id if len(open_tasks) == 1 else req.target_element_id
    return None


def _check_allowed(model: ProcessModel, element_id: str | None, kind: DeviationType) -> None:
    if element_id is None:
        return
    properties = model.elements.get(element_id, {}).get("properties", {})
    if not allowed_by_element(properties.get(DEVIATIONS_PROPERTY), kind):
        raise InvalidInput(
            f"The process designer does not allow '{kind.value}' on '{element_id}' "
            f"({DEVIATIONS_PROPERTY} = {properties.get(DEVIATIONS_PROPERTY)!r}).",
            {"target_element_id" if element_id else "task_id":
             f"'{kind.value}' is not allowed on this step."})


def _workflow(uow: UnitOfWork, case: Case) -> Any:
    return runtime.load(process_models.spec_bundle(uow, case.process_model), case.engine_state)


def _before(uow: UnitOfWork, case: Case, workflow: Any, kind: DeviationType,
            req: DeviationRequest) -> dict[str, Any]:
    try:
        if kind is DeviationType.OVERRIDE_DECISION:
            return engine_deviations.decision_values(workflow, req.target_element_id or "")
        if kind is DeviationType.CORRECT_DATA:
            return engine_deviations.data_values(workflow, list(req.values))
    except engine_deviations.DeviationNotApplicable as exc:
        raise InvalidInput(str(exc), {"target_element_id": str(exc)}) from None
    if kind is DeviationType.EXTEND_DEADLINE and case.due_at is not None:
        return {"due_at": case.due_at.isoformat()}
    if kind is DeviationType.REASSIGN and req.task_id:
        task = uow.session.get(Task, req.task_id)
        assert task is not None
        return {"assignee": task.assignee, "candidate_group": task.candidate_groups}
    return {}


# -- decide ------------------------------------------------------------------------------

def get(uow: UnitOfWork, deviation_id: int, actor: Principal) -> Deviation:
    deviation = uow.session.get(Deviation, deviation_id)
    if deviation is None or not actor.works_tasks:
        raise NotFound("There is no such deviation, or you may not see it.")
    return deviation


def approve(uow: UnitOfWork, deviation_id: int, actor: Principal, comment: str) -> Deviation:
    """The four-eyes decision; executes the deviation on the case as it is now, or nothing."""
    deviation = _decidable(uow, deviation_id, actor)
    case = lock_case(uow, deviation.case_id)
    assert case is not None
    uow.session.refresh(deviation)
    if deviation.status != DeviationStatus.REQUESTED:
        raise Conflict(f"This request was already {deviation.status}.")
    try:
        before, after = _execute(uow, case, deviation, actor)
    except engine_deviations.DeviationNotApplicable as exc:
        raise Conflict(f"The case has moved on since the request: {exc}. Nothing was changed; "
                       "ask for a new request if a deviation is still needed.") from None
    deviation.before = before or deviation.before
    deviation.after = after
    _decide(uow, deviation, actor, DeviationStatus.APPROVED, comment)
    uow.commit()
    return deviation


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
                          task_id=deviation.task_id, details=_record(deviation)))


def _execute(uow: UnitOfWork, case: Case, deviation: Deviation, actor: Principal
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    kind = DeviationType(deviation.type)
    model = case.process_model
    if kind is DeviationType.ADD_TASK:
        return {}, _add_task(uow, case, deviation)
    if kind is DeviationType.REASSIGN:
        return _reassign(uow, deviation)
    if kind is DeviationType.EXTEND_DEADLINE:
        days = extension_days(deviation.values)
        if case.due_at is None or days is None or case.status != "open":
            raise engine_deviations.DeviationNotApplicable("the case has no running term")
        return deadlines.extend(uow, case, days, actor.username,
                                deviation.resident_message or "")
    workflow = _workflow(uow, case)
    before: dict[str, Any] = {}
    if kind is DeviationType.SKIP_TASK:
        task = _ensure_task_open(uow, deviation)
        result = engine_deviations.skip_task(workflow, task.engine_task_id or "")
        task.state, task.completed_at, task.completed_by = "skipped", utcnow(), actor.username
    elif kind is DeviationType.RETURN_TO:
        result = engine_deviations.return_to(workflow, deviation.target_element_id or "")
    elif kind is DeviationType.JUMP_TO:
        start = _ensure_task_open(uow, deviation) if deviation.task_id else None
        result = engine_deviations.jump_to(workflow, deviation.target_element_id or "",
                                           start.engine_task_id if start else None)
    elif kind is DeviationType.OVERRIDE_DECISION:
        before = engine_deviations.decision_values(workflow, deviation.target_element_id or "")
        result = engine_deviations.override_decision(
            workflow, deviation.target_element_id or "", deviation.values)
    else:  # correct_data
        before = engine_deviations.data_values(workflow, list(deviation.values))
        result = engine_deviations.correct_data(workflow, deviation.values)
    apply_step(uow, case, model, result, actor.username)
    return before, dict(deviation.values) if kind in (
        DeviationType.OVERRIDE_DECISION, DeviationType.CORRECT_DATA) else {
        "open_tasks": [r.element_id for r in result.ready]}


def _ensure_task_open(uow: UnitOfWork, deviation: Deviation) -> Task:
    task = uow.session.get(Task, deviation.task_id) if deviation.task_id else None
    if task is None or task.state != "open":
        raise engine_deviations.DeviationNotApplicable(
            f"the task '{task.name if task else deviation.task_id}' is no longer open")
    return task


def _add_task(uow: UnitOfWork, case: Case, deviation: Deviation) -> dict[str, Any]:
    blocked = _ensure_task_open(uow, deviation)
    values = deviation.values
    group = str(values.get("candidate_group") or "").strip() or \
        (blocked.candidate_groups.split(",")[0] if blocked.candidate_groups else "")
    task = Task(id=str(uuid.uuid4()), case_id=case.id, element_id=f"adhoc:{deviation.id}",
                name=str(values["title"]).strip(), state="open", kind="adhoc",
                instructions=str(values.get("instructions") or "").strip() or None,
                blocks_task_id=blocked.id, candidate_groups=group, due_at=case.due_at)
    task.candidates = [TaskCandidate(principal=f"group:{group}" if group else
                                     "role:caseworker")]
    uow.session.add(task)
    uow.record(AuditEntry("systeem", "task_opened", case_id=case.id, task_id=task.id, details={
        "element_id": task.element_id, "name": task.name, "candidate_groups": group,
        "before_task": blocked.name}))
    return {"added_task_id": task.id, "title": task.name, "candidate_group": group,
            "before_task": blocked.element_id}


def _reassign(uow: UnitOfWork, deviation: Deviation) -> tuple[dict[str, Any], dict[str, Any]]:
    task = _ensure_task_open(uow, deviation)
    before = {"assignee": task.assignee, "candidate_group": task.candidate_groups}
    assignee = deviation.values.get("assignee")
    group = deviation.values.get("candidate_group")
    if assignee:
        task.assignee = str(assignee)
        task.candidates = [*task.candidates, TaskCandidate(principal=f"user:{assignee}")] \
            if f"user:{assignee}" not in {c.principal for c in task.candidates} \
            else task.candidates
    else:
        task.assignee = None
        task.candidate_groups = str(group)
        task.candidates = [TaskCandidate(principal=f"group:{group}")]
    uow.session.flush()
    return before, {"assignee": task.assignee, "candidate_group": task.candidate_groups}


# -- reading -----------------------------------------------------------------------------

def for_case(uow: UnitOfWork, case_id: int) -> list[Deviation]:
    return list(uow.session.scalars(select(Deviation).where(Deviation.case_id == case_id)
                                    .order_by(Deviation.id)))


def pending_for(uow: UnitOfWork, actor: Principal) -> list[Deviation]:
    """The approvals queue: open requests a team lead may decide (not their own)."""
    if not actor.has_role("teamlead"):
        return []
    return list(uow.session.scalars(select(Deviation).where(
        Deviation.status == DeviationStatus.REQUESTED.value,
        Deviation.requested_by != actor.username).order_by(Deviation.requested_at)))


def pending_cases(uow: UnitOfWork, case_ids: set[int]) -> set[int]:
    """Which of these cases have a deviation request waiting for a decision."""
    if not case_ids:
        return set()
    return set(uow.session.scalars(select(Deviation.case_id).where(
        Deviation.case_id.in_(case_ids), Deviation.status == DeviationStatus.REQUESTED.value)))


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
class RegisterFilter:
    process_key: str | None = None
    element_id: str | None = None
    type: str | None = None
    legal_basis: str | None = None
    status: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None


@dataclass
class Register:
    counts: dict[str, dict[str, int]]
    items: list[Deviation]


def register(uow: UnitOfWork, actor: Principal, flt: RegisterFilter, limit: int = 1000
             ) -> Register:
    if not (actor.works_tasks or actor.has_role("designer")):
        raise Forbidden("You may not read the deviation register.")
    query = select(Deviation).join(ProcessModel, ProcessModel.id == Deviation.process_model_id)
    if flt.process_key:
        query = query.where(ProcessModel.key == flt.process_key)
    if flt.element_id:
        query = query.where(Deviation.element_id == flt.element_id)
    if flt.type:
        query = query.where(Deviation.type == flt.type)
    if flt.legal_basis:
        query = query.where(Deviation.legal_basis == flt.legal_basis)
    if flt.status:
        query = query.where(Deviation.status == flt.status)
    if flt.date_from:
        query = query.where(Deviation.requested_at >= flt.date_from)
    if flt.date_to:
        query = query.where(Deviation.requested_at < flt.date_to)
    filtered = query.subquery()
    counts = {
        "process": _count(uow, filtered, ProcessModel.key, join_model=True),
        "element": _count(uow, filtered, filtered.c.element_id),
        "type": _count(uow, filtered, filtered.c.type),
        "legal_basis": _count(uow, filtered, filtered.c.legal_basis),
        "status": _count(uow, filtered, filtered.c.status),
    }
    items = list(uow.session.scalars(query.order_by(Deviation.requested_at.desc()).limit(limit)))
    return Register(counts, items)


def _count(uow: UnitOfWork, filtered: Any, column: Any, join_model: bool = False
           ) -> dict[str, int]:
    query = select(column, func.count()).select_from(filtered)
    if join_model:
        query = query.join(ProcessModel, ProcessModel.id == filtered.c.process_model_id)
    rows = uow.session.execute(query.group_by(column).order_by(func.count().desc()))
    return {str(key): count for key, count in rows}


def _record(deviation: Deviation) -> dict[str, Any]:
    return to_dict(deviation)


def to_dict(deviation: Deviation) -> dict[str, Any]:
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
        "requested_at": deviation.requested_at.isoformat() if deviation.requested_at else None,
        "decided_by": deviation.decided_by,
        "decided_at": deviation.decided_at.isoformat() if deviation.decided_at else None,
        "decision_comment": deviation.decision_comment,
    }
