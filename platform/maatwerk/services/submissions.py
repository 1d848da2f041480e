"""What a start or task form accepts of the data sent with it."""
from __future__ import annotations

import json
from typing import Any

from ..forms.model import FormDefinition
from ..forms.validation import validate_submission
from .errors import InvalidInput

MAX_FREE_DATA_BYTES = 256 * 1024


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
                           dict.fromkeys(map(str, bad), "Use letters, digits and '_' (not first)."))
    if len(json.dumps(data, default=str)) > MAX_FREE_DATA_BYTES:
        raise InvalidInput("Too much data.", {"data": "At most 256 KiB."})
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return result
