"""The acknowledgement of receipt (ontvangstbevestiging) of an application: the Awb asks
for one when an application comes in electronically, and the resident needs the link to
follow it. Written in the step that starts the case (outbox.py), in Dutch at B1 level:
what came in and when, what happens now and when they will hear, the private link, and
what they sent.

The resident's e-mail address is the start form's field named by the process property
`maatwerk:residentEmailField` (default `email`); without one, the receipt is kept with the
case and shown to the caseworker as not sent by e-mail.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from ..domain.dutch_dates import AMSTERDAM, long_date
from ..forms.model import FormDefinition, FormField
from ..persistence.models import Case, ProcessModel
from . import mail_text
from .outbox import Mail

EMAIL_PROPERTY = "maatwerk:residentEmailField"
_MAX_VALUE = 300


def address(model: ProcessModel, data: dict[str, Any]) -> str | None:
    """The resident's e-mail address from the start data, if there is a valid one."""
    name = (model.properties or {}).get(EMAIL_PROPERTY) or "email"
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return str(validate_email(value.strip(), check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


def receipt(model: ProcessModel, case: Case, form: FormDefinition | None,
            data: dict[str, Any], link: str, now: datetime) -> Mail:
    when = long_date(case.due_at) if case.due_at else None
    body = [(f"Wij hebben uw aanvraag '{model.name}' goed ontvangen op "
             f"{long_date(now, with_time=True)}. Uw zaaknummer is {case.reference}."), "",
            "Wat gebeurt er nu?",
            (f"Wij bekijken uw aanvraag. U hoort uiterlijk op {when} van ons."
             if when else "Wij bekijken uw aanvraag. Wij laten u weten wat wij besluiten."),
            "Hebben wij meer informatie nodig? Dan vragen wij u daarom.", ""]
    summary = _summary(form, data)
    after = ["Dit heeft u ons gestuurd:", *[f"- {label}: {value}" for label, value in summary],
             ""] if summary else []
    return mail_text.compose(f"Ontvangstbevestiging {model.name} ({case.reference})",
                             case.resident_name, body, "Volg uw aanvraag op deze pagina:",
                             link, after, warning=(
                                 "Deel deze link niet met anderen. Met de link kunt u uw "
                                 "aanvraag bekijken en aanvullen."))


def summary_text(form: FormDefinition | None, data: dict[str, Any]) -> str:
    """What the resident sent, one "- label: value" line per answer."""
    return "\n".join(f"- {label}: {value}" for label, value in _summary(form, data))


def _summary(form: FormDefinition | None, data: dict[str, Any]) -> list[tuple[str, str]]:
    if form is None:
        return []
    return [(field.label or field.key, _value(field, data[field.key]))
            for field in form.input_fields()
            if field.key in data and data[field.key] not in (None, "", [])]


def _value(field: FormField, value: Any) -> str:
    labels = {option.value: option.label for option in field.options}
    if field.type == "filepicker":
        return "bijgevoegd"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if field.type == "date" and isinstance(value, str):
        try:
            return long_date(datetime.fromisoformat(value[:10]).replace(tzinfo=AMSTERDAM))
        except ValueError:
            return value
    if isinstance(value, list):
        text = ", ".join(labels.get(str(item), str(item)) for item in value)
    else:
        text = labels.get(str(value), str(value))
    return text if len(text) <= _MAX_VALUE else text[:_MAX_VALUE - 1] + "…"
