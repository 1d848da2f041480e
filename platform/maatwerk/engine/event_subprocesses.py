"""Event subprocesses as Camunda 7 runs them: one that starts on an error, an escalation or
a message (or a timer, as before) runs with the case's data as it is at that moment; an
interrupting one ends everything else the process was doing; what a non-interrupting one
changes is seen by the rest of the case, whose variables are one set, as in Camunda.

The engine's own event subprocesses start only on a timer here (its Camunda task parser
reads none; its start event parser reads no error or escalation), start with the data the
case had at its start, and a triggered one wires itself into the shared, cached process
spec, after which every new case would start it. This module gives the engine the pieces it
lacks; the parsers that use them are in camunda.py.
"""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.parser.event_parsers import (
    CONDITIONAL_EVENT_XPATH,
    ERROR_EVENT_XPATH,
    ESCALATION_EVENT_XPATH,
    MESSAGE_EVENT_XPATH,
    SIGNAL_EVENT_XPATH,
    TIMER_EVENT_XPATH,
)
from SpiffWorkflow.bpmn.specs.defaults import EventSubprocess, StartEvent
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.camunda.parser.task_spec import SubWorkflowParser
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import tasktree

BY_MESSAGE = "maatwerk:by_message"  # on a case's root task: a message starts the case
BY_TIMER = "maatwerk:by_timer"  # on a case's root task: the timer start event that starts it
STARTED_WITH = "maatwerk:started_with"  # on an event subprocess task: the data it began with
INTERRUPTED = "maatwerk:interrupted"  # on an event subprocess task that ended all the rest
START_EVENTS = [MESSAGE_EVENT_XPATH, SIGNAL_EVENT_XPATH, TIMER_EVENT_XPATH,
                CONDITIONAL_EVENT_XPATH, ERROR_EVENT_XPATH, ESCALATION_EVENT_XPATH]
_UNDER_WAY = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class CaseEventSubprocess(EventSubprocess):
    """An event subprocess (triggeredByEvent): when its start event fires it takes the
    case's data as it is then; a non-interrupting one hands what it changed to the rest of
    the case when it ends."""

    def _on_subworkflow_completed(self, subworkflow: Any, my_task: SpiffTask) -> None:
        super()._on_subworkflow_completed(subworkflow, my_task)
        started_with = my_task.internal_data.pop(STARTED_WITH, None)
        if started_with is None:
            return
        changed = {name: value for name, value in my_task.data.items()
                   if name not in started_with or started_with[name] != value}
        for task in under_way(my_task.workflow):
            if task is not my_task:
                task.data.update(deepcopy(changed))


class CaseStartEvent(StartEvent):
    """A start event that knows whether it interrupts (isInterrupting); in an event
    subprocess, when it fires, it takes the case's data and, if it interrupts, ends
    everything else the process does (its other event subprocesses too)."""

    interrupting = True

    def _update_hook(self, my_task: SpiffTask) -> Any:
        """A plain start event of the process waits when a message or a timer starts the
        case: that start event fires, and the engine then cancels this one. A timer start
        event of the process fires only in the case its clock started (start_clock.py),
        at once; in every other case it waits and is cancelled the same way."""
        workflow = my_task.workflow
        if workflow is not workflow.top_workflow:
            return super()._update_hook(my_task)
        started = workflow.task_tree.internal_data
        if isinstance(self.event_definition, TimerEventDefinition):
            if started.get(BY_TIMER) != self.bpmn_id:
                my_task._set_state(TaskState.WAITING)
                return None
            my_task._set_internal_data(event_fired=True)
        elif isinstance(self.event_definition, NoneEventDefinition) and \
                (started.get(BY_MESSAGE) or started.get(BY_TIMER)):
            my_task._set_state(TaskState.WAITING)
            return None
        return super()._update_hook(my_task)

    def _predict_hook(self, my_task: SpiffTask) -> None:
        """A cycle timer start event of the process goes on like any other start event: the
        platform's clock repeats it by starting a new case each time, not the case itself."""
        if isinstance(self.event_definition, CycleTimerEventDefinition) and \
                my_task.workflow is my_task.workflow.top_workflow:
            super(CatchingEvent, self)._predict_hook(my_task)
        else:
            super()._predict_hook(my_task)

    def _run_hook(self, my_task: SpiffTask) -> bool:
        owner = event_subprocess_task(my_task)
        if owner is not None:
            data = current_data(owner.workflow, leaving_out=owner)
            owner.internal_data[STARTED_WITH] = deepcopy(data)
            my_task.set_data(**deepcopy(data))
            if self.interrupting:
                owner.internal_data[INTERRUPTED] = True
                interrupt(owner)
        result: bool = super()._run_hook(my_task)
        return result


class EventSubprocessParser(SubWorkflowParser):
    """An embedded subprocess; with triggeredByEvent an event subprocess."""

    def create_task(self) -> Any:
        if self.node.get("triggeredByEvent") == "true":
            self.spec_class = CaseEventSubprocess
        return super().create_task()


def read_start_event(parser: Any) -> CaseStartEvent:
    """The start event a StartEventParser reads, with error and escalation triggers too."""
    task: CaseStartEvent = parser._create_task(parser.get_event_definition(START_EVENTS))
    parser.spec.start.connect(task)
    task.interrupting = parser.node.get("isInterrupting", "true").lower() != "false"
    return task


def prewire_triggers(spec: Any) -> None:
    """Connect the process's triggered event subprocesses (message, error, escalation or
    signal starts) to its start and end once, when parsed: the engine would do it on the
    first trigger, in the cached spec every later case shares, which then starts them all
    with the case and never ends."""
    start, end = spec.start, spec.end
    for name in start.trigger_specs:
        task_spec = spec.task_specs[name]
        if start not in task_spec.inputs:
            task_spec.inputs = [*task_spec.inputs, start]  # a property: set, not appended
        if end not in task_spec.outputs:
            task_spec.connect(end)


def message_starts(workflow: Any) -> list[dict[str, str]]:
    """The message start events of the process's event subprocesses that a message may
    start now (name and element id): while the case runs, and until an interrupting event
    subprocess has ended everything else."""
    if workflow.is_completed() or any(
            task.internal_data.get(INTERRUPTED) and not task.has_state(TaskState.CANCELLED)
            for task in workflow.tasks.values()):
        return []
    found = []
    for name in workflow.spec.start.trigger_specs:
        subprocess_spec = workflow.subprocess_specs.get(name)
        for start in getattr(subprocess_spec, "bpmn_start_events", []):
            definition = start.event_definition
            if isinstance(definition, MessageEventDefinition):
                found.append({"name": definition.name, "element_id": start.bpmn_id})
    return found


def event_subprocess_task(my_task: SpiffTask) -> SpiffTask | None:
    """The event subprocess task whose subprocess `my_task` is in (None: it is not)."""
    workflow = my_task.workflow
    parent_id = getattr(workflow, "parent_task_id", None)
    if parent_id is None:
        return None
    parent = workflow.top_workflow.get_task_from_id(parent_id)
    return parent if isinstance(parent.task_spec, CaseEventSubprocess) else None


def interrupt(owner: SpiffTask) -> None:
    """Everything in the event subprocess's process that is not yet finished is cancelled
    (with its subprocesses), except the event subprocess itself and what comes after it."""
    workflow = owner.workflow
    keep = {owner.id}
    above = owner.parent
    while above is not None:
        keep.add(above.id)
        above = above.parent
    for task in list(workflow.tasks.values()):
        if task.id in keep or task.id not in workflow.tasks or _below(task, owner):
            continue
        if not task.has_state(TaskState.FINISHED_MASK):
            task.cancel()


def _below(task: SpiffTask, owner: SpiffTask) -> bool:
    above = task.parent
    while above is not None:
        if above is owner:
            return True
        above = above.parent
    return False


def under_way(workflow: Any, leaving_out: SpiffTask | None = None) -> list[SpiffTask]:
    """The tasks of this workflow and its subprocesses that are ready, waiting or running
    (without the task `leaving_out` and what runs inside it)."""
    top = workflow.top_workflow
    inner = top.subprocesses.get(leaving_out.id) if leaving_out is not None else None
    owners = [owner for owner in tasktree.owners(top)
              if (owner is workflow or _inside(owner, workflow))
              and not (inner is not None and (owner is inner or _inside(owner, inner)))]
    return [task for owner in owners for task in owner.tasks.values()
            if task.has_state(_UNDER_WAY) and getattr(task.task_spec, "bpmn_id", None)
            and task is not leaving_out]


def current_data(workflow: Any, leaving_out: SpiffTask | None = None) -> dict[str, Any]:
    """The data of the case as it is now: what the steps under way know, the most recent
    last; what the last finished step knew when none is under way."""
    merged: dict[str, Any] = {}
    for task in sorted(under_way(workflow, leaving_out), key=lambda t: t.last_state_change):
        merged.update(task.data)
    if not merged and workflow.last_task is not None:
        merged.update(workflow.last_task.data)
    return merged


def _inside(owner: Any, workflow: Any) -> bool:
    current = owner
    while getattr(current, "parent_task_id", None) is not None:
        current = current.parent_workflow
        if current is workflow:
            return True
    return False
