"""Leaving the standard path on a running case: the engine side of a deviation.

Every function works on a copy of the workflow (dump + load) and returns the StepResult of
that copy, so a refusal (DeviationNotApplicable) leaves the caller's workflow untouched.

- skip_task: an open user task is completed without being performed (no form data, a
  script is not run); its boundary events go with it and the case moves on.
- return_to: back to the latest completed instance of an earlier step (the engine's reset);
  the case keeps the data it has now. Removed tasks are taken out of the event manager
  (the engine leaves them there, which crashed the next refresh of its timers).
- jump_to: forward from the open task to a later step along the model's flows, through
  tasks and exclusive gateways, each passed step completed without being performed.
  Paths through parallel or inclusive gateways, events or (sub)process borders are refused.
- override_decision: a business rule task's result (reset to it, completed with the new
  values instead of running the table) or an exclusive gateway's route (reset to it and
  sent down the chosen path, named by the target element's id).
- correct_data: new values for case data on every step that is under way.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.exclusive_gateway import ExclusiveGateway
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import runtime, serialization
from .runtime import StepResult
from .scripting import SCRIPT_ENGINE

UNDER_WAY = (TaskState.READY, TaskState.WAITING, TaskState.STARTED)


class DeviationNotApplicable(Exception):
    """The deviation does not fit the case as it is now; the message says why."""


def _copy(workflow: BpmnWorkflow) -> BpmnWorkflow:
    return serialization.load(serialization.dump(workflow), workflow.spec,
                              workflow.subprocess_specs, SCRIPT_ENGINE)


def _tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return runtime._all_tasks(workflow)


def _latest_completed(workflow: BpmnWorkflow, element_id: str) -> SpiffTask:
    done = [t for t in _tasks(workflow) if t.state == TaskState.COMPLETED
            and getattr(t.task_spec, "bpmn_id", None) == element_id]
    if not done:
        raise DeviationNotApplicable(f"'{element_id}' has not been done in this case yet")
    return max(done, key=lambda t: t.last_state_change)


def _open_task(workflow: BpmnWorkflow, task_id: str | None) -> SpiffTask:
    ready = runtime._ready(workflow, manual=True)
    if task_id is None:
        if len(ready) != 1:
            raise DeviationNotApplicable("name the open task to start from: the case has "
                                         f"{len(ready)} open tasks")
        return ready[0]
    found = [t for t in ready if str(t.id) == task_id]
    if not found:
        raise DeviationNotApplicable(f"the task {task_id} is not open any more")
    return found[0]


def _forget_removed(workflow: BpmnWorkflow) -> None:
    """Tasks a reset removed must not stay in the event manager (stale timers)."""
    alive = {t.id for t in _tasks(workflow)}
    manager = workflow.event_manager
    for task_id in [tid for tid in manager.tasks if tid not in alive]:
        manager.tasks.pop(task_id, None)


def _waiting_timers(workflow: BpmnWorkflow) -> dict[str, Any]:
    return {t.task_spec.name: t.internal_data["event_value"] for t in _tasks(workflow)
            if t.state == TaskState.WAITING and "event_value" in t.internal_data
            and isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)}


def _keep_timers(workflow: BpmnWorkflow, before: dict[str, Any]) -> None:
    """A timer that was already running (the legal decision term, say) keeps its due
    moment; the engine's reset would start it again from now."""
    for task in _tasks(workflow):
        if task.task_spec.name in before and not task.has_state(TaskState.FINISHED_MASK):
            task.internal_data["event_value"] = before[task.task_spec.name]


def _reset_keeping_data(workflow: BpmnWorkflow, task: SpiffTask) -> SpiffTask:
    """Reset to `task` (READY again) with the data and running timers the case has now."""
    timers = _waiting_timers(workflow)
    current = runtime._case_data(workflow, completed=False)
    if task.parent is not None:
        task.parent.data.update(current)
    try:
        workflow.reset_from_task_id(task.id)
    except SpiffWorkflowException as exc:
        raise DeviationNotApplicable(f"the engine cannot go back to '{task.task_spec.bpmn_id}'"
                                     f": {exc}") from None
    _forget_removed(workflow)
    _keep_timers(workflow, timers)
    reset = workflow.get_task_from_id(task.id)
    reset.data.update(current)
    return reset


def skip_task(workflow: BpmnWorkflow, task_id: str) -> StepResult:
    copy = _copy(workflow)
    task = _open_task(copy, task_id)
    task.complete()
    return runtime._advance(copy)


def return_to(workflow: BpmnWorkflow, element_id: str) -> StepResult:
    copy = _copy(workflow)
    target = _latest_completed(copy, element_id)
    if not target.task_spec.manual:
        raise DeviationNotApplicable(f"'{element_id}' is not a step people do; return to a "
                                     "user task")
    _reset_keeping_data(copy, target)
    return runtime._advance(copy)


def jump_to(workflow: BpmnWorkflow, element_id: str,
            from_task_id: str | None = None) -> StepResult:
    copy = _copy(workflow)
    current = _open_task(copy, from_task_id)
    path = _forward_path(current, element_id)
    for next_spec in path:
        if isinstance(current.task_spec, ExclusiveGateway):
            current._sync_children([next_spec], TaskState.FUTURE)
        current.complete()
        children = [c for c in current.children if c.task_spec is next_spec]
        if not children or children[0].state != TaskState.READY:
            raise DeviationNotApplicable(f"the path to '{element_id}' waits at "
                                         f"'{next_spec.bpmn_id or next_spec.name}'")
        current = children[0]
    return runtime._advance(copy)


def _forward_path(start: SpiffTask, element_id: str) -> list[Any]:
    """The specs from the open task to the target, through tasks and exclusive gateways."""
    seen = {start.task_spec.name}
    queue: deque[tuple[Any, list[Any]]] = deque([(start.task_spec, [])])
    while queue:
        spec, path = queue.popleft()
        for output in spec.outputs:
            if output.name in seen:
                continue
            seen.add(output.name)
            if getattr(output, "bpmn_id", None) == element_id:
                return path + [output]
            if _passable(output):
                queue.append((output, path + [output]))
    raise DeviationNotApplicable(f"there is no path forward to '{element_id}' through tasks "
                                 "and exclusive gateways from the open task")


def _passable(spec: Any) -> bool:
    kind = type(spec).__name__
    if isinstance(spec, ExclusiveGateway):
        return True
    if kind in ("UserTask", "ManualTask", "NoneTask", "ScriptTask", "DecisionTask",
                "BusinessRuleTask", "BoundaryEventSplit", "BoundaryEventJoin"):
        return True
    return False


def override_decision(workflow: BpmnWorkflow, element_id: str,
                      values: dict[str, Any]) -> StepResult:
    copy = _copy(workflow)
    task = _latest_completed(copy, element_id)
    spec = task.task_spec
    if isinstance(spec, ExclusiveGateway):
        target = str(values.get("flow", ""))
        outputs = {getattr(o, "bpmn_id", None): o for o in spec.outputs}
        if target not in outputs:
            raise DeviationNotApplicable(
                f"'{element_id}' has no path to '{target}'; choose one of "
                + ", ".join(str(k) for k in outputs if k))
        reset = _reset_keeping_data(copy, task)
        reset._sync_children([outputs[target]], TaskState.FUTURE)
        reset.complete()
        return runtime._advance(copy)
    if not getattr(spec, "result_variable", None) and type(spec).__name__ != "DecisionTask":
        raise DeviationNotApplicable(f"'{element_id}' is neither a decision (business rule "
                                     "task) nor an exclusive gateway")
    reset = _reset_keeping_data(copy, task)
    reset.data.update(runtime._plain(values))
    reset.complete()  # the new outcome stands instead of the table's
    return runtime._advance(copy)


def decision_values(workflow: BpmnWorkflow, element_id: str) -> dict[str, Any]:
    task = _latest_completed(workflow, element_id)
    spec = task.task_spec
    if isinstance(spec, ExclusiveGateway):
        chosen = [c for c in task.children if c.state != TaskState.CANCELLED
                  and c.has_state(TaskState.DEFINITE_MASK | TaskState.FINISHED_MASK)]
        return {"flow": chosen[0].task_spec.bpmn_id if chosen else None}
    variable = getattr(spec, "result_variable", None)
    if variable:
        return runtime._plain({variable: task.data.get(variable)})
    raise DeviationNotApplicable(f"'{element_id}' is not a decision with a result variable")


def correct_data(workflow: BpmnWorkflow, changes: dict[str, Any]) -> StepResult:
    copy = _copy(workflow)
    under_way = [t for t in _tasks(copy) if t.state in UNDER_WAY]
    if not under_way:
        raise DeviationNotApplicable("the case has no step under way to correct data on")
    clean = runtime._plain(changes)
    for task in under_way:
        task.data.update(clean)
    return runtime._advance(copy)


def data_values(workflow: BpmnWorkflow, keys: list[str]) -> dict[str, Any]:
    data = runtime._case_data(workflow, completed=workflow.is_completed())
    return runtime._plain({key: data.get(key) for key in keys})
