"""Reopening a completed task: the engine side of return_to, also used by override_decision.

The most recent completed instance of a task becomes READY again with the data the case
has now, and everything after it is undone, inside the target's own (sub)process: an
enclosing subprocess that still runs is left alone, one that has finished is reopened (its
cancelled boundary timers armed again with their due moment). A parallel join that fired
after the target's branch waits again. Refused: a task in an interrupted or cancelled
subprocess, a branch of an inclusive gateway that joined already, and a step done before
the recent history that a long-running case keeps in the engine (history.py).
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins import InclusiveGatewayMixin, ParallelGatewayMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import history, runtime, tasktree
from .deviation_lookup import (
    UNDER_WAY,
    DeviationNotApplicable,
    all_tasks,
    bpmn_kind,
    downstream_specs,
    element_of,
    instances,
    is_task,
    known_spec,
    refuse_if_ended,
)


def return_target(workflow: BpmnWorkflow, element_id: str) -> SpiffTask:
    """The task instance return_to would reopen, or a refusal saying why there is none."""
    refuse_if_ended(workflow)
    spec = known_spec(workflow, element_id)
    if not is_task(spec):
        raise DeviationNotApplicable(f"{element_id} is a {bpmn_kind(spec)}, not a task; return "
                                     "to a task")
    done = instances(workflow, element_id, TaskState.COMPLETED)
    if not done:
        refuse_if_cut(workflow, element_id)
        raise DeviationNotApplicable(f"{element_id} has not been done in this case, so the "
                                     "case cannot return to it")
    target = done[-1]
    check_reopenable(workflow, target)
    return target


def enclosing_subprocesses(workflow: BpmnWorkflow, task: SpiffTask) -> list[SpiffTask]:
    """The subprocess tasks around a task, innermost first."""
    chain = []
    owner = task.workflow
    while owner.parent_task_id is not None:
        sp_task = workflow.get_task_from_id(owner.parent_task_id)
        chain.append(sp_task)
        owner = sp_task.workflow
    return chain


def refuse_if_cut(workflow: BpmnWorkflow, element_id: str, anchor: bool = False) -> None:
    """A long-running case keeps only its recent history in the engine (history.py)."""
    if anchor or history.cut_from_history(workflow, element_id):
        raise DeviationNotApplicable(
            f"{element_id} was last done too long ago: this long-running case keeps only "
            "its recent steps in the engine (the earlier ones are in the case history), so "
            "the case cannot go back to it")


def check_reopenable(workflow: BpmnWorkflow, target: SpiffTask) -> None:
    """Refuse reopening a completed task where the engine's tree cannot take it back."""
    element = element_of(target)
    if history.is_anchor(target):
        refuse_if_cut(workflow, element, anchor=True)
    for sp_task in enclosing_subprocesses(workflow, target):
        if sp_task.state not in (TaskState.STARTED, TaskState.COMPLETED):
            raise DeviationNotApplicable(
                f"{element} lies in {element_of(sp_task)}, which was "
                f"{TaskState.get_name(sp_task.state).lower()}; it cannot be reopened")
    for join in _joins_after(target):
        if not isinstance(join.task_spec, ParallelGatewayMixin):
            raise DeviationNotApplicable(
                f"{element} is on a branch of {element_of(join)}, an inclusive gateway that "
                "has joined already; going back into one of its branches is not supported")



def _joins_after(target: SpiffTask) -> list[SpiffTask]:
    """Joins of parallel branches that fired after the target, outside its own subtree
    (the join fired on another branch): they must wait again for the target's branch."""
    ahead = downstream_specs(target.task_spec)
    return [t for t in target.workflow.tasks.values()
            if isinstance(t.task_spec, (ParallelGatewayMixin, InclusiveGatewayMixin))
            and len(t.task_spec.inputs) > 1 and t.task_spec in ahead
            and t.state == TaskState.COMPLETED
            and t.last_state_change >= target.last_state_change
            and not t.is_descendant_of(target) and not target.is_descendant_of(t)]


def reopen(workflow: BpmnWorkflow, target: SpiffTask) -> None:
    """Make a completed task READY again with the data the case has now."""
    finished = [t for t in enclosing_subprocesses(workflow, target)
                if t.state == TaskState.COMPLETED]
    joins = _joins_after(target)
    data = _data_after(workflow, [target, *joins, *finished])
    for sp_task in reversed(finished):  # outermost first
        _reopen_subprocess(workflow, sp_task)
    for join in joins:
        _drop_after(workflow, join)
        join._set_state(TaskState.WAITING)  # as if the target's branch had not arrived yet
    _reset(workflow, target)
    if isinstance(target.parent.task_spec, BoundaryEventSplit):
        # its boundary events, armed again, take their data from the split whenever the
        # engine updates them (and carry it on when they fire): the data of now, too
        target.parent.data = runtime._plain(data)
        for event in target.parent.children:
            event.data = runtime._plain(data)
    target.data = data


def _data_after(workflow: BpmnWorkflow, roots: list[SpiffTask]) -> dict[str, Any]:
    """The case data now, as the steps under way after the given tasks know it."""
    def below(task: SpiffTask) -> bool:
        current: SpiffTask | None = task
        while current is not None:
            if current in roots:
                return True
            parent_id = current.workflow.parent_task_id
            current = current.parent or (workflow.get_task_from_id(parent_id)
                                         if parent_id is not None else None)
        return False

    frontier = [t for t in all_tasks(workflow) if t.has_state(UNDER_WAY) and element_of(t)
                and below(t)]
    if not frontier:
        return runtime._case_data(workflow, completed=False)
    merged: dict[str, Any] = {}
    for task in sorted(frontier, key=lambda t: t.last_state_change):
        merged.update(task.data)
    return runtime._plain(merged)


_drop_after = tasktree.drop_after  # everything after a task, with its subprocesses


def _reopen_subprocess(workflow: BpmnWorkflow, sp_task: SpiffTask) -> None:
    """A finished subprocess runs again: what came after it is undone and its boundary
    events that were cancelled when it ended wait again (timers keep their due moment)."""
    _drop_after(workflow, sp_task)
    sp_task._set_state(TaskState.STARTED)
    workflow.subprocesses[sp_task.id].completed = False
    sp_task.task_spec._predict(sp_task, mask=TaskState.STARTED | TaskState.NOT_FINISHED_MASK)
    split = sp_task.parent
    if split is None or not isinstance(split.task_spec, BoundaryEventSplit):
        return
    for event in split.children:
        if event is not sp_task and event.state == TaskState.CANCELLED:
            event._set_state(TaskState.WAITING)
            event.task_spec._predict(event, mask=TaskState.WAITING | TaskState.NOT_FINISHED_MASK)
            event.task_spec._update(event)  # back in the event manager (or due already)


def _reset(workflow: BpmnWorkflow, target: SpiffTask) -> None:
    """The engine's reset, kept inside the target's own (sub)process; its own boundary
    timers start again (tasktree.reset_in_place)."""
    tasktree.reset_in_place(workflow, target, with_boundary=True)
