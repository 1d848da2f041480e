"""When a case passes the event at which its decision is made (an end or throw event with
`maatwerk:decision`), the step makes the decision letter as PDF, keeps it as a document of
the case (with its hash, on record) and writes the decision message that carries it, in
the same transaction: no letter without its step, no step without its letter.

The letter's words come from the event's properties (domain/letter.py), text or
expressions on the case data: `maatwerk:decision` (what), `maatwerk:decisionReasons` (why;
art. 3:46 Awb), `maatwerk:decisionAmount` and `maatwerk:decisionConditions`; who decided
and where objection goes from the process's properties. A required text that comes out
empty (the caseworker wrote no reasons) refuses the step, which then changes nothing.
"""
from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.dutch_dates import long_date
from ..domain.letter import (
    AMOUNT,
    CONDITIONS,
    DECISION,
    DEFAULT_AUTHORITY,
    OBJECTION_HOW,
    OBJECTION_HOW_TEXT,
    OBJECTION_TO,
    REASONS,
    REQUEST,
    SIGNED_BY,
    DecisionLetter,
    as_amount,
)
from ..engine.expressions import evaluate
from ..engine.juel import is_juel
from ..engine.runtime import AutomaticStep, StepRefused
from ..persistence.models import Document, ProcessModel, utcnow
from ..persistence.uow import UnitOfWork
from . import letters, mail_templates, mail_text, outbox, receipts, resident_links
from .documents import LETTER
from .step import Step


def reached(step: Step, passed: Iterable[AutomaticStep], data: dict[str, Any],
            now: datetime) -> None:
    """The letter and message of each decision event the step passed."""
    for auto in passed:
        properties = (step.model.elements.get(auto.element_id) or {}).get("properties") or {}
        if DECISION in properties:
            _decide(step, auto.element_id, properties, data, now)


def letter_for(step: Step, element_id: str, properties: dict[str, str],
               data: dict[str, Any], now: datetime) -> DecisionLetter:
    case, model = step.case, step.model
    process = model.properties or {}
    signed_by = process.get(SIGNED_BY, "").strip() or DEFAULT_AUTHORITY
    return DecisionLetter(
        reference=case.reference, date=now, resident_name=case.resident_name,
        subject=model.name, applied_on=case.created_at,
        request=_text(element_id, REQUEST, process.get(REQUEST), data),
        decision=_required(element_id, DECISION, properties, data),
        reasons=_required(element_id, REASONS, properties, data),
        amount=as_amount(_value(element_id, AMOUNT, properties.get(AMOUNT), data)),
        conditions=_text(element_id, CONDITIONS, properties.get(CONDITIONS), data),
        signed_by=signed_by,
        objection_to=process.get(OBJECTION_TO, "").strip() or _in_sentence(signed_by),
        objection_how=process.get(OBJECTION_HOW, "").strip() or OBJECTION_HOW_TEXT)


def _decide(step: Step, element_id: str, properties: dict[str, str], data: dict[str, Any],
            now: datetime) -> None:
    case = step.case
    letter = letter_for(step, element_id, properties, data, now)
    content = letters.decision_pdf(letter, data,
                                   _template(step.uow, step.model, case.language))
    document = Document(
        id=str(uuid.uuid4()), case_id=case.id, task_id=None, field_key=element_id,
        filename=f"besluit-{case.reference}.pdf", content_type=letters.PDF,
        size=len(content), sha256=hashlib.sha256(content).hexdigest(), content=content,
        submitted_by=step.actor, channel=step.channel, kind=LETTER, created_at=now)
    step.uow.session.add(document)
    step.uow.session.flush()
    step.uow.record(AuditEntry(step.actor, "letter_made", case_id=case.id,
                               channel=step.channel, details={
                                   "document_id": document.id, "element_id": element_id,
                                   "filename": document.filename,
                                   "sha256": document.sha256}))
    link = resident_links.another(step.uow, case, now)
    mail = mail_templates.designed(step.uow, case, "decision", mail_templates.values(
        step.model, case, link, data, besluit=letter.decision,
        bedrag=letter.amount_text or "", bezwaar_tot=long_date(letter.objection_until))) \
        or _mail(letter, link)
    outbox.queue(step.uow, case, "decision", receipts.address(step.model, case.data or {}),
                 mail, step.actor, now, document_id=document.id)


def preview(uow: UnitOfWork, model: ProcessModel, language: str = "nl") -> bytes:
    """The process's decision letter (or the default) printed with example values."""
    data = {key: f"‹{key}›" for key in mail_templates.form_keys(model.forms or {})}
    return letters.decision_pdf(letters.sample_letter(utcnow()), data,
                                _template(uow, model, language))


def _template(uow: UnitOfWork, model: ProcessModel, language: str) -> str | None:
    """The process's own letter, in English for a resident who applied in English."""
    names = ["brief-besluit.en.html"] if language == "en" else []
    return mail_templates.designer_file(uow, model, [*names, "brief-besluit.html"])


def _mail(letter: DecisionLetter, link: str) -> outbox.Mail:
    body = [(f"Wij hebben besloten over uw aanvraag '{letter.subject}' (zaaknummer "
            f"{letter.reference})."), "", "Ons besluit:", letter.decision, ""]
    if letter.amount_text:
        body += [f"Bedrag: {letter.amount_text}", ""]
    body += [("In de brief in de bijlage leest u waarom wij zo besluiten. Bent u het er niet "
             "mee eens? Dan kunt u bezwaar maken, uiterlijk op "
             f"{long_date(letter.objection_until)}. In de brief staat hoe."), ""]
    return mail_text.compose(f"Besluit op uw aanvraag {letter.subject} ({letter.reference})",
                             letter.resident_name, body,
                             "U vindt de brief ook op uw pagina:", link,
                             questions="Heeft u vragen over het besluit? Neem dan contact "
                                       "met ons op.")


def _in_sentence(name: str) -> str:
    """"Het college ..." as it reads inside a sentence: "het college ..."."""
    return name[0].lower() + name[1:] if name[1:2].islower() else name


def _required(element_id: str, name: str, properties: dict[str, str],
              data: dict[str, Any]) -> str:
    text = _text(element_id, name, properties.get(name), data)
    if not text:
        raise StepRefused(element_id, f"the decision letter needs {name}, and it came out "
                                      "empty (was the field filled in?)")
    return text


def _text(element_id: str, name: str, source: str | None, data: dict[str, Any]
          ) -> str | None:
    value = _value(element_id, name, source, data)
    text = str(value).strip() if value is not None else ""
    return text or None


def _value(element_id: str, name: str, source: str | None, data: dict[str, Any]) -> object:
    if source is None or not source.strip():
        return None
    if not is_juel(source):
        return source.strip()
    try:
        return evaluate(source, data)
    except Exception as exc:  # an unknown variable, a failing expression: say where
        raise StepRefused(element_id, f"{name} could not be filled in: {exc}") from None
