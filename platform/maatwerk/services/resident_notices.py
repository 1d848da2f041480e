"""Notices to the resident about what was decided for their case outside the standard path:
an approved deviation that affects them, in plain words (the request's notice, or the
type's default), and a longer decision term with the new date and the reason (art. 4:14
Awb asks for both). Written in the step that carries out the deviation (outbox.py)."""
from __future__ import annotations

from datetime import datetime

from ..domain.deviation import RESIDENT_TEXTS, DeviationType
from ..domain.dutch_dates import long_date
from ..persistence.models import Deviation
from . import mail_templates, mail_text, outbox, receipts, resident_links
from .step import Step

_FOUR_EYES = "Een tweede medewerker met bevoegdheid heeft dit goedgekeurd."


def deviation_approved(step: Step, deviation: Deviation, due_before: datetime | None,
                       now: datetime) -> None:
    """The notice of an approved deviation; none for one that changes nothing for the
    resident (a task given to another caseworker)."""
    kind = DeviationType(deviation.type)
    text = (deviation.resident_message or "").strip() or RESIDENT_TEXTS[kind]
    if not text:
        return
    case, model = step.case, step.model
    link = resident_links.another(step.uow, case, now)
    if kind is DeviationType.EXTEND_DEADLINE and case.due_at is not None:
        subject = f"Wij hebben meer tijd nodig voor uw aanvraag ({case.reference})"
        body = [f"Wij beslissen later over uw aanvraag '{model.name}' (zaaknummer "
                f"{case.reference}) dan wij u eerder schreven. U hoort uiterlijk op "
                f"{long_date(case.due_at)} van ons"
                + (f" (eerst was dat {long_date(due_before)})." if due_before else "."),
                "", "Waarom wij meer tijd nodig hebben:", text, ""]
    else:
        subject = f"Nieuws over uw aanvraag ({case.reference})"
        body = [f"Over uw aanvraag '{model.name}' (zaaknummer {case.reference}):", text,
                "", _FOUR_EYES, ""]
    kind_name = "extension" if kind is DeviationType.EXTEND_DEADLINE else "deviation"
    values = mail_templates.values(
        model, case, link, tekst=text, reden=text,
        nieuwe_datum=long_date(case.due_at) if case.due_at else "",
        oude_datum=long_date(due_before) if due_before else "")
    mail = mail_templates.designed(step.uow, case, kind_name, values) or mail_text.compose(
        subject, case.resident_name, body, "Bekijk uw aanvraag op deze pagina:", link,
        questions="Heeft u vragen? Neem dan contact met ons op.")
    outbox.queue(step.uow, case, kind_name, receipts.address(model, case.data or {}), mail,
                 step.actor, now)
