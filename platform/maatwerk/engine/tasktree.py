"""Surgery on the engine's task tree, shared by deviations, retry and history compaction.

SpiffWorkflow 3.2 has no public API for any of this; what is used (Task._drop_children,
Task._set_state, the base Workflow.reset_from_task_id, the event manager's task map) is
pinned to that version and covered by tests/engine/test_engine_deviations.py and
tests/engine/test_history.py.
"""
from __future__ import annotations

from collections.abc import Iterator

from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

# Finished for good. ERROR is "finished" to the engine, but a failed step is retried.
DONE = TaskState.COMPLETED | TaskState.CANCELLED


def owners(workflow: BpmnWorkflow) -> list[Workflow]:
    """The top workflow and every (nested) subprocess workflow of a case."""
    return [workflow, *workflow.subprocesses.values()]


def all_tasks(workflow: BpmnWorkflow) -> list[SpiffTask]:
    tasks = list(workflow.tasks.values())
    for sub in workflow.subprocesses.values():
        tasks.extend(sub.tasks.values())
    return tasks


def waiting_timers(workflow: BpmnWorkflow) -> Iterator[SpiffTask]:
    """The timer events of a case that wait now, with their due moment as the engine keeps
    it (`internal_data["event_value"]`, an ISO 8601 text)."""
    for task in all_tasks(workflow):
        if task.state == TaskState.WAITING and isinstance(
                task.internal_data.get("event_value"), str) and isinstance(
                getattr(task.task_spec, "event_definition", None), TimerEventDefinition):
            yield task


def subtree(task: SpiffTask) -> Iterator[SpiffTask]:
    """A task and everything below it (iterative: trees can be deep)."""
    stack = [task]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def drop_after(workflow: BpmnWorkflow, task: SpiffTask) -> None:
    """Remove everything after a task (and the subprocesses of what is removed)."""
    for later in list(subtree(task)):
        if later is not task and later.id in workflow.subprocesses:
            workflow.delete_subprocess(later)
    task._drop_children(force=True)


def reset_in_place(workflow: BpmnWorkflow, target: SpiffTask, with_boundary: bool = True) -> None:
    """Make a task run again, staying inside the target's own (sub)process.

    The engine's BpmnWorkflow.reset_from_task_id also resets the enclosing subprocess with
    all its boundary events (restarting the decision term, dropping a fired deadline
    branch); this does not. `with_boundary`: the target's own boundary events start again
    too (a new request); without it they keep waiting with their due moment (a retry)."""
    owner = target.workflow
    boundary = with_boundary and target.parent is not None and \
        isinstance(target.parent.task_spec, BoundaryEventSplit)
    top = target.parent if boundary else target
    for later in list(subtree(top)):
        if later is not target and later.id in workflow.subprocesses:
            workflow.delete_subprocess(later)
    for task in list(top.children) if boundary else [target]:
        Workflow.reset_from_task_id(owner, task.id)


def forget_orphans(workflow: BpmnWorkflow) -> None:
    """Forget subprocesses whose task is no longer in the tree, with what waits in them:
    the engine drops the rounds of a repeating subprocess that an interrupting event
    cancels, but keeps their subprocess workflows (reading one then crashed)."""
    removed = False
    while True:
        alive = {t.id for t in all_tasks(workflow)}
        orphans = [task_id for task_id in workflow.subprocesses if task_id not in alive]
        if not orphans:
            break
        for task_id in orphans:
            workflow.subprocesses.pop(task_id, None)
        removed = True
    if removed:
        forget_removed(workflow)


def forget_removed(workflow: BpmnWorkflow) -> None:
    """Tidy up after tasks were taken out of the tree: the engine keeps them in its event
    manager (its next timer refresh crashed on them) and may still name one as a workflow's
    last task (which a dump + load then loses)."""
    alive = {t.id: t for t in all_tasks(workflow)}
    manager = workflow.event_manager
    for task_id, task in list(manager.tasks.items()):
        if alive.get(task_id) is not task:
            manager.tasks.pop(task_id, None)
    for owner in owners(workflow):
        if owner.last_task is not None and owner.last_task.id not in owner.tasks:
            done = [t for t in owner.tasks.values() if t.state == TaskState.COMPLETED]
            owner.last_task = max(done, key=lambda t: t.last_state_change, default=None)
