"""Forward along the model: the engine side of jump_to.

From an open task the model's flows are followed to a later task in the same
(sub)process, over tasks, exclusive gateways and parallel joins whose other branches have
arrived; every step in between is completed (not run), and at an exclusive gateway the
flow towards the target is chosen without evaluating conditions (`route_gateway`, which
override_decision uses for a new path too). A parallel split, an inclusive or event
gateway, an event or a subprocess border stops the way.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins import ExclusiveGatewayMixin, ParallelGatewayMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import joins, runtime, tasktree
from .deviation_lookup import (
    DeviationNotApplicable,
    bpmn_kind,
    downstream_specs,
    element_of,
    is_task,
    open_task,
    spec_name,
)


def jump_plan(workflow: BpmnWorkflow, element_id: str,
               from_task_id: str | None) -> tuple[SpiffTask, list[Any]]:
    """The open task to jump from (the one given, else the only one that leads to the
    element) and the specs on the way to it."""
    starts = [open_task(workflow, from_task_id)] if from_task_id is not None \
        else runtime._ready(workflow, manual=True)
    if not starts:
        raise DeviationNotApplicable("the case has no open task to jump from")
    plans: list[tuple[SpiffTask, list[Any]]] = []
    reasons: list[str] = []
    for start in starts:
        paths, blocked = explore(start)
        path = next((p for name, p in paths.items()
                     if start.workflow.spec.task_specs[name].bpmn_id == element_id), None)
        if path is not None:
            plans.append((start, path))
        else:
            reasons.append(_no_path(start, element_id, blocked))
    if len(plans) == 1:
        return plans[0]
    if plans:
        names = ", ".join(element_of(s) for s, _ in plans)
        raise DeviationNotApplicable(f"name the open task to jump from: {names} all lead to "
                                     f"{element_id}")
    raise DeviationNotApplicable("; ".join(reasons))


def _no_path(start: SpiffTask, element_id: str, blocked: dict[str, str]) -> str:
    message = (f"there is no path forward from {element_of(start)} to {element_id} through "
               "tasks and exclusive gateways in the same (sub)process")
    specs = start.workflow.spec.task_specs
    leading = [reason for name, reason in blocked.items()  # only what stands in the way
               if element_id in {s.bpmn_id for s in downstream_specs(specs[name])}]
    if leading:
        message += ": " + "; ".join(leading)
    elif element_id not in {getattr(s, "bpmn_id", None)
                            for s in downstream_specs(start.task_spec)}:
        message += f" ({element_id} is not ahead of {element_of(start)} there)"
    return message


def explore(start: SpiffTask) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Every spec reachable from an open task over passable steps, with its path (shortest
    first), and why the other steps met on the way cannot be passed."""
    paths: dict[str, list[Any]] = {}
    blocked: dict[str, str] = {}
    queue: deque[tuple[Any, list[Any]]] = deque([(start.task_spec, [])])
    seen = {start.task_spec.name}
    while queue:
        spec, path = queue.popleft()
        for output in spec.outputs:
            if output.name in seen or isinstance(output, BoundaryEventJoin):
                continue
            seen.add(output.name)
            reason = _impassable(start, spec, output)
            if reason is not None:
                blocked[output.name] = reason
                continue
            paths[output.name] = [*path, output]
            queue.append((output, [*path, output]))
    return paths, blocked


def _impassable(start: SpiffTask, previous: Any, spec: Any) -> str | None:
    """Why a jump cannot pass or reach this step (None when it can)."""
    if is_task(spec) or isinstance(spec, (ExclusiveGatewayMixin, BoundaryEventSplit)):
        return None
    name = spec_name(spec)
    if isinstance(spec, ParallelGatewayMixin) and len(spec.outputs) == 1:
        missing = _join_missing(start, spec, previous)
        if not missing:
            return None
        return (f"the path crosses the parallel join {name}, which would be left waiting for "
                f"{', '.join(missing)}: complete or skip that first")
    if isinstance(spec, ParallelGatewayMixin):
        return (f"the path crosses the parallel split {name}; a jump cannot open or pass "
                "parallel branches")
    return f"the path crosses {name} ({bpmn_kind(spec)}), which a jump cannot pass"


def _join_missing(start: SpiffTask, join: Any, arriving: Any) -> list[str]:
    """The incoming branches of a parallel join that have not arrived (mirrors the engine's
    threshold: a join instance of this round whose parent, an input of the join, has
    completed; joins.py)."""
    arrived = {t.parent.task_spec for top in joins.round_scope(join, start)
               for t in tasktree.subtree(top) if t.task_spec is join and t.parent is not None
               and t.parent.state == TaskState.COMPLETED}
    return [spec_name(s) for s in join.inputs if s is not arriving and s not in arrived]


def walk(start: SpiffTask, path: list[Any], element_id: str) -> None:
    """Pass every step on the path from `start`, until the target is READY."""
    current = start
    for spec in path:
        _pass(current, spec)
        following = [c for c in current.children if c.task_spec is spec]
        if not following or following[0].state != TaskState.READY:
            state = TaskState.get_name(following[0].state).lower() if following else "absent"
            raise DeviationNotApplicable(f"the path to {element_id} stops at {spec_name(spec)} "
                                         f"({state})")
        current = following[0]


def _pass(task: SpiffTask, following: Any) -> None:
    """Finish a step on the way without performing it, heading for `following`."""
    if isinstance(task.task_spec, ExclusiveGatewayMixin):
        route_gateway(task, following)
    elif is_task(task.task_spec):
        task.complete()
    else:
        task.run()  # a split or join the engine would run by itself


def route_gateway(gateway: SpiffTask, following: Any) -> None:
    """Send an exclusive gateway down one path without evaluating its conditions."""
    gateway._sync_children([following], TaskState.FUTURE)
    for child in gateway.children:
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
    gateway.complete()
