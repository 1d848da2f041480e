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

Engine internals used (no public API exists; ENGINE.md): Task._set_state, _drop_children,
_sync_children and TaskSpec._predict/_update, the base Workflow.reset_from_task_id (the
tree surgery shared with retry and history compaction is in tasktree.py). They are pinned
to SpiffWorkflow 3.2 and covered by tests/engine/test_engine_deviations.py.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.control import BoundaryEventJoin, BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins import (
    ExclusiveGatewayMixin,
    InclusiveGatewayMixin,
    ManualTaskMixin,
    NoneTaskMixin,
    ParallelGatewayMixin,
    ScriptTaskMixin,
    UserTaskMixin,
)
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.dmn.specs import BusinessRuleTaskMixin
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState

from . import history, joins, runtime, serialization, tasktree
from .runtime import StepResult

UNDER_WAY = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
PENDING = TaskState.READY | TaskState.ERROR
TASK_SPECS = (UserTaskMixin, ManualTaskMixin, NoneTaskMixin, ScriptTaskMixin,
              BusinessRuleTaskMixin)
# engine class names that differ from the BPMN element names
BPMN_NAMES = {"NoneTask": "Task", "TransactionSubprocess": "Transaction"}


class DeviationNotApplicable(Exception):
    """The deviation does not fit the case as it is now; str() says why, naming the element."""


Change = Callable[[BpmnWorkflow], None]


# -- reading: for the caller's choices and before/after records --------------------------

def element_kind(workflow: BpmnWorkflow, element_id: str) -> str | None:
    """The BPMN type of an element ('UserTask', 'DecisionTask', 'ExclusiveGateway',
    'SubProcess', ...), or None when the process has no such element."""
    spec = _spec(workflow, element_id)
    return None if spec is None else _kind(spec)


def completed_elements(workflow: BpmnWorkflow) -> list[str]:
    """Tasks the case can return to: completed at least once, in the order first done."""
    if workflow.is_completed():
        return []
    found: list[str] = []
    for task in sorted(_tasks(workflow), key=lambda t: t.last_state_change):
        element = _element(task)
        if task.state != TaskState.COMPLETED or element in found or not _is_task(task.task_spec):
            continue
        try:
            _return_target(workflow, element)
        except DeviationNotApplicable:
            continue
        found.append(element)
    return found


def reachable_elements(workflow: BpmnWorkflow) -> list[str]:
    """Tasks ahead of the open tasks that jump_to can reach, nearest first."""
    if workflow.is_completed():
        return []
    open_tasks = runtime._ready(workflow, manual=True)
    open_ids = {_element(t) for t in open_tasks}
    found: list[str] = []
    for task in open_tasks:
        paths, _ = _explore(task)
        for name in paths:
            spec = task.workflow.spec.task_specs[name]
            if _is_task(spec) and spec.bpmn_id not in open_ids and spec.bpmn_id not in found:
                found.append(spec.bpmn_id)
    return found


def decision_values(workflow: BpmnWorkflow, element_id: str) -> dict[str, Any]:
    """The outcome now: {result variable: value} of a business rule task, or
    {"flow": element the path leads to} of an exclusive gateway (None when pending)."""
    spec = _known_spec(workflow, element_id)
    task = _decision_instance(workflow, element_id)
    if isinstance(spec, ExclusiveGatewayMixin):
        return {"flow": _chosen_target(task) if task.state == TaskState.COMPLETED else None}
    if isinstance(spec, BusinessRuleTaskMixin):
        return runtime._plain({name: task.data.get(name) for name in _outputs(spec)})
    raise DeviationNotApplicable(f"{element_id} is a {_kind(spec)}, neither a business rule "
                                 "task nor an exclusive gateway")


def data_values(workflow: BpmnWorkflow, keys: list[str]) -> dict[str, Any]:
    """The current values of some case variables (None when not set)."""
    data = runtime._case_data(workflow, completed=workflow.is_completed())
    return runtime._plain({key: data.get(key) for key in keys})


# -- the deviations ----------------------------------------------------------------------

def skip_task(workflow: BpmnWorkflow, task_id: str) -> StepResult:
    """Complete an open user/manual task without performing it; the case moves on."""
    def change(wf: BpmnWorkflow) -> None:
        _refuse_if_ended(wf)
        _open_task(wf, task_id).complete()
    return _deviate(workflow, change)


def return_to(workflow: BpmnWorkflow, element_id: str) -> StepResult:
    """Make the most recent completed instance of an earlier task READY again."""
    def change(wf: BpmnWorkflow) -> None:
        _reopen(wf, _return_target(wf, element_id))
    return _deviate(workflow, change)


def jump_to(workflow: BpmnWorkflow, element_id: str,
            from_task_id: str | None = None) -> StepResult:
    """Move forward from an open task to a later task, passing the steps in between."""
    def change(wf: BpmnWorkflow) -> None:
        _refuse_if_ended(wf)
        spec = _known_spec(wf, element_id)
        if not _is_task(spec):
            raise DeviationNotApplicable(f"{element_id} is a {_kind(spec)}; jump to a task")
        if any(_element(t) == element_id for t in runtime._ready(wf, manual=None)):
            raise DeviationNotApplicable(f"{element_id} is already open")
        start, path = _jump_plan(wf, element_id, from_task_id)
        _walk(start, path, element_id)
    return _deviate(workflow, change)


def override_decision(workflow: BpmnWorkflow, element_id: str,
                      values: dict[str, Any]) -> StepResult:
    """Set a business rule task's outcome, or an exclusive gateway's path, by hand."""
    def change(wf: BpmnWorkflow) -> None:
        _refuse_if_ended(wf)
        spec = _known_spec(wf, element_id)
        if isinstance(spec, ExclusiveGatewayMixin):
            _override_route(wf, element_id, values)
        elif isinstance(spec, BusinessRuleTaskMixin):
            _override_outcome(wf, element_id, values)
        else:
            raise DeviationNotApplicable(f"{element_id} is a {_kind(spec)}, neither a business "
                                         "rule task nor an exclusive gateway")
    return _deviate(workflow, change)


def correct_data(workflow: BpmnWorkflow, changes: dict[str, Any]) -> StepResult:
    """Give case variables new values on every step that is under way."""
    def change(wf: BpmnWorkflow) -> None:
        if wf.is_completed():
            raise DeviationNotApplicable("the case has ended; its data can no longer be "
                                         "corrected")
        clean = _values(changes)
        for key in clean:
            if not key.isidentifier() or key.startswith("_"):
                raise DeviationNotApplicable(f"'{key}' is not a variable name")
        under_way = [t for t in _tasks(wf) if t.has_state(UNDER_WAY)]
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


# -- looking things up -------------------------------------------------------------------

def _tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    return runtime._all_tasks(workflow)


def _element(task: SpiffTask) -> str:
    return getattr(task.task_spec, "bpmn_id", None) or ""


def _spec(workflow: BpmnWorkflow, element_id: str) -> Any:
    for process in [workflow.spec, *workflow.subprocess_specs.values()]:
        for spec in process.task_specs.values():
            if getattr(spec, "bpmn_id", None) == element_id:
                return spec
    return None


def _known_spec(workflow: BpmnWorkflow, element_id: str) -> Any:
    spec = _spec(workflow, element_id)
    if spec is None:
        raise DeviationNotApplicable(f"{element_id} is not an element of this process")
    return spec


def _kind(spec: Any) -> str:
    name = type(spec).__name__
    if isinstance(spec, SubWorkflowTask) and getattr(spec, "spec", None) == spec.bpmn_id:
        return "SubProcess"  # an embedded subprocess (its spec is named after it)
    return BPMN_NAMES.get(name, name)


def _is_task(spec: Any) -> bool:
    """A task a case can stand still at, be sent back to or jump to (no events, gateways,
    subprocesses or multi-instance tasks)."""
    return bool(getattr(spec, "bpmn_id", None)) and isinstance(spec, TASK_SPECS)


def _name(spec: Any) -> str:
    return str(getattr(spec, "bpmn_id", None) or spec.name)


def _instances(workflow: BpmnWorkflow, element_id: str, state: int) -> list[SpiffTask]:
    found = [t for t in _tasks(workflow) if _element(t) == element_id and t.has_state(state)]
    return sorted(found, key=lambda t: t.last_state_change)


def _refuse_if_ended(workflow: BpmnWorkflow) -> None:
    if workflow.is_completed():
        raise DeviationNotApplicable("the case has ended; a deviation needs a running case")


def _open_task(workflow: BpmnWorkflow, task_id: str) -> SpiffTask:
    try:
        task = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, SpiffWorkflowException):
        task = None
    if task is None:
        raise DeviationNotApplicable(f"task {task_id} is not part of this case")
    element = _element(task) or task.task_spec.name
    if not task.task_spec.manual:
        raise DeviationNotApplicable(f"{element} runs by itself; it is not a step people do")
    if task.state != TaskState.READY:
        when = "yet" if task.has_state(TaskState.NOT_FINISHED_MASK) else "any more"
        raise DeviationNotApplicable(f"{element} is not open {when}")
    return task


def _values(values: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(values, dict) or not values:
        raise DeviationNotApplicable("no values were given")
    return runtime._plain({str(k): v for k, v in values.items()})


# -- return_to: reopening a completed task -----------------------------------------------

def _return_target(workflow: BpmnWorkflow, element_id: str) -> SpiffTask:
    _refuse_if_ended(workflow)
    spec = _known_spec(workflow, element_id)
    if not _is_task(spec):
        raise DeviationNotApplicable(f"{element_id} is a {_kind(spec)}, not a task; return "
                                     "to a task")
    done = _instances(workflow, element_id, TaskState.COMPLETED)
    if not done:
        _refuse_if_cut(workflow, element_id)
        raise DeviationNotApplicable(f"{element_id} has not been done in this case, so the "
                                     "case cannot return to it")
    target = done[-1]
    _check_reopenable(workflow, target)
    return target


def _enclosing(workflow: BpmnWorkflow, task: SpiffTask) -> list[SpiffTask]:
    """The subprocess tasks around a task, innermost first."""
    chain = []
    owner = task.workflow
    while owner.parent_task_id is not None:
        sp_task = workflow.get_task_from_id(owner.parent_task_id)
        chain.append(sp_task)
        owner = sp_task.workflow
    return chain


def _refuse_if_cut(workflow: BpmnWorkflow, element_id: str, anchor: bool = False) -> None:
    """A long-running case keeps only its recent history in the engine (history.py)."""
    if anchor or history.cut_from_history(workflow, element_id):
        raise DeviationNotApplicable(
            f"{element_id} was last done too long ago: this long-running case keeps only "
            "its recent steps in the engine (the earlier ones are in the case history), so "
            "the case cannot go back to it")


def _check_reopenable(workflow: BpmnWorkflow, target: SpiffTask) -> None:
    element = _element(target)
    if history.is_anchor(target):
        _refuse_if_cut(workflow, element, anchor=True)
    for sp_task in _enclosing(workflow, target):
        if sp_task.state not in (TaskState.STARTED, TaskState.COMPLETED):
            raise DeviationNotApplicable(
                f"{element} lies in {_element(sp_task)}, which was "
                f"{TaskState.get_name(sp_task.state).lower()}; it cannot be reopened")
    for join in _joins_after(target):
        if not isinstance(join.task_spec, ParallelGatewayMixin):
            raise DeviationNotApplicable(
                f"{element} is on a branch of {_element(join)}, an inclusive gateway that "
                "has joined already; going back into one of its branches is not supported")


def _downstream_specs(spec: Any) -> set[Any]:
    seen: set[Any] = set()
    queue = deque(spec.outputs)
    while queue:
        current = queue.popleft()
        if current not in seen:
            seen.add(current)
            queue.extend(current.outputs)
    return seen


def _joins_after(target: SpiffTask) -> list[SpiffTask]:
    """Joins of parallel branches that fired after the target, outside its own subtree
    (the join fired on another branch): they must wait again for the target's branch."""
    ahead = _downstream_specs(target.task_spec)
    return [t for t in target.workflow.tasks.values()
            if isinstance(t.task_spec, (ParallelGatewayMixin, InclusiveGatewayMixin))
            and len(t.task_spec.inputs) > 1 and t.task_spec in ahead
            and t.state == TaskState.COMPLETED
            and t.last_state_change >= target.last_state_change
            and not t.is_descendant_of(target) and not target.is_descendant_of(t)]


def _reopen(workflow: BpmnWorkflow, target: SpiffTask) -> None:
    """Make a completed task READY again with the data the case has now."""
    finished = [t for t in _enclosing(workflow, target) if t.state == TaskState.COMPLETED]
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

    frontier = [t for t in _tasks(workflow) if t.has_state(UNDER_WAY) and _element(t)
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


# -- jump_to: forward along the model ----------------------------------------------------

def _jump_plan(workflow: BpmnWorkflow, element_id: str,
               from_task_id: str | None) -> tuple[SpiffTask, list[Any]]:
    starts = [_open_task(workflow, from_task_id)] if from_task_id is not None \
        else runtime._ready(workflow, manual=True)
    if not starts:
        raise DeviationNotApplicable("the case has no open task to jump from")
    plans: list[tuple[SpiffTask, list[Any]]] = []
    reasons: list[str] = []
    for start in starts:
        paths, blocked = _explore(start)
        path = next((p for name, p in paths.items()
                     if start.workflow.spec.task_specs[name].bpmn_id == element_id), None)
        if path is not None:
            plans.append((start, path))
        else:
            reasons.append(_no_path(start, element_id, blocked))
    if len(plans) == 1:
        return plans[0]
    if plans:
        names = ", ".join(_element(s) for s, _ in plans)
        raise DeviationNotApplicable(f"name the open task to jump from: {names} all lead to "
                                     f"{element_id}")
    raise DeviationNotApplicable("; ".join(reasons))


def _no_path(start: SpiffTask, element_id: str, blocked: dict[str, str]) -> str:
    message = (f"there is no path forward from {_element(start)} to {element_id} through "
               "tasks and exclusive gateways in the same (sub)process")
    specs = start.workflow.spec.task_specs
    leading = [reason for name, reason in blocked.items()  # only what stands in the way
               if element_id in {s.bpmn_id for s in _downstream_specs(specs[name])}]
    if leading:
        message += ": " + "; ".join(leading)
    elif element_id not in {getattr(s, "bpmn_id", None)
                            for s in _downstream_specs(start.task_spec)}:
        message += f" ({element_id} is not ahead of {_element(start)} there)"
    return message


def _explore(start: SpiffTask) -> tuple[dict[str, list[Any]], dict[str, str]]:
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
            paths[output.name] = path + [output]
            queue.append((output, path + [output]))
    return paths, blocked


def _impassable(start: SpiffTask, previous: Any, spec: Any) -> str | None:
    """Why a jump cannot pass or reach this step (None when it can)."""
    if _is_task(spec) or isinstance(spec, (ExclusiveGatewayMixin, BoundaryEventSplit)):
        return None
    name = _name(spec)
    if isinstance(spec, ParallelGatewayMixin) and len(spec.outputs) == 1:
        missing = _join_missing(start, spec, previous)
        if not missing:
            return None
        return (f"the path crosses the parallel join {name}, which would be left waiting for "
                f"{', '.join(missing)}: complete or skip that first")
    if isinstance(spec, ParallelGatewayMixin):
        return (f"the path crosses the parallel split {name}; a jump cannot open or pass "
                "parallel branches")
    return f"the path crosses {name} ({_kind(spec)}), which a jump cannot pass"


def _join_missing(start: SpiffTask, join: Any, arriving: Any) -> list[str]:
    """The incoming branches of a parallel join that have not arrived (mirrors the engine's
    threshold: a join instance of this round whose parent, an input of the join, has
    completed; joins.py)."""
    arrived = {t.parent.task_spec for top in joins.round_scope(join, start)
               for t in tasktree.subtree(top) if t.task_spec is join and t.parent is not None
               and t.parent.state == TaskState.COMPLETED}
    return [_name(s) for s in join.inputs if s is not arriving and s not in arrived]


def _walk(start: SpiffTask, path: list[Any], element_id: str) -> None:
    current = start
    for spec in path:
        _pass(current, spec)
        following = [c for c in current.children if c.task_spec is spec]
        if not following or following[0].state != TaskState.READY:
            state = TaskState.get_name(following[0].state).lower() if following else "absent"
            raise DeviationNotApplicable(f"the path to {element_id} stops at {_name(spec)} "
                                         f"({state})")
        current = following[0]


def _pass(task: SpiffTask, following: Any) -> None:
    """Finish a step on the way without performing it, heading for `following`."""
    if isinstance(task.task_spec, ExclusiveGatewayMixin):
        _route(task, following)
    elif _is_task(task.task_spec):
        task.complete()
    else:
        task.run()  # a split or join the engine would run by itself


def _route(gateway: SpiffTask, following: Any) -> None:
    """Send an exclusive gateway down one path without evaluating its conditions."""
    gateway._sync_children([following], TaskState.FUTURE)
    for child in gateway.children:
        child.task_spec._predict(child, mask=TaskState.FUTURE | TaskState.PREDICTED_MASK)
    gateway.complete()


# -- override_decision -------------------------------------------------------------------

def _decision_instance(workflow: BpmnWorkflow, element_id: str) -> SpiffTask:
    """The instance an override acts on: one that failed or waits to run, else the most
    recently completed one."""
    pending = _instances(workflow, element_id, PENDING)
    done = _instances(workflow, element_id, TaskState.COMPLETED)
    if pending:
        return pending[-1]
    if done:
        return done[-1]
    _refuse_if_cut(workflow, element_id)
    raise DeviationNotApplicable(f"{element_id} has not been reached in this case yet; its "
                                 "outcome can be overridden once it has run (or failed)")


def _outputs(spec: Any) -> list[str]:
    variable = getattr(spec, "result_variable", None)
    if variable:
        return [variable]
    table = getattr(getattr(spec, "dmnEngine", None), "decision_table", None)
    return [o.name for o in getattr(table, "outputs", [])]


def _override_outcome(workflow: BpmnWorkflow, element_id: str, values: dict[str, Any]) -> None:
    clean = _values(values)
    spec = _known_spec(workflow, element_id)
    missing = [name for name in _outputs(spec) if name not in clean]
    if missing:
        raise DeviationNotApplicable(f"give the new value of {', '.join(missing)}, the "
                                     f"outcome of {element_id}")
    task = _decision_instance(workflow, element_id)
    if task.state == TaskState.COMPLETED:
        if all(task.data.get(k) == v for k, v in clean.items()):
            raise DeviationNotApplicable(f"{element_id} already has this outcome; there is "
                                         "nothing to change")
        _check_reopenable(workflow, task)
        _reopen(workflow, task)
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


def _chosen_target(gateway: SpiffTask) -> str | None:
    targets = {spec: element for element, spec in _gateway_targets(gateway.task_spec).items()}
    chosen = [c for c in gateway.children if not c.has_state(TaskState.PREDICTED_MASK)
              and c.state != TaskState.CANCELLED and c.task_spec in targets]
    return targets[chosen[0].task_spec] if chosen else None


def _override_route(workflow: BpmnWorkflow, element_id: str, values: dict[str, Any]) -> None:
    if not isinstance(values, dict) or set(values) != {"flow"}:
        raise DeviationNotApplicable(f"give the path of {element_id} as {{'flow': <id of the "
                                     "element the path leads to>}")
    spec = _known_spec(workflow, element_id)
    targets = _gateway_targets(spec)
    if len(targets) < 2:
        raise DeviationNotApplicable(f"{element_id} has one way out; there is no path to "
                                     "choose")
    choice = str(values["flow"])
    if choice not in targets:
        raise DeviationNotApplicable(
            f"{element_id} has no path to {choice}; choose the element the path leads to: "
            + ", ".join(sorted(targets)))
    task = _decision_instance(workflow, element_id)
    if task.state == TaskState.COMPLETED:
        if _chosen_target(task) == choice:
            raise DeviationNotApplicable(f"{element_id} already took the path to {choice}")
        _check_reopenable(workflow, task)
        _reopen(workflow, task)
    _route(task, targets[choice])

