"""The API's JSON (and the register's CSV) of cases, tasks, deviations and audit events."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from ..domain.dutch_dates import AMSTERDAM
from ..services import deviations, messages
from ..services.steps import StepOutcome
from .i18n import deviation_label, status_label
from .people import person


class OpenTask(Protocol):
    """What a case's summary shows of each open task (a task row or a task)."""

    @property
    def id(self) -> str: ...
    @property
    def element_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def candidate_groups(self) -> str: ...
    @property
    def assignee(self) -> str | None: ...
    @property
    def kind(self) -> str: ...


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def case(outcome: StepOutcome, contents: bool = True) -> dict[str, Any]:
    """The case as the API shows it, with its open tasks; without its data for someone who
    may only see how it stands (a counter clerk: services/case_access.sees_contents)."""
    found, model = outcome.case, outcome.case.process_model
    shown = {
        "id": found.id, "reference": found.reference, "status": found.status,
        "process_key": model.key, "process_version": model.version,
        "process_name": model.name, "channel": found.channel, "data": found.data,
        "error": found.error, "created_at": found.created_at.isoformat(),
        "completed_at": _iso(found.completed_at), "next_timer_at": _iso(found.next_timer_at),
        "due_at": _iso(found.due_at), "deadline_suspended": found.suspended_since is not None,
        "open_tasks": [open_task(t) for t in outcome.open_tasks],
        "waiting_for_messages": messages.waits_of(found),
    }
    if not contents:
        del shown["data"]
    return shown


def open_task(task: OpenTask) -> dict[str, Any]:
    return {"id": task.id, "element_id": task.element_id, "name": task.name,
            "candidate_groups": _split(task.candidate_groups), "assignee": task.assignee,
            "kind": task.kind}


def incident(found: Any) -> dict[str, Any]:
    """An external task that failed with no retries left (external_task_failures.py)."""
    return {"task_id": found.task_id, "element_id": found.element_id, "name": found.name,
            "topic": found.topic, "error_message": found.error_message}


def task(found: Any) -> dict[str, Any]:
    """A task (persistence Task) as the API shows it."""
    return {"id": found.id, "case_id": found.case_id, "element_id": found.element_id,
            "name": found.name, "state": found.state,
            "candidate_groups": _split(found.candidate_groups),
            "candidate_users": _split(found.candidate_users),
            "assignee": found.assignee, "kind": found.kind,
            "instructions": found.instructions, "blocks_task_id": found.blocks_task_id,
            "created_at": found.created_at.isoformat()}


#: what only people who work cases read of a deviation: whose case, what it changed and why
PERSONAL = ("case_id", "case_reference", "task_id", "values", "before", "after", "reason",
            "resident_message", "decision_comment")


def deviation(found: Any, personal: bool = True) -> dict[str, Any]:
    """A deviation (persistence Deviation) with its case's reference and process; without
    `personal`, only what a designer analysing the process needs (no resident's data)."""
    shown = _deviation(found)
    return shown if personal else {k: v for k, v in shown.items() if k not in PERSONAL}


def _deviation(found: Any) -> dict[str, Any]:
    owner = found.case
    return {
        "id": found.id, "case_id": found.case_id,
        "case_reference": owner.reference if owner is not None else None,
        "process_key": owner.process_model.key if owner is not None else None,
        "type": found.type, "status": found.status, "task_id": found.task_id,
        "element_id": found.element_id, "target_element_id": found.target_element_id,
        "values": found.values, "before": found.before, "after": found.after,
        "reason": found.reason, "legal_basis": found.legal_basis,
        "citation": found.citation, "resident_message": found.resident_message,
        "requested_by": found.requested_by, "requested_at": _iso(found.requested_at),
        "decided_by": found.decided_by, "decided_at": _iso(found.decided_at),
        "decision_comment": found.decision_comment, "fields": _fields(found),
        "expected": _expected(found),
    }


def _expected(found: Any) -> dict[str, Any] | None:
    """What approval was expected to do when the request was asked (no resident's text)."""
    kept = deviations.expected(found) if found.case is not None else None
    if kept is None:
        return None
    return {"open_after": kept.open_after, "due_at": _iso(kept.due_at),
            "case_changed": kept.case_changed}


def _fields(found: Any) -> list[str]:
    """The data field a correction changes, or the outcome an override sets (their names
    only: what a designer may read too)."""
    if found.type in ("correct_data", "override_decision"):
        return sorted(found.values or {})
    return []


def event(found: Any) -> dict[str, Any]:
    """An audit event (persistence AuditEvent)."""
    return {"id": found.id, "at": found.occurred_at.isoformat(), "actor": found.actor,
            "action": found.action, "case_id": found.case_id, "task_id": found.task_id,
            "result": found.result, "channel": found.channel, "details": found.details,
            "hash": found.hash}


#: the register's spreadsheet: (heading, key of the deviation's JSON); the personal ones
#: only for people who work cases (PERSONAL)
REGISTER_COLUMNS = [
    ("Nummer", "id"), ("Zaak", "case_reference"), ("Proces", "process_key"),
    ("Stap", "element_id"), ("Naar stap", "target_element_id"), ("Soort", "type"),
    ("Status", "status"), ("Grondslag", "legal_basis"), ("Artikel", "citation"),
    ("Reden", "reason"), ("Aangevraagd door", "requested_by"),
    ("Aangevraagd op", "requested_at"), ("Besloten door", "decided_by"),
    ("Besloten op", "decided_at"), ("Toelichting bij het besluit", "decision_comment"),
    ("Gewijzigd veld", "fields"), ("Was", "before"), ("Wordt", "after")]


def register_csv(items: Sequence[dict[str, Any]], personal: bool) -> str:
    """The deviation register as a spreadsheet opens it in Dutch Excel: UTF-8 with a byte
    order mark, `;` between cells, Dutch headings, dates as dd-mm-jjjj uu:mm in Dutch time;
    types and statuses by their Dutch names, people by theirs. Every cell goes through
    csv_cell."""
    columns = [(heading, key) for heading, key in REGISTER_COLUMNS
               if personal or key not in PERSONAL]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([heading for heading, _ in columns])
    for item in items:
        writer.writerow([csv_cell(_words(key, item.get(key))) for _, key in columns])
    return "\ufeff" + buffer.getvalue()


def _words(key: str, value: Any) -> Any:
    """A register value as people read it in a spreadsheet cell."""
    if value is None or value == "" or value == [] or value == {}:
        return ""
    if key == "type":
        return deviation_label(value)
    if key == "status":
        return status_label(value)
    if key in ("requested_by", "decided_by"):
        return person(value)
    if key.endswith("_at"):
        return f"{datetime.fromisoformat(value).astimezone(AMSTERDAM):%d-%m-%Y %H:%M}"
    if key == "fields":
        return ", ".join(value)
    if isinstance(value, dict):
        if len(value) == 1:
            return _cell_value(next(iter(value.values())))
        return "; ".join(f"{name}: {_cell_value(v)}" for name, v in value.items())
    return value


def _cell_value(value: Any) -> Any:
    return value if isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text, never runs as a formula: text that starts like
    one (=, +, -, @, tab, carriage return) gets a leading apostrophe (OWASP's advice).
    Every CSV export writes its cells through this."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def note(found: Any) -> dict[str, Any]:
    """A note or contact moment on a case (services/case_notes.py NoteView)."""
    return {"id": found.id, "kind": found.kind, "text": found.text, "author": found.author,
            "created_at": _iso(found.created_at), "channel": found.channel,
            "contact_with": found.contact_with, "contact_at": _iso(found.contact_at)}


def team_dashboard(board: Any) -> dict[str, Any]:
    """The team dashboard's figures as JSON, moments and days in ISO 8601 (no team: none)."""
    def plain(value: Any) -> Any:
        if isinstance(value, date):  # a datetime too
            return value.isoformat()
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return value
    if board is None:
        return {"group": None, "teams": []}
    found: dict[str, Any] = plain(dataclasses.asdict(board))
    found["approval_ages"] = [{"age": label, "count": count}
                              for label, count in board.approval_ages]
    return found
