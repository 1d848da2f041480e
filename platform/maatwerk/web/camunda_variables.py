"""Camunda 7's REST variable format ({"name": {"value": ..., "type": ...}}) to and from the
case's plain data."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from ..services.errors import InvalidInput

_INTEGER_TYPES = ("integer", "long", "short")
MAX_INTEGER = 2**31 - 1


def to_camunda(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The case data as typed variables, as Camunda 7 sends them."""
    return {name: _typed(value) for name, value in data.items()}


def _typed(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "Null", "value": None, "valueInfo": {}}
    if isinstance(value, bool):
        return {"type": "Boolean", "value": value, "valueInfo": {}}
    if isinstance(value, int):
        kind = "Integer" if -MAX_INTEGER - 1 <= value <= MAX_INTEGER else "Long"
        return {"type": kind, "value": value, "valueInfo": {}}
    if isinstance(value, float):
        return {"type": "Double", "value": value, "valueInfo": {}}
    if isinstance(value, str):
        return {"type": "String", "value": value, "valueInfo": {}}
    return {"type": "Json", "value": json.dumps(value, ensure_ascii=False), "valueInfo": {}}


def from_camunda(variables: Any, field: str = "variables") -> dict[str, Any]:
    """Typed variables from a worker as plain values; a value whose type we cannot read is
    refused with its name (nothing of the request is used)."""
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise InvalidInput(f"'{field}' must be an object of variables.", {field: "Not an object."})
    plain: dict[str, Any] = {}
    for name, typed in variables.items():
        if not isinstance(typed, dict) or "value" not in typed:
            raise InvalidInput(f"Variable '{name}' must be an object with a 'value'.",
                               {f"{field}.{name}": "Expected {\"value\": ..., \"type\": ...}."})
        plain[name] = _plain(name, typed, field)
    return plain


def _plain(name: str, typed: dict[str, Any], field: str) -> Any:
    value, kind = typed["value"], str(typed.get("type") or "").lower()
    try:
        if value is None or kind == "null":
            return None
        if kind in ("", "object") and not isinstance(value, str):
            return value  # no type: Camunda takes the JSON value as it is
        if kind in ("string", ""):
            return str(value)
        if kind == "boolean":
            return _boolean(value)
        if kind in _INTEGER_TYPES:
            return int(value)
        if kind == "double":
            return float(value)
        if kind in ("json", "object"):
            return json.loads(value) if isinstance(value, str) else value
        if kind == "date":
            return datetime.fromisoformat(str(value).replace("Z", "+00:00")).isoformat()
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"Variable '{name}' is not a valid {typed.get('type')}: {exc}.",
                           {f"{field}.{name}": "Not a valid value of its type."}) from None
    raise InvalidInput(f"Variable '{name}' has type '{typed.get('type')}', which Maatwerk does "
                       "not store; use String, Boolean, Integer, Long, Double, Date or Json.",
                       {f"{field}.{name}": "Unsupported type."})


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError("expected true or false")
