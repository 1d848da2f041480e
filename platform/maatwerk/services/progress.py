"""What a resident reads about their case: now, to do, when they will hear, what happened."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ..domain.principal import RESIDENT_GROUP
from ..engine import runtime
from ..persistence.models import Case, Task
from ..persistence.uow import UnitOfWork
from . import cases, deviation_register, process_models, resident_requests

RESIDENT_TEXT = "maatwerk:residentText"
# what residents see of the history: plain milestones, never internal comments or data
_VISIBLE = {"case_started", "task_completed", "case_completed", "timer_fired"}


@dataclass
class Milestone:
    at: datetime
    text: str


@dataclass
class ResidentView:
    headline: str
    now: list[str] = field(default_factory=list)
    todo: list[Task] = field(default_factory=list)
    todo_texts: dict[str, str] = field(default_factory=dict)
    expected_by: datetime | None = None
    suspended_since: datetime | None = None
    outcome: str | None = None
    milestones: list[Milestone] = field(default_factory=list)
    custom_decisions: list[Milestone] = field(default_factory=list)
    todo_due: dict[str, datetime] = field(default_factory=dict)
    todo_asked: dict[str, str] = field(default_factory=dict)  # the caseworker's own words


def resident_view(uow: UnitOfWork, case: Case) -> ResidentView:
    model = case.process_model
    open_tasks = cases.open_tasks(uow, case.id)
    mine = [t for t in open_tasks if RESIDENT_GROUP in t.candidate_groups.split(",")]
    staff = [t for t in open_tasks if t not in mine]
    view = ResidentView(headline=_headline(case, bool(mine)), todo=mine)
    for task in staff:
        text = _resident_text(model.elements, task.element_id)
        view.now.append(text or f"Een medewerker werkt aan de stap ‘{task.name}’.")
    for task in mine:
        view.todo_texts[task.id] = _resident_text(model.elements, task.element_id) or task.name
        asked = resident_requests.words(model, task.element_id, case.data or {})
        if asked:
            view.todo_asked[task.id] = asked
    if mine:
        view.todo_due = _resident_terms(uow, case, mine)
    if case.status == "open":
        view.expected_by = case.due_at
        view.suspended_since = case.suspended_since
    view.milestones, view.outcome = _milestones(uow, case)
    for at, text in deviation_register.resident_notes(uow, case.id):
        view.custom_decisions.append(Milestone(at, text))
    return view


def _resident_terms(uow: UnitOfWork, case: Case, mine: list[Task]) -> dict[str, datetime]:
    """The date by which the resident must answer: a timer on the boundary of their task."""
    elements = case.process_model.elements
    boundary = {eid: facts.get("attached_to") for eid, facts in elements.items()
                if facts.get("type") == "boundaryEvent" and facts.get("timer")}
    if not boundary:
        return {}
    waiting = runtime.waiting_timers(runtime.load(
        process_models.spec_bundle(uow, case.process_model), case.engine_state))
    terms = {}
    for task in mine:
        due = [waiting[eid] for eid, host in boundary.items()
               if host == task.element_id and eid in waiting]
        if due:
            terms[task.id] = min(due)
    return terms


def _headline(case: Case, resident_must_act: bool) -> str:
    if case.status == "completed":
        return "Uw aanvraag is afgehandeld."
    if case.status == "error":
        return ("Er is een vertraging bij de behandeling van uw aanvraag. "
                "Wij lossen dit op; u hoeft niets te doen.")
    if resident_must_act:
        return "Wij hebben iets van u nodig. Kijk hieronder wat u moet doen."
    return "Wij behandelen uw aanvraag. U hoeft nu niets te doen."


def _resident_text(elements: dict[str, dict[str, object]], element_id: str) -> str:
    facts = elements.get(element_id, {})
    properties = facts.get("properties", {})
    return str(properties.get(RESIDENT_TEXT, "")) if isinstance(properties, dict) else ""


def _milestones(uow: UnitOfWork, case: Case) -> tuple[list[Milestone], str | None]:
    found: list[Milestone] = []
    outcome = None
    elements = case.process_model.elements
    for event in cases.history(uow, case.id):
        if event.action == "automatic_step" and event.details.get("type") == "EndEvent":
            outcome = _resident_text(elements, str(event.details.get("element_id"))) or \
                str(event.details.get("name", ""))
        if event.action not in _VISIBLE:
            continue
        if event.action == "case_started":
            found.append(Milestone(event.occurred_at, "Wij hebben uw aanvraag ontvangen."))
        elif event.action == "task_completed":
            found.append(Milestone(event.occurred_at,
                                   f"Stap afgerond: {event.details.get('name', '')}"))
        elif event.action == "timer_fired":
            found.append(Milestone(event.occurred_at,
                                   f"Termijn verstreken: {event.details.get('name', '')}"))
        elif event.action == "case_completed":
            found.append(Milestone(event.occurred_at, "Uw aanvraag is afgehandeld."))
    return found, outcome
