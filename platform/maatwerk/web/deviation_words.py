"""A deviation as a team lead reads it: its step by name, and what it changes by the labels
people know (a field's form label, a person's name, a date in Dutch) instead of keys and
ids (the approvals queue, the case's deviations, the register)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ..services import case_fields, decision_outcomes, process_models
from .context import uow
from .i18n import dutch_datetime
from .people import person

_KEYS = {"title": "Titel", "instructions": "Instructie", "candidate_group": "Groep",
         "assignee": "Medewerker", "weeks": "Verlenging", "due_at": "Beslisdatum",
         "before_task": "Vóór de stap", "open_tasks": "Open stappen daarna",
         "flow": "Route"}
_LEFT_OUT = {"added_task_id"}


def step_name(model: Any, element_id: str | None) -> str:
    """A step of the model by its name (its id when it has none)."""
    if not element_id:
        return ""
    return str(process_models.element(model, element_id).get("name") or element_id)


def said(deviation: Any, which: str) -> list[tuple[str, str]]:
    """(label, value as people read it) for the deviation's `values`, `before` or `after`."""
    values: dict[str, Any] = getattr(deviation, which) or {}
    model = deviation.case.process_model
    fields = dict(case_fields.described(model, {k: v for k, v in values.items()
                                                 if k not in _KEYS and k not in _LEFT_OUT}))
    shown = []
    for key, value in values.items():
        if key in _LEFT_OUT:
            continue
        if key in fields:
            shown.append(fields[key])
        elif key == "flow" and isinstance(value, str):  # a gateway's route, by its name
            route = decision_outcomes.route_label(uow(readonly=True), model,
                                                  deviation.target_element_id, value)
            shown.append((_KEYS[key], route or step_name(model, value)))
        else:
            shown.append((_KEYS.get(key, key), _text(model, key, value)))
    return shown


def _text(model: Any, key: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if key == "assignee":
        return person(str(value))
    if key == "weeks":
        return f"{value} weken" if value != 1 else "1 week"
    if key == "due_at" and isinstance(value, str):
        return dutch_datetime(datetime.fromisoformat(value), with_time=False)
    if key in ("before_task", "flow"):
        return step_name(model, str(value))
    if key == "open_tasks" and isinstance(value, list):
        return ", ".join(step_name(model, str(item)) for item in value)
    return str(value)
