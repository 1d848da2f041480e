"""Timers that express the legal decision term follow the case's decision date.

A model marks such a timer with the property `maatwerk:followsDecisionDate` = true: the
escalation when the term has passed, say, on a boundary of the whole treatment. Camunda
would wait its own duration (P8W from when it started); here it fires at the case's decision
date (services/deadlines.py), and so it moves with it: it is held while the term stands
still (the resident was asked for information, art. 4:15 Awb) and set to the new date when
the clock runs again or the term is extended (an approved deviation, art. 4:14 Awb).

A timer is set when it starts waiting and when the decision date changes, not in between:
an administrator who moves it by hand (services/timers.reschedule) is not overruled until
the date changes again. The date it was last set to is kept with the timer (FOLLOWED).
"""
from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from . import tasktree

HELD = datetime(9999, 12, 31, tzinfo=UTC).isoformat()  # while the term stands still
FOLLOWED = "maatwerk_followed"


def follow(workflow: BpmnWorkflow, element_ids: Collection[str], due: datetime | None) -> bool:
    """Set the waiting timers of these elements to `due` (None: held while the term stands
    still) where they were not set to it yet; whether any changed."""
    target = due.isoformat() if due is not None else HELD
    changed = False
    for task in tasktree.waiting_timers(workflow):
        if task.task_spec.bpmn_id in element_ids and \
                task.internal_data.get(FOLLOWED) != target:
            task.internal_data["event_value"] = target
            task.internal_data[FOLLOWED] = target
            changed = True
    return changed


def is_held(value: str) -> bool:
    """A timer's due moment that only says: not while the term stands still."""
    return value == HELD
