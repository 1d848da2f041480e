"""Conditional events as Camunda 7 evaluates them: when a step changes variables, and
against the case's variables as they are then. A condition that reads a variable the case
does not have (yet) is not met (Camunda's `tryEvaluate`; scripting.py), rather than an
error.

The engine itself evaluates a waiting conditional event only against the data it had
when it began to wait, so a worker's or person's answer never met the condition of a
boundary event on the subprocess around the task: the subprocess ended first.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import event_subprocesses, tasktree


def catch_before(workflow: Any, step: SpiffTask) -> bool:
    """Before `step` goes on with the data just set on it: each waiting conditional event
    whose condition that data meets fires, with the case's data (an interrupting boundary
    event cancels what it is attached to). True when that cancelled `step`."""
    waiting_ones = _waiting_conditions(workflow)
    if not waiting_ones:
        return False
    data = {**event_subprocesses.current_data(workflow), **step.data}
    for waiting in waiting_ones:
        if waiting.state != TaskState.WAITING:  # cancelled by one that fired before
            continue
        kept = waiting.data
        waiting.data = deepcopy(data)
        waiting.task_spec._update(waiting)
        if waiting.state == TaskState.READY:
            waiting.run()
        else:
            waiting.data = kept
    return bool(step.has_state(TaskState.CANCELLED))


def _waiting_conditions(workflow: Any) -> list[SpiffTask]:
    return [task for owner in tasktree.owners(workflow.top_workflow)
            for task in owner.tasks.values() if task.state == TaskState.WAITING
            and isinstance(getattr(task.task_spec, "event_definition", None),
                           ConditionalEventDefinition)]
