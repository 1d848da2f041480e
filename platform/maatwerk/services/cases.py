"""Starting cases and reading them back: for caseworkers, the API and the resident's link."""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from ..config import CHANNELS
from ..domain.dutch_dates import long_date
from ..domain.principal import Principal
from ..engine import STATE_VERSION, StepResult, runtime
from ..persistence import task_rows
from ..persistence.models import AuditEvent, Case, ProcessModel, Task, utcnow
from ..persistence.task_rows import TaskRow
from ..persistence.uow import UnitOfWork
from . import (
    deadlines,
    documents,
    mail_templates,
    outbox,
    process_models,
    receipts,
    resident_facts,
    resident_links,
    start_clocks,
)
from .case_access import get_case, get_case_contents, may_see_case, sees_contents, visible_filter
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .resident_links import token_digest
from .steps import SYSTEM_ACTOR, Step, StepOutcome, case_by_id, new_case, run_step
from .submissions import submitted_data

LANGUAGES = ("nl", "en")  # what a resident may read their messages in

__all__ = ["StartedCase", "get_case", "get_case_contents", "may_see_case", "open_task_rows",
           "retry", "sees_contents", "start_case", "start_trial"]

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class StartedCase:
    outcome: StepOutcome
    status_token: str  # shown once: the resident's private link

    @property
    def case(self) -> Case:
        return self.outcome.case


def _new_reference(model: ProcessModel, now: datetime, trial: bool = False) -> str:
    prefix = "PROEF" if trial else \
        "".join(w[0] for w in model.key.replace("-", "_").split("_") if w)[:3].upper()
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"{prefix or 'MW'}-{now.year}-{code}"


def start_case(uow: UnitOfWork, process_key: str, data: Any, channel: str,
               actor: Principal | None, language: str = "nl") -> StartedCase:
    """Validate the start form, run the model to its first wait, store everything at once."""
    if channel not in CHANNELS:
        raise InvalidInput("Unknown channel.", {"channel": f"Choose one of {', '.join(CHANNELS)}."})
    if channel != "online" and (actor is None or not actor.has_role("clerk", "caseworker",
                                                                       "teamlead")):
        raise Forbidden("Only staff may start a case for a resident through another channel.")
    model = process_models.latest(uow, process_key)
    _startable_by_hand(model)
    form = process_models.form_of(model, model.start_form_key)
    form = form.for_channel(channel) if form is not None else None
    clean, files = documents.take_files(form, submitted_data(form, data))
    if language not in LANGUAGES:
        raise InvalidInput("Unknown language.", {"language": "Choose nl or en."})
    return _create(uow, model, clean, channel, actor, files, receipt=True, language=language)


def start_trial(uow: UnitOfWork, key: str, version: int, data: Any, actor: Principal,
                language: str = "nl") -> StartedCase:
    """A trial case of this version (a draft before it is published, or any version in
    use), started by a designer through its start form: worked as any case, with a
    reference that says so, and kept out of the figures (deviation register, counts)."""
    if not actor.has_role("designer"):
        raise Forbidden("Only process designers start a trial case.")
    model = process_models.get_version(uow, key, version)
    if model.status == "retired":
        raise Conflict(f"Version {version} of '{key}' is retired: it takes no new cases, "
                       "trial cases neither.")
    _startable_by_hand(model)
    form = process_models.form_of(model, model.start_form_key)
    clean, files = documents.take_files(form, submitted_data(form, data))
    if language not in LANGUAGES:
        raise InvalidInput("Unknown language.", {"language": "Choose nl or en."})
    return _create(uow, model, clean, "online", actor, files, receipt=True, language=language,
                   trial=True)


def _startable_by_hand(model: ProcessModel) -> None:
    """A process without a plain start event starts only by its message or its clock."""
    if any(facts.get("plain_start") for facts in model.elements.values()):
        return
    if model.start_message:
        raise InvalidInput(f"A case of this process starts when another system sends the "
                           f"message '{model.start_message}' (POST /engine-rest/message).")
    if start_clocks.clocks_of(model):
        raise InvalidInput("A case of this process is started by its clock (a timer start "
                           "event), not by hand.")


def start_by_message(uow: UnitOfWork, model: ProcessModel, message: str,
                     variables: dict[str, Any], actor: Principal) -> StartedCase:
    """A case of a process that starts with this message: started, and the message
    delivered to its start event, in one step (services/messages.py)."""
    return _create(uow, model, variables, "online", actor, message=message)


def start_by_clock(uow: UnitOfWork, model: ProcessModel, element_id: str) -> StartedCase:
    """A case that the clock of this timer start event starts, with no data, recorded for
    the system (timers.fire_clock)."""
    return _create(uow, model, {}, "online", None, timer=element_id)


def _create(uow: UnitOfWork, model: ProcessModel, data: dict[str, Any], channel: str,
            actor: Principal | None, files: list[documents.PendingDocument] | None = None,
            message: str | None = None, timer: str | None = None,
            receipt: bool = False, language: str = "nl", trial: bool = False) -> StartedCase:
    """Insert the case, run the model to its first wait and commit: one step. With a
    message, the case starts empty and the message (with `data`) starts it; with a timer
    start event's id, it starts there. With `receipt`, the resident's acknowledgement of
    receipt is written to the outbox in the same step (receipts.py)."""
    token = resident_links.new_token()
    now = utcnow()
    data = {**data, **_initiator(model, actor)}
    case = Case(reference=_new_reference(model, now, trial), process_model_id=model.id,
                status="open", trial=trial,
                data={}, channel=channel, started_by=actor.username if actor else None,
                **resident_facts.of(model, data), status_token_hash=token_digest(token),
                engine_state="", engine_version=STATE_VERSION, created_at=now, updated_at=now,
                due_at=deadlines.first_due_date(model, now), language=language)
    case.process_model = model
    who = actor.username if actor else SYSTEM_ACTOR if timer else "inwoner"

    def act(step: Step) -> StepResult:
        step.record(who, "case_started", details={
            "reference": case.reference, "process_key": model.key, "version": model.version,
            **({"message": message} if message else {}), **({"timer": timer} if timer else {}),
            **({"trial": True} if trial else {})})
        documents.store(uow, case.id, None, files or [], who, channel)
        deadlines.started(uow, case, model)
        if receipt:
            _queue_receipt(uow, model, case, data, token, who, now)
        if message is None:
            return runtime.start(process_models.spec_bundle(uow, model), data,
                                 by_timer=timer)[1]
        workflow, _ = runtime.start(process_models.spec_bundle(uow, model), {},
                                    by_message=True)
        return runtime.deliver_message(workflow, message, data)
    return StartedCase(run_step(uow, new_case(case, channel), act), token)


def _queue_receipt(uow: UnitOfWork, model: ProcessModel, case: Case, data: dict[str, Any],
                   token: str, who: str, now: datetime) -> None:
    form = process_models.form_of(model, model.start_form_key)
    link = resident_links.url(token)
    mail = mail_templates.designed(uow, case, "receipt", mail_templates.values(
        model, case, link, data, ontvangen_op=long_date(now, with_time=True),
        samenvatting=receipts.summary_text(form, data))) \
        or receipts.receipt(model, case, form, data, link, now)
    outbox.queue(uow, case, "receipt", receipts.address(model, data), mail, who, now)


def _initiator(model: ProcessModel, actor: Principal | None) -> dict[str, Any]:
    """camunda:initiator on the process's start event: that variable names who started the
    case (null for a resident without an account), as in Camunda."""
    return {facts["initiator"]: actor.username if actor else None
            for facts in model.elements.values()
            if facts.get("type") == "startEvent" and facts.get("initiator")
            and facts.get("process_id") == model.key}


def case_by_token(uow: UnitOfWork, token: str) -> Case:
    case = resident_links.case_of(uow, token)
    if case is None:
        raise NotFound("This link is not valid.")
    return case


_OPEN_TASKS = select(Task).where(Task.case_id == bindparam("case_id"), Task.state == "open") \
    .order_by(Task.created_at, Task.id)


def open_tasks(uow: UnitOfWork, case_id: int) -> list[Task]:
    """The case's open tasks, oldest first."""
    return list(uow.session.scalars(_OPEN_TASKS, {"case_id": case_id}))


def all_tasks(uow: UnitOfWork, case_id: int) -> list[Task]:
    return list(uow.session.scalars(select(Task).where(Task.case_id == case_id)
                                    .order_by(Task.created_at, Task.id)))


def history(uow: UnitOfWork, case_id: int) -> list[AuditEvent]:
    return list(uow.session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id)
                                    .order_by(AuditEvent.id)))


def find_cases(uow: UnitOfWork, actor: Principal, query: str = "", status: str = "",
               limit: int = 50, birth_date: date | None = None,
               email: str | None = None) -> list[Case]:
    """The newest cases this person may see that match all that is given: the reference or
    the resident's name contains `query`; the date of birth and e-mail address are equal
    (the address in any case)."""
    if not (actor.works_tasks or actor.has_role("clerk")):
        raise Forbidden("You may not list cases.")
    q = select(Case).options(defer(Case.engine_state), defer(Case.data)) \
        .order_by(Case.id.desc()).limit(limit)
    if (visible := visible_filter(uow, actor)) is not None:
        q = q.where(visible)
    if status:
        q = q.where(Case.status == status)
    if query.strip():
        q = q.where(Case.reference.icontains(query.strip(), autoescape=True)
                    | Case.resident_name.icontains(query.strip(), autoescape=True))
    if birth_date is not None:
        q = q.where(Case.resident_birth_date == birth_date)
    if email is not None:
        q = q.where(Case.resident_email == email.strip().lower())
    return list(uow.session.scalars(q))


def cases_by_id(uow: UnitOfWork, ids: set[int]) -> dict[int, Case]:
    """The cases of a list of tasks, without their engine state and data (large)."""
    if not ids:
        return {}
    return {c.id: c for c in uow.session.scalars(
        select(Case).options(defer(Case.engine_state), defer(Case.data))
        .where(Case.id.in_(ids)))}


def open_task_rows(uow: UnitOfWork, case_id: int) -> list[TaskRow]:
    """The case's open task rows (what its summary shows), oldest first."""
    return task_rows.open_rows(uow.session, case_id)


def as_it_is(uow: UnitOfWork, case_id: int, actor: Principal) -> StepOutcome:
    """The case with its open tasks as they are now (as a step would have left them)."""
    case = get_case(uow, case_id, actor)
    return StepOutcome(case, open_task_rows(uow, case_id))


def retry(uow: UnitOfWork, case_id: int, actor: Principal) -> StepOutcome:
    """Run a stuck case's failed automatic step again (e.g. after the model's cause went)."""
    if not actor.has_role("caseworker", "teamlead"):
        raise Forbidden("Only caseworkers and team leads may retry a case.")

    def act(step: Step) -> StepResult:
        if step.case.status != "error":
            raise Conflict("This case is not stuck; there is nothing to retry.")
        step.record(actor.username, "case_retried", details={"error": step.case.error})
        return runtime.retry(step.workflow())
    return run_step(uow, case_by_id(case_id), act)
