"""The case data as a caseworker reads it: each value under the label its form gives it
(the start form first, then the task forms), in the forms' order, with its value as people
write it (dates in Dutch, a choice by its label, yes or no, a file by its name). Variables
that no form asks (a model's own, a decision's result) follow under their own names."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..domain.dutch_dates import MONTHS
from ..forms.model import FormDefinition, FormField
from ..forms.validation import format_number, parse_date
from ..persistence.models import ProcessModel


@dataclass(frozen=True)
class CaseField:
    """One value of the case: its key, the label people know it by, the value as text."""

    key: str
    label: str
    text: str
    labelled: bool  # False: no form asks it, the label is the key


def readable(model: ProcessModel, data: dict[str, Any]) -> list[CaseField]:
    fields = _fields_of(model)
    known = [CaseField(key, field.label or key, _text(field, data[key]), True)
             for key, field in fields.items() if key in data]
    rest = [CaseField(key, key, _text(None, value), False)
            for key, value in sorted(data.items()) if key not in fields]
    return [*known, *rest]


_FIELDS: dict[tuple[int, str], dict[str, FormField]] = {}
_KEPT = 256  # model versions whose fields are kept


def _fields_of(model: ProcessModel) -> dict[str, FormField]:
    """Each data key a form of the model asks, with the first field that asks it; read
    once per model version (a version never changes), not on every page or queue card."""
    kept = _FIELDS.get((model.id, model.content_hash))
    if kept is not None:
        return kept
    keys = sorted(model.forms or {}, key=lambda k: k != model.start_form_key)
    found: dict[str, FormField] = {}
    for form_key in keys:
        for field in FormDefinition.from_dict(model.forms[form_key]).input_fields():
            found.setdefault(field.key, field)
    if len(_FIELDS) >= _KEPT:
        _FIELDS.clear()
    _FIELDS[(model.id, model.content_hash)] = found
    return found


def _text(field: FormField | None, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, dict):
        return str(value.get("filename") or value)
    if isinstance(value, list):
        return ", ".join(_text(field, item) for item in value)
    if field is not None and field.options:
        labels = {option.value: option.label for option in field.options}
        return labels.get(str(value), str(value))
    if field is not None and field.type == "date":
        try:
            day = parse_date(value)
        except ValueError:
            return str(value)
        return _long(day)
    if isinstance(value, int | float) and field is not None and field.type == "number":
        return format_number(value)
    return str(value)


def _long(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def described(model: ProcessModel, values: dict[str, Any]) -> list[tuple[str, tuple[str, str]]]:
    """(key, (label, value as people read it)) of some data values (a deviation's)."""
    fields = _fields_of(model)
    return [(key, (fields[key].label if key in fields else key, _text(fields.get(key), value)))
            for key, value in values.items()]
