"""Running one case: start, complete a task, fire timers — and report what happened."""
from __future__ import annotations

import json
from copy import deepcopy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import (
    assignments,
    conditions,
    decision_timers,
    event_subprocesses,
    history,
    sandbox,
    serialization,
    tasktree,
)
from .error_events import ThrownError
from .scripting import SCRIPT_ENGINE


class TaskNotOpen(LookupError):
    """The task is not (or no longer) waiting for a person."""


class StepRefused(ValueError):
    """The engine can't take the step (e.g. an output mapping fails on what a person or
    worker sent): nothing of it may be kept. `element_id` names where."""

    def __init__(self, element_id: str, message: str) -> None:
        super().__init__(f"{element_id}: {message}")
        self.element_id = element_id
        self.message = message


class MessageNotWaited(LookupError):
    """The case waits for no message of this name (any more)."""


class ErrorNotCaught(LookupError):
    """No boundary error event catches this error code at the task (or around it)."""


@dataclass(frozen=True)
class ReadyTask:
    id: str
    element_id: str
    name: str
    data: dict[str, Any]


@dataclass(frozen=True)
class AutomaticStep:
    element_id: str
    name: str
    kind: str  # the BPMN element type, or 'timer' for a timer that fired
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class StepResult:
    """The state after a step, and what the engine did by itself on the way."""

    state: str
    completed: bool
    data: dict[str, Any]
    ready: list[ReadyTask]
    next_timer_at: datetime | None
    steps: list[AutomaticStep] = field(default_factory=list)
    failure: tuple[str, str] | None = None  # element id, message
    # the messages the case waits for: [{"name", "element_id"}] (messages.py correlates)
    messages: list[dict[str, str]] = field(default_factory=list)
    # the workflow the state was dumped from (a timer to set after the step: deadlines.py)
    workflow: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class SpecBundle:
    spec: Any
    subprocess_specs: dict[str, Any]


def start(bundle: SpecBundle, data: dict[str, Any], by_message: bool = False,
          by_timer: str | None = None) -> tuple[BpmnWorkflow, StepResult]:
    """A new case, run to its first wait. `by_message`: a message starts it (deliver it
    next), so a plain start event beside the message's does not (event_subprocesses.py);
    `by_timer`: the id of the timer start event whose clock starts it (start_clock.py)."""
    workflow = BpmnWorkflow(bundle.spec, bundle.subprocess_specs, script_engine=SCRIPT_ENGINE)
    if by_message:
        workflow.task_tree.internal_data[event_subprocesses.BY_MESSAGE] = True
    if by_timer:
        workflow.task_tree.internal_data[event_subprocesses.BY_TIMER] = by_timer
    for task in _ready(workflow, manual=None):
        task.set_data(**_plain(data))
    return workflow, _advance(workflow)


def load(bundle: SpecBundle, state: str) -> BpmnWorkflow:
    return serialization.load(state, bundle.spec, bundle.subprocess_specs, SCRIPT_ENGINE)


def complete(workflow: BpmnWorkflow, task_id: str, data: dict[str, Any]) -> StepResult:
    task = _ready_task(workflow, task_id)
    task.set_data(**_plain(data))
    try:
        if not conditions.catch_before(workflow, task):
            task.run()
    except (SpiffWorkflowException, sandbox.SandboxError) as exc:
        raise StepRefused(*_describe_failure(exc)) from exc
    return _advance(workflow)


def fire_timers(workflow: BpmnWorkflow) -> StepResult:
    return _advance(workflow)


def retry(workflow: BpmnWorkflow) -> StepResult:
    """Run the steps that failed again (after the cause was mended), then go on.

    Each failed step is reset where it is: an enclosing subprocess and its boundary events
    (the decision term) and the step's own boundary timers keep running as they were."""
    for task in _all_tasks(workflow):
        if task.state == TaskState.ERROR and task.id in task.workflow.tasks:
            tasktree.reset_in_place(workflow, task, with_boundary=False)
    tasktree.forget_removed(workflow)
    return _advance(workflow)


def throw_error(workflow: BpmnWorkflow, task_id: str, code: str,
                data: dict[str, Any], message: str | None = None) -> StepResult:
    """A BPMN error with this code at a waiting task (an external worker's bpmnError): a
    boundary error event that catches it takes over, with `data` added to the case's; the
    task ends. Raises ErrorNotCaught, changing nothing, when no boundary event catches it
    (the engine would otherwise only note it as an event for the outside world). The
    catching event may keep the code and `message` in variables (error_events.py)."""
    task = _ready_task(workflow, task_id)
    payload = deepcopy(task.data)
    payload.update(data)
    uncaught = len(workflow.bpmn_events)
    event = BpmnEvent(ThrownError(code, message), payload=payload, target=task.workflow)
    task.workflow.top_workflow.catch(event)
    if len(workflow.bpmn_events) > uncaught:
        raise ErrorNotCaught(code)
    return _advance(workflow)


def deliver_message(workflow: BpmnWorkflow, name: str, data: dict[str, Any]) -> StepResult:
    """A message from outside: every event of the case that waits for a message of this
    name catches it, with `data` added to the case's; raises MessageNotWaited, changing
    nothing, when none waits."""
    event = BpmnEvent(MessageEventDefinition(name), payload=_plain(data))
    if workflow.event_manager.catch(event, internal=False) == 0:
        raise MessageNotWaited(name)
    return _advance(workflow)


def assigned(workflow: BpmnWorkflow, element_id: str) -> StepResult | None:
    """The user task got an assignee: its assignment listeners run (assignments.py); None
    when none waits to."""
    event = BpmnEvent(MessageEventDefinition(assignments.message_name(element_id)),
                      payload={})
    if workflow.event_manager.catch(event, internal=False) == 0:
        return None
    return _advance(workflow)


def waiting_messages(workflow: BpmnWorkflow) -> list[dict[str, str]]:
    """The message events that wait now: their message name and element id."""
    found = []
    for task in workflow.event_manager.tasks.values():
        if task.state != TaskState.WAITING:
            continue
        spec = task.task_spec
        definition = getattr(spec, "event_definition", None)
        # an event-based gateway holds the definitions of the events it leads to, in order
        pairs = zip(spec.outputs, definition.event_definitions, strict=False) \
            if isinstance(definition, MultipleEventDefinition) else [(spec, definition)]
        for waiting, each in pairs:
            if isinstance(each, MessageEventDefinition) and not assignments.is_internal(
                    each.name):
                found.append({"name": each.name, "element_id": waiting.bpmn_id})
    found += [wait for wait in event_subprocesses.message_starts(workflow)
              if wait not in found and not assignments.is_internal(wait["name"])]
    return sorted(found, key=lambda m: (m["name"], m["element_id"]))


def _ready_task(workflow: BpmnWorkflow, task_id: str) -> SpiffTask:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        raise TaskNotOpen(task_id) from None
    if task is None or task.state != TaskState.READY or not task.task_spec.manual:
        raise TaskNotOpen(task_id)
    return task


def _advance(workflow: BpmnWorkflow) -> StepResult:
    steps: list[AutomaticStep] = []

    def did_complete(task: SpiffTask) -> None:
        spec = task.task_spec
        if workflow.subprocesses and getattr(spec, "cancel_activity", False):
            tasktree.forget_orphans(workflow)  # (tasktree.py)
        if getattr(spec, "bpmn_id", None):
            timer = isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)
            variable = getattr(spec, "result_variable", None)
            detail = _plain({variable: task.data.get(variable)}) if variable else {}
            steps.append(AutomaticStep(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id,
                                       "timer" if timer else type(spec).__name__, detail))

    failure = None
    try:
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=did_complete)
    except (SpiffWorkflowException, sandbox.SandboxError) as exc:
        failure = _describe_failure(exc)
    history.compact(workflow)  # a long-running case keeps a short tree (history.py)
    return _result(workflow, steps, failure)


def _describe_failure(exc: Exception) -> tuple[str, str]:
    task = getattr(exc, "task", None)
    spec = getattr(exc, "task_spec", None) or (task.task_spec if task is not None else None)
    element = getattr(spec, "bpmn_id", None) or getattr(spec, "name", "") or ""
    message = str(exc).split("\n")[0].strip()
    for prefix in ("SandboxError:", "WorkflowTaskException:"):
        message = message.removeprefix(prefix).strip()
    notes = [n for n in getattr(exc, "__notes__", []) if n]
    if notes:
        message = f"{message} ({'; '.join(notes)})"
    return element, message


def _result(workflow: BpmnWorkflow, steps: list[AutomaticStep],
            failure: tuple[str, str] | None) -> StepResult:
    ready = [ReadyTask(str(t.id), t.task_spec.bpmn_id, t.task_spec.bpmn_name or
                       t.task_spec.bpmn_id, _plain(t.data))
             for t in _ready(workflow, manual=True)]
    completed = workflow.is_completed() and failure is None
    if failure is None and not completed:
        failure = _stalled(workflow)
    return StepResult(
        state=serialization.dump(workflow), completed=completed,
        data=_case_data(workflow, completed), ready=ready,
        next_timer_at=next_timer(workflow), steps=steps, failure=failure,
        messages=waiting_messages(workflow), workflow=workflow)


def _stalled(workflow: BpmnWorkflow) -> tuple[str, str] | None:
    """Why a case that did not finish waits for nothing, if it does: the engine stopped
    with automatic steps still to run (it loses sight of them after some hundreds of rounds
    of a loop of automatic steps), or nothing is open, waiting or running at all. Such a
    case is an error case, visible and retryable, never 'open' for ever in silence."""
    tasks = _all_tasks(workflow)
    left = [t for t in tasks if t.state == TaskState.READY and not t.task_spec.manual]
    if left:
        spec = left[0].task_spec
        return (getattr(spec, "bpmn_id", None) or spec.name,
                ("the case went round and round through automatic steps without stopping at "
                "a task, timer or message (an endless loop?), and was halted here"))
    if any(t.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED) for t in tasks):
        return None
    return ("", ("the case stopped with nothing to wait for: no open task, timer or message, "
                "and it did not reach an end event"))


def _all_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    tasks = list(workflow.tasks.values())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return tasks


def _ready(workflow: BpmnWorkflow, manual: bool | None) -> list[SpiffTask]:
    found = [t for t in _all_tasks(workflow) if t.state == TaskState.READY
             and (manual is None or bool(t.task_spec.manual) == manual)]
    return sorted(found, key=lambda t: t.last_state_change)


def _case_data(workflow: BpmnWorkflow, completed: bool) -> dict[str, Any]:
    """The case's data: what the last completed step knew, merged with what is under way."""
    if completed:
        return _plain(workflow.data or (workflow.last_task.data if workflow.last_task else {}))
    return _plain(event_subprocesses.current_data(workflow))


def waiting_timers(workflow: BpmnWorkflow) -> dict[str, datetime]:
    """Element id -> due moment of every timer that is waiting now."""
    found: dict[str, datetime] = {}
    for task in tasktree.waiting_timers(workflow):
        value = task.internal_data["event_value"]
        if not decision_timers.is_held(value):
            try:
                found[task.task_spec.bpmn_id] = TimerEventDefinition.get_datetime(value)
            except (ValueError, TypeError):
                continue
    return found


def next_timer(workflow: BpmnWorkflow) -> datetime | None:
    """When the case's next timer is due (None: none waits, or only held ones)."""
    due = []
    for event in workflow.waiting_events():
        if "Timer" in str(event.event_type) and isinstance(event.value, str) and \
                not decision_timers.is_held(event.value):
            try:
                due.append(TimerEventDefinition.get_datetime(event.value))
            except (ValueError, TypeError):
                continue
    return min(due) if due else None


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """A deep, JSON-safe copy: task data must never share nested values between steps."""
    plain: dict[str, Any] = json.loads(json.dumps(data, default=str))
    return plain


def set_timer_due(workflow: BpmnWorkflow, due: datetime, element_id: str | None = None) -> int:
    """Move waiting duration/date timers (all, or one element's) to a new due moment."""
    moved = 0
    for task in tasktree.waiting_timers(workflow):
        if element_id is None or task.task_spec.bpmn_id == element_id:
            task.internal_data["event_value"] = due.isoformat()
            moved += 1
    return moved


def snapshot(workflow: BpmnWorkflow) -> StepResult:
    """The state as it is, without running anything."""
    return _result(workflow, [], None)


def dump(workflow: BpmnWorkflow) -> str:
    return serialization.dump(workflow)
