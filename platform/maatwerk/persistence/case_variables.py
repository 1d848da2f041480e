"""Conditions on a case's variables (its JSON data), the same on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, true

from .models import Case

PLAIN = (str, int, float, bool)  # what variable_equals compares in the query


def variable_equals(variable: str, value: Any) -> ColumnElement[bool]:
    """A case variable equal to a text, number or boolean; true for other values, which
    the caller compares after reading."""
    field = Case.data[variable]
    condition: ColumnElement[bool] = true()
    if isinstance(value, bool):
        condition = field.as_boolean() == value
    elif isinstance(value, int):
        condition = field.as_integer() == value
    elif isinstance(value, float):
        condition = field.as_float() == value
    elif isinstance(value, str):
        condition = field.as_string() == value
    return condition
