"""The messages open cases wait for (Case.waiting_messages), for correlation and for
Camunda's event subscriptions."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .case_variables import variable_equals
from .models import Case, ProcessModel


@dataclass(frozen=True)
class Waiting:
    """An open case that waits for one or more messages."""

    case_id: int
    reference: str
    data: dict[str, Any]
    messages: list[dict[str, str]]  # {"name", "element_id"}
    process_key: str
    process_model_id: int
    version: int
    updated_at: datetime


def as_column(messages: list[dict[str, str]]) -> str | None:
    """The column's text for these waiting messages (None: none)."""
    if not messages:
        return None
    return json.dumps(messages, ensure_ascii=False, separators=(",", ":"))


def read_column(text: str | None) -> list[dict[str, str]]:
    """The waiting messages from the column's text."""
    found: list[dict[str, str]] = json.loads(text) if text else []
    return found


def waiting(session: Session, name: str | None = None, case_id: int | None = None,
            reference: str | None = None, keys: dict[str, Any] | None = None,
            limit: int = 1000) -> list[Waiting]:
    """Open cases that wait for a message (of this name), oldest first; `keys`: case
    variables that must have these values (text, numbers and booleans are compared in the
    query, so the limit never hides the one case they name)."""
    query = (select(Case.id, Case.reference, Case.data, Case.waiting_messages, Case.updated_at,
                    ProcessModel.key, ProcessModel.id.label("model_id"), ProcessModel.version)
             .join(ProcessModel, ProcessModel.id == Case.process_model_id)
             .where(Case.status == "open", Case.waiting_messages.is_not(None)))
    if name is not None:  # a cheap filter on the text; the exact test follows below
        query = query.where(Case.waiting_messages.contains(
            '"name":' + json.dumps(name, ensure_ascii=False), autoescape=True))
    if case_id is not None:
        query = query.where(Case.id == case_id)
    if reference is not None:
        query = query.where(Case.reference == reference)
    for variable, value in (keys or {}).items():
        query = query.where(variable_equals(variable, value))
    found = []
    for row in session.execute(query.order_by(Case.id).limit(limit)):
        messages = [m for m in read_column(row.waiting_messages)
                    if name is None or m["name"] == name]
        if messages and all(row.data and variable in row.data and row.data[variable] == value
                            for variable, value in (keys or {}).items()):
            found.append(Waiting(row.id, row.reference, row.data or {}, messages, row.key,
                                 row.model_id, row.version, row.updated_at))
    return found
