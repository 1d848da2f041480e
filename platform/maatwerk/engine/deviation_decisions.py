"""Overriding a decision: the engine side of override_decision and decision_values.

A business rule task that failed or waits is completed with the given outcome instead of
running its table; one that ran is reopened (deviation_reopen.py) and completed with the
new outcome. An exclusive gateway gets the same treatment with the chosen path,
{"flow": id of the element the path leads to} (the parsed model keeps no sequence flow
ids), and is routed without evaluating its conditions (deviation_jump.route_gateway).
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from .deviation_jump import route_gateway
from .deviation_lookup import PENDING, DeviationNotApplicable, given_values, instances, known_spec
from .deviation_reopen import check_reopenable, refuse_if_cut, reopen


def decision_instance(workflow: BpmnWorkflow, element_id: str) -> SpiffTask:
    """The instance an override acts on: one that failed or waits to run, else the most
    recently completed one."""
    pending = instances(workflow, element_id, PENDING)
    done = instances(workflow, element_id, TaskState.COMPLETED)
    if pending:
        return pending[-1]
    if done:
        return done[-1]
    refuse_if_cut(workflow, element_id)
    raise DeviationNotApplicable(f"{element_id} has not been reached in this case yet; its "
                                 "outcome can be overridden once it has run (or failed)")


def decision_outputs(spec: Any) -> list[str]:
    """The variables a business rule task sets: its result variable, else the outputs of
    its decision table."""
    variable = getattr(spec, "result_variable", None)
    if variable:
        return [variable]
    table = getattr(getattr(spec, "dmnEngine", None), "decision_table", None)
    return [o.name for o in getattr(table, "outputs", [])]


def override_outcome(workflow: BpmnWorkflow, element_id: str,
                     values: dict[str, Any]) -> None:
    """Complete a business rule task with the given outcome instead of its table's."""
    clean = given_values(values)
    spec = known_spec(workflow, element_id)
    missing = [name for name in decision_outputs(spec) if name not in clean]
    if missing:
        raise DeviationNotApplicable(f"give the new value of {', '.join(missing)}, the "
                                     f"outcome of {element_id}")
    task = decision_instance(workflow, element_id)
    if task.state == TaskState.COMPLETED:
        if all(task.data.get(k) == v for k, v in clean.items()):
            raise DeviationNotApplicable(f"{element_id} already has this outcome; there is "
                                         "nothing to change")
        check_reopenable(workflow, task)
        reopen(workflow, task)
    task.data.update(clean)
    task.complete()  # the given outcome stands instead of the table's


def _gateway_targets(spec: Any) -> dict[str, Any]:
    """Element id each path of a gateway leads to -> the output spec (a task with boundary
    events is reached through the engine's split in front of it)."""
    targets = {}
    for output in spec.outputs:
        element = getattr(output, "bpmn_id", None)
        if element is None and isinstance(output, BoundaryEventSplit):
            element = next((o.bpmn_id for o in output.outputs
                            if not isinstance(o, BoundaryEvent)), None)
        targets[element or output.name] = output
    return targets


def chosen_target(gateway: SpiffTask) -> str | None:
    """The element the path a completed exclusive gateway took leads to."""
    targets = {spec: element for element, spec in _gateway_targets(gateway.task_spec).items()}
    chosen = [c for c in gateway.children if not c.has_state(TaskState.PREDICTED_MASK)
              and c.state != TaskState.CANCELLED and c.task_spec in targets]
    return targets[chosen[0].task_spec] if chosen else None


def override_route(workflow: BpmnWorkflow, element_id: str,
                   values: dict[str, Any]) -> None:
    """Send an exclusive gateway down the path given as {"flow": element id}."""
    if not isinstance(values, dict) or set(values) != {"flow"}:
        raise DeviationNotApplicable(f"give the path of {element_id} as {{'flow': <id of the "
                                     "element the path leads to>}")
    spec = known_spec(workflow, element_id)
    targets = _gateway_targets(spec)
    if len(targets) < 2:
        raise DeviationNotApplicable(f"{element_id} has one way out; there is no path to "
                                     "choose")
    choice = str(values["flow"])
    if choice not in targets:
        raise DeviationNotApplicable(
            f"{element_id} has no path to {choice}; choose the element the path leads to: "
            + ", ".join(sorted(targets)))
    task = decision_instance(workflow, element_id)
    if task.state == TaskState.COMPLETED:
        if chosen_target(task) == choice:
            raise DeviationNotApplicable(f"{element_id} already took the path to {choice}")
        check_reopenable(workflow, task)
        reopen(workflow, task)
    route_gateway(task, targets[choice])
