"""Who a case is for, as the counter finds it: the resident's name, e-mail address and date
of birth, read from the case data into columns of their own (indexed) whenever a step
writes the data, so a corrected address is found by its new value.

The fields are the process properties `maatwerk:residentEmailField` (default `email`, as
for the receipt) and `maatwerk:residentBirthDateField` (default `geboortedatum`); the name
is the first of `naam`, `name`, `volledige_naam` and `aanvrager` that holds text.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from ..forms.validation import parse_date
from ..persistence.models import ProcessModel
from . import receipts

BIRTH_DATE_PROPERTY = "maatwerk:residentBirthDateField"
_NAME_FIELDS = ("naam", "name", "volledige_naam", "aanvrager")


def of(model: ProcessModel, data: dict[str, Any]) -> dict[str, Any]:
    """The case columns `resident_name`, `resident_email` and `resident_birth_date`."""
    address = receipts.address(model, data)
    return {"resident_name": name(data), "resident_email": address.lower() if address else None,
            "resident_birth_date": birth_date(model, data)}


def name(data: dict[str, Any]) -> str | None:
    for key in _NAME_FIELDS:
        if isinstance(data.get(key), str) and data[key].strip():
            return str(data[key]).strip()[:200]
    return None


def birth_date(model: ProcessModel, data: dict[str, Any]) -> date | None:
    value = data.get((model.properties or {}).get(BIRTH_DATE_PROPERTY) or "geboortedatum")
    try:
        return parse_date(value)
    except ValueError:
        return None


def changed(model: ProcessModel, before: dict[str, Any], after: dict[str, Any]
            ) -> dict[str, Any]:
    """The columns again when a step changed a field they are read from, else nothing."""
    keys = (*_NAME_FIELDS, (model.properties or {}).get(receipts.EMAIL_PROPERTY) or "email",
            (model.properties or {}).get(BIRTH_DATE_PROPERTY) or "geboortedatum")
    if all(before.get(key) == after.get(key) for key in keys):
        return {}
    return of(model, after)
