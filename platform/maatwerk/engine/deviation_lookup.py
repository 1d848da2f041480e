"""The elements of a process and the task instances of a case, as deviations see them.

Shared by every deviation strategy (deviations.py): finding an element's spec by its BPMN
id and naming its BPMN type, telling the tasks a case can stand still at from events,
gateways and subprocesses, finding the instances of an element in a given state, the open
task a deviation starts from, and the refusal every check raises: DeviationNotApplicable.
"""
from __future__ import annotations

from collections import deque
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins import (
    ManualTaskMixin,
    NoneTaskMixin,
    ScriptTaskMixin,
    UserTaskMixin,
)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import runtime

UNDER_WAY = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
PENDING = TaskState.READY | TaskState.ERROR
TASK_SPECS = (UserTaskMixin, ManualTaskMixin, NoneTaskMixin, ScriptTaskMixin,
              BusinessRuleTaskMixin)
# engine class names that differ from the BPMN element names
BPMN_NAMES = {"NoneTask": "Task", "TransactionSubprocess": "Transaction"}


class DeviationNotApplicable(Exception):
    """The deviation does not fit the case as it is now; str() says why, naming the element."""



def all_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    """Every task instance of the case, in its subprocesses too."""
    return runtime._all_tasks(workflow)


def element_of(task: SpiffTask) -> str:
    """The BPMN id of the element a task instance is of ('' for the engine's own)."""
    return getattr(task.task_spec, "bpmn_id", None) or ""


def find_spec(workflow: BpmnWorkflow, element_id: str) -> Any:
    """The task spec of an element, in the process or one of its subprocesses."""
    for process in [workflow.spec, *workflow.subprocess_specs.values()]:
        for spec in process.task_specs.values():
            if getattr(spec, "bpmn_id", None) == element_id:
                return spec
    return None


def known_spec(workflow: BpmnWorkflow, element_id: str) -> Any:
    """find_spec, refusing an element the process does not have."""
    spec = find_spec(workflow, element_id)
    if spec is None:
        raise DeviationNotApplicable(f"{element_id} is not an element of this process")
    return spec


def bpmn_kind(spec: Any) -> str:
    """The BPMN type of a spec, as designers know it ('UserTask', 'SubProcess', ...)."""
    name = type(spec).__name__
    if isinstance(spec, SubWorkflowTask) and getattr(spec, "spec", None) == spec.bpmn_id:
        return "SubProcess"  # an embedded subprocess (its spec is named after it)
    return BPMN_NAMES.get(name, name)


def is_task(spec: Any) -> bool:
    """A task a case can stand still at, be sent back to or jump to (no events, gateways,
    subprocesses or multi-instance tasks)."""
    return bool(getattr(spec, "bpmn_id", None)) and isinstance(spec, TASK_SPECS)


def spec_name(spec: Any) -> str:
    """How a message names a step: its BPMN id, else the engine's name for it."""
    return str(getattr(spec, "bpmn_id", None) or spec.name)


def instances(workflow: BpmnWorkflow, element_id: str, state: int) -> list[SpiffTask]:
    """The instances of an element in one of the given states, oldest change first."""
    found = [t for t in all_tasks(workflow) if element_of(t) == element_id and t.has_state(state)]
    return sorted(found, key=lambda t: t.last_state_change)


def refuse_if_ended(workflow: BpmnWorkflow) -> None:
    """A deviation needs a running case."""
    if workflow.is_completed():
        raise DeviationNotApplicable("the case has ended; a deviation needs a running case")


def open_task(workflow: BpmnWorkflow, task_id: str) -> SpiffTask:
    """The READY user/manual task with this id, or a refusal saying why it is not."""
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None:
        raise DeviationNotApplicable(f"task {task_id} is not part of this case")
    element = element_of(task) or task.task_spec.name
    if not task.task_spec.manual:
        raise DeviationNotApplicable(f"{element} runs by itself; it is not a step people do")
    if task.state != TaskState.READY:
        when = "yet" if task.has_state(TaskState.NOT_FINISHED_MASK) else "any more"
        raise DeviationNotApplicable(f"{element} is not open {when}")
    return task


def given_values(values: dict[str, Any]) -> dict[str, Any]:
    """The values given with a deviation as plain data with text keys (at least one)."""
    if not isinstance(values, dict) or not values:
        raise DeviationNotApplicable("no values were given")
    return runtime._plain({str(k): v for k, v in values.items()})



def downstream_specs(spec: Any) -> set[Any]:
    """Every spec that can follow this one in its (sub)process."""
    seen: set[Any] = set()
    queue = deque(spec.outputs)
    while queue:
        current = queue.popleft()
        if current not in seen:
            seen.add(current)
            queue.extend(current.outputs)
    return seen
