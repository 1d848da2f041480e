"""Leaving the standard path on a running case: the engine side of a deviation (maatwerk).

Every deviation is first made on a copy of the workflow (dump + load) and the engine is run
on that copy. Only when that works is the same change made on the workflow passed in, which
is then advanced; the caller stores `StepResult.state`. So a refusal (DeviationNotApplicable)
leaves the workflow untouched, and so does a deviation after which the case would stop at
once with an engine error (a gateway that can't choose, a failing script): that is refused
with the engine's reason, e.g. "after this deviation the case would stop at Gateway_Akkoord".

Strategies
- skip_task: the open user/manual task is completed without being performed (no form data;
  `task.complete()`, never `run()`); boundary timers on it are cancelled with it.
- return_to: back to the most recent completed instance of an earlier task. It becomes
  READY with the data the case has now (the data of the steps that are under way after it)
  and everything after it is undone. The reset stays inside the (sub)process of the target:
  an enclosing subprocess that is still running is left alone, so its boundary timers (the
  8-week decision term) run on, and a boundary branch that already fired stays as it is. An
  enclosing subprocess that has finished is reopened (the steps after it are undone, its
  cancelled boundary timers are armed again with their original due moment). Boundary timers
  of the reopened task itself start again: it is a new request. A parallel join that fired
  after the target's branch is put back to waiting, so the steps after the join are undone.
  Removed tasks are taken out of the engine's event manager (it keeps them, which made the
  next refresh of its timers crash).
- jump_to: forward from an open task along the model's flows to a later task in the same
  (sub)process, completing (not running) every step in between; at an exclusive gateway the
  flow towards the target is chosen (conditions are not evaluated). Steps passed add no data.
- override_decision: a business rule task that failed or waits is completed with the given
  outcome instead of running its table; one that ran is reopened as in return_to and
  completed with the new outcome, so the gateway after it routes on the new value. An
  exclusive gateway gets the same treatment with the chosen path: {"flow": target id}.
  A new route changes no data: conditions further on still read the data as it is.
- correct_data: new values on every step under way (READY/WAITING/STARTED/ERROR). A waiting
  event or join and a failed step take their data from the step before them again when
  they move on (a retry does too), so that step's data is corrected as well.

Refused (DeviationNotApplicable, with a readable reason)
- anything on a case that has ended;
- skip_task: a task that is not open, or that runs by itself;
- return_to: an element that is not a task or never completed; a task inside a subprocess
  that was interrupted or cancelled; a branch of an inclusive gateway that joined already;
  a step last done before the recent history that a long-running case keeps in the engine
  (history.py; the same holds for override_decision);
- jump_to: no forward path in the same (sub)process through tasks, exclusive gateways and
  parallel joins; a path through a parallel split, an inclusive or event gateway, an event or
  a subprocess border; a parallel join that would wait for a branch that has not arrived;
- override_decision: an element that is neither a business rule task nor an exclusive
  gateway; a decision or gateway that has not been reached yet; an unknown path (name the
  element the path leads to: the parsed model does not keep sequence flow ids); the
  outcome or path it already has;
- correct_data: no values, names that are not variable names, nothing under way.

This module is the public entry: the reading functions, the deviations, and the trial on a
copy. The strategies' engine work lives beside it: deviation_reopen.py (return_to, and
reopening a decision that ran), deviation_jump.py (jump_to), deviation_decisions.py
(override_decision) and deviation_lookup.py (finding elements and task instances, and
DeviationNotApplicable itself).

Engine internals used (no public API exists; ENGINE.md): Task._set_state, _drop_children,
_sync_children and TaskSpec._predict/_update, the base Workflow.reset_from_task_id (the
tree surgery shared with retry and history compaction is in tasktree.py). They are pinned
to SpiffWorkflow 3.2 and covered by tests/engine/test_engine_deviations.py.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins import ExclusiveGatewayMixin
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin
from SpiffWorkflow.util.task import TaskState

from . import runtime, serialization, tasktree
from .deviation_decisions import (
    chosen_target,
    decision_instance,
    decision_outputs,
    override_outcome,
    override_route,
)
from .deviation_jump import explore, jump_plan, walk
from .deviation_lookup import (
    UNDER_WAY,
    DeviationNotApplicable,
    all_tasks,
    bpmn_kind,
    downstream_specs,
    element_of,
    find_spec,
    given_values,
    is_task,
    known_spec,
    open_task,
    refuse_if_ended,
)
from .deviation_reopen import reopen, return_target
from .runtime import StepResult

__all__ = ["DeviationNotApplicable", "completed_elements", "correct_data", "data_values",
           "decision_values", "element_kind", "jump_crosses", "jump_to", "override_decision",
           "reachable_elements", "return_crosses", "return_to", "skip_task"]

Change = Callable[[BpmnWorkflow], None]


# -- reading: for the caller's choices and before/after records --------------------------

def element_kind(workflow: BpmnWorkflow, element_id: str) -> str | None:
    """The BPMN type of an element ('UserTask', 'DecisionTask', 'ExclusiveGateway',
    'SubProcess', ...), or None when the process has no such element."""
    spec = find_spec(workflow, element_id)
    return None if spec is None else bpmn_kind(spec)


def completed_elements(workflow: BpmnWorkflow) -> list[str]:
    """Tasks the case can return to: completed at least once, in the order first done."""
    if workflow.is_completed():
        return []
    found: list[str] = []
    for task in sorted(all_tasks(workflow), key=lambda t: t.last_state_change):
        element = element_of(task)
        if task.state != TaskState.COMPLETED or element in found or not is_task(task.task_spec):
            continue
        try:
            return_target(workflow, element)
        except DeviationNotApplicable:
            continue
        found.append(element)
    return found


def reachable_elements(workflow: BpmnWorkflow) -> list[str]:
    """Tasks ahead of the open tasks that jump_to can reach, nearest first."""
    if workflow.is_completed():
        return []
    open_tasks = runtime._ready(workflow, manual=True)
    open_ids = {element_of(t) for t in open_tasks}
    found: list[str] = []
    for task in open_tasks:
        paths, _ = explore(task)
        for name in paths:
            spec = task.workflow.spec.task_specs[name]
            if is_task(spec) and spec.bpmn_id not in open_ids and spec.bpmn_id not in found:
                found.append(spec.bpmn_id)
    return found


def jump_crosses(workflow: BpmnWorkflow, element_id: str,
                 from_task_id: str | None = None) -> list[str]:
    """The elements a jump to `element_id` touches: the open task it leaves, every step and
    gateway it passes over, and the task it lands on (only that, when it cannot jump)."""
    try:
        start, path = jump_plan(workflow, element_id, from_task_id)
    except DeviationNotApplicable:
        return [element_id]
    passed = [spec.bpmn_id for spec in path if getattr(spec, "bpmn_id", None)]
    return list(dict.fromkeys([element_of(start), *passed, element_id]))


def return_crosses(workflow: BpmnWorkflow, element_id: str) -> list[str]:
    """The elements a return to `element_id` touches: the task it lands on and every step
    after it that is done or under way and would be gone over again."""
    try:
        target = return_target(workflow, element_id)
    except DeviationNotApplicable:
        return [element_id]
    ahead = downstream_specs(target.task_spec)
    again = [element_of(t) for t in sorted(all_tasks(workflow), key=lambda t: t.last_state_change)
             if t.task_spec in ahead and t.last_state_change >= target.last_state_change
             and t.state & (TaskState.COMPLETED | UNDER_WAY)
             and getattr(t.task_spec, "bpmn_id", None)]
    return list(dict.fromkeys([element_id, *again]))


def decision_values(workflow: BpmnWorkflow, element_id: str) -> dict[str, Any]:
    """The outcome now: {result variable: value} of a business rule task, or
    {"flow": element the path leads to} of an exclusive gateway (None when pending)."""
    spec = known_spec(workflow, element_id)
    task = decision_instance(workflow, element_id)
    if isinstance(spec, ExclusiveGatewayMixin):
        return {"flow": chosen_target(task) if task.state == TaskState.COMPLETED else None}
    if isinstance(spec, BusinessRuleTaskMixin):
        return runtime._plain({name: task.data.get(name) for name in decision_outputs(spec)})
    raise DeviationNotApplicable(f"{element_id} is a {bpmn_kind(spec)}, neither a business rule "
                                 "task nor an exclusive gateway")


def data_values(workflow: BpmnWorkflow, keys: list[str]) -> dict[str, Any]:
    """The current values of some case variables (None when not set)."""
    data = runtime._case_data(workflow, completed=workflow.is_completed())
    return runtime._plain({key: data.get(key) for key in keys})


# -- the deviations ----------------------------------------------------------------------

def skip_task(workflow: BpmnWorkflow, task_id: str) -> StepResult:
    """Complete an open user/manual task without performing it; the case moves on."""
    def change(wf: BpmnWorkflow) -> None:
        refuse_if_ended(wf)
        open_task(wf, task_id).complete()
    return _deviate(workflow, change)


def return_to(workflow: BpmnWorkflow, element_id: str) -> StepResult:
    """Make the most recent completed instance of an earlier task READY again."""
    def change(wf: BpmnWorkflow) -> None:
        reopen(wf, return_target(wf, element_id))
    return _deviate(workflow, change)


def jump_to(workflow: BpmnWorkflow, element_id: str,
            from_task_id: str | None = None) -> StepResult:
    """Move forward from an open task to a later task, passing the steps in between."""
    def change(wf: BpmnWorkflow) -> None:
        refuse_if_ended(wf)
        spec = known_spec(wf, element_id)
        if not is_task(spec):
            raise DeviationNotApplicable(f"{element_id} is a {bpmn_kind(spec)}; jump to a task")
        if any(element_of(t) == element_id for t in runtime._ready(wf, manual=None)):
            raise DeviationNotApplicable(f"{element_id} is already open")
        start, path = jump_plan(wf, element_id, from_task_id)
        walk(start, path, element_id)
    return _deviate(workflow, change)


def override_decision(workflow: BpmnWorkflow, element_id: str,
                      values: dict[str, Any]) -> StepResult:
    """Set a business rule task's outcome, or an exclusive gateway's path, by hand."""
    def change(wf: BpmnWorkflow) -> None:
        refuse_if_ended(wf)
        spec = known_spec(wf, element_id)
        if isinstance(spec, ExclusiveGatewayMixin):
            override_route(wf, element_id, values)
        elif isinstance(spec, BusinessRuleTaskMixin):
            override_outcome(wf, element_id, values)
        else:
            raise DeviationNotApplicable(f"{element_id} is a {bpmn_kind(spec)}, neither a business "
                                         "rule task nor an exclusive gateway")
    return _deviate(workflow, change)


def correct_data(workflow: BpmnWorkflow, changes: dict[str, Any]) -> StepResult:
    """Give case variables new values on every step that is under way."""
    def change(wf: BpmnWorkflow) -> None:
        if wf.is_completed():
            raise DeviationNotApplicable("the case has ended; its data can no longer be "
                                         "corrected")
        clean = given_values(changes)
        for key in clean:
            if not key.isidentifier() or key.startswith("_"):
                raise DeviationNotApplicable(f"'{key}' is not a variable name")
        under_way = [t for t in all_tasks(wf) if t.has_state(UNDER_WAY)]
        if not under_way:
            raise DeviationNotApplicable("the case has no step under way to correct data on")
        for task in under_way:
            task.data.update(runtime._plain(clean))  # a copy each: nested values not shared
            if task.has_state(TaskState.WAITING | TaskState.ERROR) and task.parent is not None:
                # a waiting event or join and a retried step take their data from the step
                # before them again when they move on
                task.parent.data.update(runtime._plain(clean))
    return _deviate(workflow, change)


# -- trying first, then doing ------------------------------------------------------------

def _deviate(workflow: BpmnWorkflow, change: Change) -> StepResult:
    """Make the change on a copy and run the engine there; when that works, make it on
    `workflow` and run the engine: the workflow is untouched by anything refused."""
    trial = serialization.load(serialization.dump(workflow), workflow.spec,
                               workflow.subprocess_specs, workflow.script_engine)
    try:
        _make(trial, change)
    except DeviationNotApplicable:
        raise
    except Exception as exc:  # the copy is thrown away; the case stays as it was
        raise DeviationNotApplicable(f"the engine cannot make this change: {exc}") from None
    outcome = runtime._advance(trial)
    if outcome.failure is not None:
        element, message = outcome.failure
        raise DeviationNotApplicable(f"after this deviation the case would stop at {element}: "
                                     f"{message}")
    _make(workflow, change)
    return runtime._advance(workflow)


def _make(workflow: BpmnWorkflow, change: Change) -> None:
    change(workflow)
    _forget_removed(workflow)


_forget_removed = tasktree.forget_removed  # the engine keeps undone tasks in its event manager
