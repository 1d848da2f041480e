"""Checking a deviation request before it is stored: the reason, the legal basis, the task
or element it acts on, and the values each type of deviation needs."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..domain.deviation import (
    MAX_EXTENSION_DAYS,
    NEEDS_TARGET,
    NEEDS_TASK,
    DeviationType,
    allowed_by_element,
    reason_problem,
)
from ..engine import deviations as engine_deviations
from ..persistence import deviation_queries, task_rows
from ..persistence.models import Case, ProcessModel, Task
from ..persistence.uow import UnitOfWork
from . import four_eyes
from .errors import InvalidInput

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


@dataclass(frozen=True)
class Checked:
    """What a check needs besides the request: the case and its model."""

    uow: UnitOfWork
    case: Case
    req: DeviationRequest

    @property
    def model(self) -> ProcessModel:
        return self.case.process_model

    @property
    def target_type(self) -> str | None:
        found: str | None = self.model.elements.get(self.req.target_element_id or "", {}) \
            .get("type")
        return found


def validate_request(uow: UnitOfWork, case: Case, req: DeviationRequest
                     ) -> tuple[DeviationType | None, dict[str, str]]:
    """The request's type and, per field, what is wrong with it (empty: nothing)."""
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
    _check_legal_basis(uow, req, errors)
    if not isinstance(req.values, dict):
        errors["values"] = "Expected an object."
        return kind, errors
    if kind in NEEDS_TASK:
        _check_task(uow, case, req, errors)
    if kind in NEEDS_TARGET and not req.target_element_id:
        errors["target_element_id"] = "Name the element (step) this deviation goes to."
    if kind is not None and not errors:
        checked = Checked(uow, case, req)
        if kind in NEEDS_TARGET and req.target_element_id not in checked.model.elements:
            errors["target_element_id"] = \
                f"'{req.target_element_id}' is not an element of this model."
        elif check := _VALUE_CHECKS.get(kind):
            check(checked, errors)
    return kind, errors


def _check_legal_basis(uow: UnitOfWork, req: DeviationRequest, errors: dict[str, str]) -> None:
    bases = {b.text: b for b in deviation_queries.legal_bases(uow.session)}
    basis = bases.get(req.legal_basis or "")
    if basis is None:
        errors["legal_basis"] = "Choose a legal basis from the list: " + "; ".join(bases) + "."
    elif basis.requires_citation and len((req.citation or "").strip()) < 5:
        errors["citation"] = f"'{basis.text}' needs a citation: which article or rule applies."


def _check_task(uow: UnitOfWork, case: Case, req: DeviationRequest,
                errors: dict[str, str]) -> None:
    open_tasks = task_rows.open_rows(uow.session, case.id)
    if not req.task_id and len(open_tasks) == 1:
        req.task_id = open_tasks[0].id
    if req.task_id not in {t.id for t in open_tasks}:
        errors["task_id"] = "Name an open task of this case."


def _override_decision(checked: Checked, errors: dict[str, str]) -> None:
    if checked.target_type not in DECISION_TYPES:
        errors["target_element_id"] = "Overrides apply to business rule tasks and gateways."
    elif not checked.req.values:
        errors["values"] = "Give the new outcome, e.g. {\"uitkomst\": \"toekennen\"}."


def _move_to_task(checked: Checked, errors: dict[str, str]) -> None:
    if checked.target_type not in TASK_TYPES:
        errors["target_element_id"] = "Choose a task (step) of the model."


def _add_task(checked: Checked, errors: dict[str, str]) -> None:
    values = checked.req.values
    title = values.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 200:
        errors["values.title"] = "Give the added step a title (at most 200 characters)."
    group = values.get("candidate_group")
    if group is not None and (not isinstance(group, str) or not group.strip()):
        errors["values.candidate_group"] = "Name the group that does the step."
    if not isinstance(values.get("instructions") or "", str):
        errors["values.instructions"] = "Write the instructions as text."


def _correct_data(checked: Checked, errors: dict[str, str]) -> None:
    values = checked.req.values
    bad = [k for k in values if not str(k).isidentifier() or str(k).startswith("_")]
    if not values or bad:
        errors["values"] = "Give the fields to correct and their new values."


def _extend_deadline(checked: Checked, errors: dict[str, str]) -> None:
    if checked.case.due_at is None:
        errors["type"] = "This case has no decision term to extend."
    if extension_days(checked.req.values) is None:
        errors["values"] = (f"Give the extension as whole weeks or days, at most "
                            f"{MAX_EXTENSION_DAYS} days: {{\"weeks\": 4}}.")
    if len((checked.req.resident_message or "").strip()) < 20:
        errors["resident_message"] = ("Write the notice to the resident: why more time is "
                                      "needed and what the new date is (art. 4:14 Awb).")


def _reassign(checked: Checked, errors: dict[str, str]) -> None:
    assignee, group = checked.req.values.get("assignee"), checked.req.values.get("candidate_group")
    if not isinstance(assignee or "", str) or not isinstance(group or "", str):
        errors["values"] = "Give the assignee or the candidate group as text."
    elif bool(assignee) == bool(group):
        errors["values"] = "Give either an assignee or a candidate group."
    elif assignee and not deviation_queries.active_user_exists(checked.uow.session, assignee):
        errors["values.assignee"] = f"There is no active user '{assignee}'."
    elif assignee and (task := checked.uow.session.get(Task, checked.req.task_id or "")):
        done = four_eyes.steps_in_the_way(checked.uow.session, checked.model, checked.case.id,
                                          task.element_id, assignee)
        if done:
            errors["values.assignee"] = (f"{assignee} did {', '.join(done.values())} in this "
                                         f"case; {four_eyes.SEPARATE_FROM} on {task.element_id}"
                                         " asks for someone else.")


_VALUE_CHECKS: dict[DeviationType, Callable[[Checked, dict[str, str]], None]] = {
    DeviationType.OVERRIDE_DECISION: _override_decision,
    DeviationType.RETURN_TO: _move_to_task,
    DeviationType.JUMP_TO: _move_to_task,
    DeviationType.ADD_TASK: _add_task,
    DeviationType.CORRECT_DATA: _correct_data,
    DeviationType.EXTEND_DEADLINE: _extend_deadline,
    DeviationType.REASSIGN: _reassign,
}


def extension_days(values: dict[str, Any]) -> int | None:
    days, weeks = values.get("days", 0), values.get("weeks", 0)
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in (days, weeks)):
        return None  # whole numbers only: not 2.5, "3" or true
    days += 7 * weeks
    if set(values) - {"days", "weeks"} or not 0 < days <= MAX_EXTENSION_DAYS:
        return None
    return int(days)


def check_allowed(model: ProcessModel, element_id: str | None, kind: DeviationType,
                  on_the_way: bool = False) -> None:
    """Refuse a deviation the process designer does not allow on this element (with
    `on_the_way`: one that a jump or return would pass over or land on)."""
    if element_id is None:
        return
    properties = model.elements.get(element_id, {}).get("properties", {})
    if allowed_by_element(properties.get(DEVIATIONS_PROPERTY), kind):
        return
    where = f"'{element_id}', which this {kind.value} would pass or land on" if on_the_way \
        else f"'{element_id}'"
    raise InvalidInput(
        f"The process designer does not allow '{kind.value}' on {where} "
        f"({DEVIATIONS_PROPERTY} = {properties.get(DEVIATIONS_PROPERTY)!r}).",
        {"target_element_id": f"'{kind.value}' is not allowed on step '{element_id}'."})


def check_the_way(workflow: Any, model: ProcessModel, kind: DeviationType, target: str,
                  from_engine_task: str | None) -> None:
    """A jump or return may not pass over or land on a step whose designer forbade it."""
    if kind is DeviationType.JUMP_TO:
        crossed = engine_deviations.jump_crosses(workflow, target, from_engine_task)
    elif kind is DeviationType.RETURN_TO:
        crossed = engine_deviations.return_crosses(workflow, target)
    else:
        return
    for element_id in crossed:
        check_allowed(model, element_id, kind, on_the_way=True)
