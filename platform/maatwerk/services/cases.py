"""Starting cases and reading them back: for caseworkers, the API and the resident's link."""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer

from ..config import CHANNELS
from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..engine import STATE_VERSION, runtime
from ..forms.definition import FormDefinition
from ..forms.validation import validate_submission
from ..persistence import task_rows
from ..persistence.models import AuditEvent, Case, ProcessModel, Task, utcnow
from ..persistence.uow import UnitOfWork
from . import deadlines, documents, process_models
from .case_steps import apply_step, lock_case
from .errors import Conflict, Forbidden, InvalidInput, NotFound

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MAX_FREE_DATA_BYTES = 256 * 1024


@dataclass(frozen=True)
class StartedCase:
    case: Case
    status_token: str  # shown once: the resident's private link


def _new_reference(model: ProcessModel, now: datetime) -> str:
    prefix = "".join(w[0] for w in model.key.replace("-", "_").split("_") if w)[:3].upper()
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
    return f"{prefix or 'MW'}-{now.year}-{code}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_case(uow: UnitOfWork, process_key: str, data: Any, channel: str,
               actor: Principal | None) -> StartedCase:
    """Validate the start form, run the model to its first wait, store everything at once."""
    if channel not in CHANNELS:
        raise InvalidInput("Unknown channel.", {"channel": f"Choose one of {', '.join(CHANNELS)}."})
    if channel != "online" and (actor is None or not actor.has_role("clerk", "caseworker",
                                                                       "teamlead")):
        raise Forbidden("Only staff may start a case for a resident through another channel.")
    model = process_models.latest(uow, process_key)
    form = process_models.form_of(model, model.start_form_key)
    clean, files = documents.take_files(form, submitted_data(form, data))
    started = _create(uow, model, clean, channel, actor, files)
    uow.commit()
    return started


def submitted_data(form: FormDefinition | None, data: Any) -> dict[str, Any]:
    """What a start or task form accepts of the input: typed form fields, or (without a
    form) plain variables; anything else is refused with the field named."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidInput("The data must be an object.", {"data": "Expected a JSON object."})
    if form is None:
        return free_data(data)
    clean, errors = validate_submission(form, data)
    if errors:
        raise InvalidInput("Not every field is filled in correctly.", errors)
    return clean


def free_data(data: dict[str, Any]) -> dict[str, Any]:
    bad = [k for k in data if not isinstance(k, str) or not k.isidentifier() or k.startswith("_")]
    if bad:
        raise InvalidInput("Invalid variable names.",
                           {k: "Use letters, digits and '_' (not first)." for k in map(str, bad)})
    if len(json.dumps(data, default=str)) > MAX_FREE_DATA_BYTES:
        raise InvalidInput("Too much data.", {"data": "At most 256 KiB."})
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result


def _create(uow: UnitOfWork, model: ProcessModel, data: dict[str, Any], channel: str,
            actor: Principal | None,
            files: list[documents.PendingDocument] | None = None) -> StartedCase:
    bundle = process_models.spec_bundle(uow, model)
    _, result = runtime.start(bundle, data)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    case = Case(reference=_new_reference(model, now), process_model_id=model.id, status="open",
                data={}, channel=channel, started_by=actor.username if actor else None,
                resident_name=_resident_name(data), status_token_hash=token_digest(token),
                engine_state="", engine_version=STATE_VERSION, created_at=now, updated_at=now,
                due_at=deadlines.first_due_date(model, now))
    case.process_model = model
    uow.session.add(case)
    uow.session.flush()
    who = actor.username if actor else "inwoner"
    uow.record(AuditEntry(who, "case_started", case_id=case.id, channel=channel, details={
        "reference": case.reference, "process_key": model.key, "version": model.version}))
    documents.store(uow, case.id, None, files or [], who, channel)
    deadlines.started(uow, case, model)
    apply_step(uow, case, model, result, "systeem", channel, still_open=[])
    return StartedCase(case, token)


def _resident_name(data: dict[str, Any]) -> str | None:
    for key in ("naam", "name", "volledige_naam", "aanvrager"):
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key]).strip()[:200]
    return None


def get_case(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    case = uow.session.get(Case, case_id)
    if case is None or not may_see_case(uow, case, actor):
        raise NotFound("There is no such case, or you may not see it.")
    return case


def may_see_case(uow: UnitOfWork, case: Case, actor: Principal) -> bool:
    """Staff who work cases see all cases (a municipality's team works the whole queue)."""
    return actor.works_tasks or actor.has_role("clerk") or actor.username == case.started_by


def case_by_token(uow: UnitOfWork, token: str) -> Case:
    case = uow.session.scalar(select(Case).where(Case.status_token_hash == token_digest(token)))
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
               limit: int = 50) -> list[Case]:
    if not (actor.works_tasks or actor.has_role("clerk")):
        raise Forbidden("You may not list cases.")
    q = select(Case).order_by(Case.id.desc()).limit(limit)
    if status:
        q = q.where(Case.status == status)
    if query:
        like = f"%{query.strip()}%"
        q = q.where(Case.reference.ilike(like) | Case.resident_name.ilike(like))
    return list(uow.session.scalars(q))


def cases_by_id(uow: UnitOfWork, ids: set[int]) -> dict[int, Case]:
    """The cases of a list of tasks, without their engine state and data (large)."""
    if not ids:
        return {}
    return {c.id: c for c in uow.session.scalars(
        select(Case).options(defer(Case.engine_state), defer(Case.data))
        .where(Case.id.in_(ids)))}


def case_to_dict(uow: UnitOfWork, case: Case, after_step: UnitOfWork | None = None
                 ) -> dict[str, Any]:
    """The case as the API shows it. `after_step`: the unit of work that just ran a step on
    the case, which knows its open tasks without a query."""
    model = case.process_model
    known = after_step.open_after_step.get(case.id) if after_step is not None else None
    open_rows = known if known is not None else task_rows.open_rows(uow.session, case.id)
    return {
        "id": case.id, "reference": case.reference, "status": case.status,
        "process_key": model.key, "process_version": model.version,
        "process_name": model.name, "channel": case.channel, "data": case.data,
        "error": case.error,
        "created_at": case.created_at.isoformat(),
        "completed_at": case.completed_at.isoformat() if case.completed_at else None,
        "next_timer_at": case.next_timer_at.isoformat() if case.next_timer_at else None,
        "due_at": case.due_at.isoformat() if case.due_at else None,
        "deadline_suspended": case.suspended_since is not None,
        "open_tasks": [{"id": t.id, "element_id": t.element_id, "name": t.name,
                        "candidate_groups": _split(t.candidate_groups),
                        "assignee": t.assignee}
                       for t in open_rows],
    }


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def retry(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    """Run a stuck case's failed automatic step again (e.g. after the model's cause went)."""
    if not actor.has_role("caseworker", "teamlead"):
        raise Forbidden("Only caseworkers and team leads may retry a case.")
    case = lock_case(uow, case_id)
    if case is None:
        raise NotFound("There is no such case, or you may not see it.")
    if case.status != "error":
        raise Conflict("This case is not stuck; there is nothing to retry.")
    model = case.process_model
    workflow = runtime.load(process_models.spec_bundle(uow, model), case.engine_state)
    uow.record(AuditEntry(actor.username, "case_retried", case_id=case.id,
                          details={"error": case.error}))
    apply_step(uow, case, model, runtime.retry(workflow), "systeem")
    uow.commit()
    return case
