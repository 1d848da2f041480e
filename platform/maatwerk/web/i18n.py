"""Dutch words for what people read: statuses, audit actions, dates."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..domain.deviation import LABELS as DEVIATION_LABELS
from ..domain.deviation import DeviationType

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")

STATUS = {"open": "In behandeling", "completed": "Afgerond", "error": "Vastgelopen",
          "cancelled": "Vervallen", "skipped": "Overgeslagen", "requested": "Aangevraagd",
          "approved": "Goedgekeurd", "rejected": "Afgewezen", "withdrawn": "Ingetrokken"}
ACTIONS = {
    "case_started": "Zaak gestart", "case_completed": "Zaak afgerond",
    "task_opened": "Taak klaargezet", "task_claimed": "Taak opgepakt",
    "task_unclaimed": "Taak teruggelegd", "task_completed": "Taak afgerond",
    "task_cancelled": "Taak vervallen", "automatic_step": "Automatische stap",
    "timer_fired": "Termijn verstreken", "automatic_step_failed": "Automatische stap mislukt",
    "timer_rescheduled": "Termijn verzet", "model_uploaded": "Model geüpload",
    "model_upload_refused": "Model geweigerd", "login": "Ingelogd",
    "login_failed": "Inloggen mislukt", "user_created": "Account aangemaakt",
    "token_created": "API-sleutel aangemaakt",
    "deviation_requested": "Afwijking aangevraagd", "deviation_approved": "Afwijking goedgekeurd",
    "deviation_rejected": "Afwijking afgewezen", "deviation_withdrawn": "Afwijking ingetrokken",
    "legal_basis_added": "Grondslag toegevoegd", "deadline_set": "Beslistermijn vastgesteld",
    "deadline_suspended": "Beslistermijn opgeschort", "deadline_resumed": "Beslistermijn loopt weer",
    "deadline_extended": "Beslistermijn verlengd", "case_retried": "Opnieuw geprobeerd",
}
CHANNELS = {"online": "Online", "balie": "Aan de balie", "telefoon": "Telefonisch",
            "post": "Per post"}
LABELS = {"status": STATUS, "actions": ACTIONS, "channels": CHANNELS}


def status_label(status: str) -> str:
    return STATUS.get(status, status)


def action_label(action: str) -> str:
    return ACTIONS.get(action, action.replace("_", " "))


def dutch_datetime(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    local = value.astimezone(AMSTERDAM)
    text = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
    return f"{text}, {local:%H:%M}" if with_time else text


def deviation_label(kind: str) -> str:
    try:
        return DEVIATION_LABELS[DeviationType(kind)]
    except ValueError:
        return kind
