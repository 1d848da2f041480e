"""When a case asks the resident to act (a task of the group `inwoner` opens), the resident
is told in writing, in the same step: what is asked in the caseworker's own words, by
when, and a link to do it; and, when there is time, reminded some days before that date
(withdrawn when they did it first).

The caseworker's words are the task's property `maatwerk:residentMessage`: text, or an
expression on the case data such as `${ontbrekende_gegevens}` (the field in which the
caseworker wrote what is missing). The date is the end of the task's timer boundary event
(its duration, e.g. the P14D hersteltermijn); without one the message names no date.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain.deadline import due_date
from ..domain.dutch_dates import long_date
from ..domain.principal import RESIDENT_GROUP
from ..engine.expressions import evaluate
from ..persistence.models import Case, ProcessModel, utcnow
from ..persistence.task_rows import NewTask, TaskRow
from ..persistence.uow import UnitOfWork
from . import mail_templates, mail_text, outbox, receipts, resident_links
from .step import Step

MESSAGE_PROPERTY = "maatwerk:residentMessage"
TEXT_PROPERTY = "maatwerk:residentText"
REMIND_BEFORE = timedelta(days=3)


def opened(step: Step, tasks: Iterable[NewTask], data: dict[str, Any],
           now: datetime) -> None:
    """Write the request (and its reminder) for each resident task the step opened."""
    for task in tasks:
        if f"group:{RESIDENT_GROUP}" in task.principals:
            _request(step, task, data, now)


def closed(step: Step, task_ids: Iterable[str]) -> None:
    """Withdraw the reminders of the resident tasks the step closed."""
    rows = [*step.open_rows, *([step.task] if step.task is not None else [])]
    resident = {row.id for row in rows if _is_resident(row)}
    done = [task_id for task_id in task_ids if task_id in resident]
    if done:
        outbox.withdraw_reminders(step.uow, done)


def words(model: ProcessModel, element_id: str, data: dict[str, Any]) -> str | None:
    """What the caseworker asked for, from the task's maatwerk:residentMessage."""
    text = ((model.elements.get(element_id) or {}).get("properties") or {}).get(
        MESSAGE_PROPERTY, "").strip()
    if "${" not in text and "#{" not in text:
        return text or None
    try:
        value = evaluate(text, data)
    except Exception:  # an unknown variable: the message then has no words of its own
        return None
    return str(value).strip() or None if value is not None else None


def _is_resident(row: TaskRow) -> bool:
    return RESIDENT_GROUP in row.candidate_groups.split(",")


def _request(step: Step, task: NewTask, data: dict[str, Any], now: datetime) -> None:
    uow, case, model = step.uow, step.case, step.model
    asked = words(model, task.element_id, data)
    by = _by(model, task.element_id, now)
    link = resident_links.another(uow, case, now)
    recipient = receipts.address(model, data)
    mail = _request_mail(uow, case, task.element_id, task.name, data, asked, by, link)
    outbox.queue(uow, case, "request", recipient, mail, step.actor, now, task_id=task.id)
    if recipient and by is not None and by - REMIND_BEFORE > now:
        reminder = _request_mail(uow, case, task.element_id, task.name, data, asked, by, link,
                                 reminder=True)
        outbox.queue(uow, case, "reminder", recipient, reminder, step.actor, now,
                     task_id=task.id, send_at=by - REMIND_BEFORE)


def _request_mail(uow: UnitOfWork, case: Case, element_id: str, task_name: str,
                  data: dict[str, Any], asked: str | None, by: datetime | None, link: str,
                  reminder: bool = False) -> outbox.Mail:
    """The process's own text for the request (or reminder), or the default."""
    model = case.process_model
    note = ((model.elements.get(element_id) or {}).get("properties") or {}).get(TEXT_PROPERTY)
    values = mail_templates.values(model, case, link, data, taak=task_name,
                                   gevraagd=asked or "", uiterlijk=long_date(by) if by else "")
    return mail_templates.designed(uow, case, "reminder" if reminder else "request", values) \
        or _mail(model, case, task_name, asked, note, by, link, reminder=reminder)


@dataclass(frozen=True)
class RequestPreview:
    """What the resident will receive when the caseworker's answer in `field` opens the
    resident's task: the text around what they write there."""

    task_name: str
    field: str
    subject: str
    before: str
    after: str


def previews(uow: UnitOfWork, case: Case, field_keys: set[str],
             now: datetime | None = None) -> list[RequestPreview]:
    """For a caseworker's form: the requests to the resident whose words (the resident
    task's maatwerk:residentMessage, `${field}`) are a field of that form."""
    now = now or utcnow()
    found = []
    for element_id, facts in sorted(case.process_model.elements.items()):
        field = _field_of(facts)
        if field is None or field not in field_keys \
                or RESIDENT_GROUP not in facts.get("candidate_groups", []):
            continue
        by = _by(case.process_model, element_id, now)
        mail = _request_mail(uow, case, element_id, facts.get("name") or element_id,
                             case.data or {}, _MARK, by, "(een persoonlijke link)")
        before, _, after = mail.text.partition(_MARK)
        found.append(RequestPreview(facts.get("name") or element_id, field, mail.subject,
                                    before, after))
    return found


_MARK = "\x00asked\x00"
_FIELD = re.compile(r"^\s*[$#]\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\s*$")


def _field_of(facts: dict[str, Any]) -> str | None:
    """The form field a resident task's words are, when they are exactly one."""
    found = _FIELD.match(((facts.get("properties") or {}).get(MESSAGE_PROPERTY)) or "")
    return found.group(1) if found else None


def _by(model: ProcessModel, element_id: str, now: datetime) -> datetime | None:
    """When the task's timer boundary event ends it, if it has one with a duration."""
    ends = [due_date(now, facts["timer"]) for facts in model.elements.values()
            if facts.get("type") == "boundaryEvent" and facts.get("attached_to") == element_id
            and facts.get("timer")]
    found = [end for end in ends if end is not None]
    return min(found) if found else None


def _mail(model: ProcessModel, case: Case, task_name: str, asked: str | None,
          note: str | None, by: datetime | None, link: str, reminder: bool) -> outbox.Mail:
    opening = ("Wij hebben nog niets van u ontvangen. Wij hebben iets van u nodig voor uw "
               f"aanvraag '{model.name}' (zaaknummer {case.reference}): {task_name}."
               if reminder else
               f"Wij behandelen uw aanvraag '{model.name}' (zaaknummer {case.reference}). "
               f"Wij hebben iets van u nodig: {task_name}.")
    body = [opening, ""]
    if asked:
        body += ["Wat wij van u vragen:", asked, ""]
    if note:
        body += [note, ""]
    if by is not None:
        body += [f"Doe dit uiterlijk op {long_date(by)}.", ""]
    subject = (f"Herinnering: wij hebben nog iets van u nodig ({case.reference})" if reminder
               else f"Wij hebben iets van u nodig: {model.name} ({case.reference})")
    return mail_text.compose(subject, case.resident_name, body,
                             "Ga naar deze pagina om het te doen:", link,
                             questions="Heeft u vragen, of lukt het niet? Neem dan contact "
                                       "met ons op.")
