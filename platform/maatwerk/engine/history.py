"""Long-running cases: old history out of the engine's live state.

Why. SpiffWorkflow keeps every task a case ever ran in one tree: each round of a loop
(information requested again, an objection, a repeated check) hangs the next round below
the last. The engine walks that tree from its root on every step, with a depth limit of 1000
(util/task.py): after about 500 rounds `get_tasks(READY)` found nothing and `is_completed()`
said True (ENGINE.md); where a boundary event sits in the loop, the recursive
`Task.is_descendant_of` of its join hit Python's recursion limit after about 190 rounds
(a RecursionError). And every step, dump and load cost time in proportion to the history.

What. `compact(workflow)`, run after every step (runtime._advance), keeps the tree of the
top workflow and of every running subprocess short. Tasks that still matter ("live") are
the unfinished ones (anything not COMPLETED or CANCELLED: an ERROR step is retried) and
everything above them. Below the root, a run of finished tasks that each lead to exactly
one live task is a chain: the history of one line of work. When such a chain is longer than
CUT_ABOVE_LEVELS, all but its last KEEP_LEVELS tasks go: the oldest task kept (the anchor)
is hung under the task above the chain (the workflow's root, or the first task of a
parallel branch), and the removed tasks' finished side branches (cancelled boundary timers,
joins, the instances of a multi-instance task), their finished subprocesses and any entry in
the engine's event manager go with them. Nothing unfinished is touched, nor anything below
the point where the live tasks part ways, so waiting joins, boundary events (the 8-week
decision term on a subprocess keeps its due moment), event gateways and multi-instance tasks
see the same tasks as before. A tree of at most CHECK_ABOVE_TASKS tasks is not even looked
at: ordinary cases never change.

Why this design (and not another). The engine's task tree is its state: joins, boundary
events and resets read it, so a second store of history that the engine would consult is
not possible without patching it. Cutting the top of the tree keeps the engine's own
structures and serializer and bounds their size: the live state of a case that looped
2,000 times is as large as one that looped a dozen times, so a step costs the same.
Keeping a window (rather than cutting right above the open tasks) leaves the recent rounds
in place for deviations: "return to an earlier step" reopens the most recent instance of a
step, which for the steps of a loop is always in the window.

What is given up. A deviation can no longer reach a step whose instances have all been cut
(say the intake before 2,000 rounds of requests for information), nor the anchor (its parent
is not the task that ran before it any more): return_to and override_decision refuse that
with a reason (`cut_from_history`, `is_anchor`). The root of each workflow records how many
tasks were cut and which elements they belonged to (ROOT_KEY in its internal data).

Where the history lives. Nothing the case did is lost by a cut: every step a person did
is a row in `tasks` (which step, who completed it and when; services/tasks.py) and a
`task_completed` event with the data entered; every automatic step (with a decision's
outcome), timer, deviation and the case's end is an event in the tamper-evident audit chain
(`audit_events`, written by services/case_steps.py in the same transaction as the engine
state). The case page and the resident's status page build their history from those rows
and events (cases.history), never from the engine's task tree.
"""
from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.specs.bpmn_process_spec import AdHocSubprocessSpec
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState
from SpiffWorkflow.workflow import Workflow

from . import tasktree

CHECK_ABOVE_TASKS = 100  # a (sub)workflow with fewer tasks is left alone without a look
CUT_ABOVE_LEVELS = 60    # a chain of finished tasks is cut once it is longer than this ...
KEEP_LEVELS = 30         # ... down to this many of its most recent tasks

ROOT_KEY = "maatwerk:history"   # on a workflow's root: {"cut": n, "elements": [...]}
ANCHOR_KEY = "maatwerk:anchor"  # on the oldest task kept of a cut chain

# Tasks whose own logic reads their children after they finished: a cut chain is never
# hung under one of these (the chain's head moves down to the first task that is not).
_NOT_A_HEAD = (Join, BoundaryEventSplit, MultiChoice, EventBasedGateway, LoopTask,
               SubWorkflowTask)


def compact(workflow: BpmnWorkflow) -> int:
    """Cut old history out of the workflow and its running subprocesses; the number of
    tasks removed (0 for a case whose trees are small)."""
    removed = 0
    for owner in tasktree.owners(workflow):
        if len(owner.tasks) <= CHECK_ABOVE_TASKS or isinstance(owner.spec, AdHocSubprocessSpec):
            continue
        if owner is not workflow and owner.parent_task_id not in workflow.subprocesses:
            continue  # went with a task cut from its parent workflow just now
        removed += _compact_tree(workflow, owner)
    if removed:
        tasktree.forget_removed(workflow)
    return removed


def cut_from_history(workflow: BpmnWorkflow, element_id: str) -> bool:
    """Whether instances of this element were cut from the live state."""
    return any(element_id in owner.task_tree.internal_data.get(ROOT_KEY, {}).get("elements", [])
               for owner in tasktree.owners(workflow))


def is_anchor(task: SpiffTask) -> bool:
    """The oldest task kept of a cut chain: the task above it is no longer the one that ran
    before it, so it cannot be reset (its data would come from the wrong task)."""
    return bool(task.internal_data.get(ANCHOR_KEY))


def cut_count(workflow: BpmnWorkflow) -> int:
    """How many tasks were cut from this case's live state so far."""
    return sum(int(owner.task_tree.internal_data.get(ROOT_KEY, {}).get("cut", 0))
               for owner in tasktree.owners(workflow))


# -- inside ------------------------------------------------------------------------------

def _compact_tree(workflow: BpmnWorkflow, owner: Workflow) -> int:
    live = _live(workflow, owner)
    root = owner.task_tree
    if root.id not in live:
        return 0  # a finished workflow: nothing runs here any more
    removed = 0
    heads = [root]
    while heads:
        head = heads.pop()
        path = _chain(workflow, head, live)
        start = next((i for i, t in enumerate(path[:-1]) if _may_head(t, root)), None)
        if start is not None:
            between = path[start + 1:-1]
            if len(between) > CUT_ABOVE_LEVELS:
                cut = len(between) - KEEP_LEVELS
                removed += _cut(workflow, owner, path[start], between[:cut], between[cut])
        heads.extend(c for c in path[-1].children if c.id in live)
    return removed


def _live(workflow: BpmnWorkflow, owner: Workflow) -> set[UUID]:
    """Unfinished tasks (or finished ones with a running subprocess) and their ancestors."""
    live: set[UUID] = set()
    for task in owner.tasks.values():
        if task.has_state(tasktree.DONE) and not _runs_subprocess(workflow, task):
            continue
        node: SpiffTask | None = task
        while node is not None and node.id not in live:
            live.add(node.id)
            node = node.parent
    return live


def _runs_subprocess(workflow: BpmnWorkflow, task: SpiffTask) -> bool:
    sub = workflow.subprocesses.get(task.id)
    return sub is not None and not sub.completed


def _chain(workflow: BpmnWorkflow, head: SpiffTask, live: set[UUID]) -> list[SpiffTask]:
    """From `head` down while a finished task leads to exactly one live task; the last task
    of the path is unfinished, or the point where live tasks part ways."""
    path = [head]
    node = head
    while node.has_state(tasktree.DONE) and not _runs_subprocess(workflow, node):
        following = [c for c in node.children if c.id in live]
        if len(following) != 1:
            break
        node = following[0]
        path.append(node)
    return path


def _may_head(task: SpiffTask, root: SpiffTask) -> bool:
    return task is root or not isinstance(task.task_spec, _NOT_A_HEAD)


def _cut(workflow: BpmnWorkflow, owner: Workflow, head: SpiffTask, chain: list[SpiffTask],
         anchor: SpiffTask) -> int:
    """Remove `chain` (consecutive tasks below `head`) with its finished side branches and
    hang `anchor` (the task after the chain) under `head`."""
    on_chain = {t.id for t in chain} | {anchor.id}
    doomed: list[SpiffTask] = []
    for task in chain:
        doomed.append(task)
        for child in task.children:
            if child.id not in on_chain:
                doomed.extend(tasktree.subtree(child))
    elements: set[str] = set()
    for task in doomed:
        _note(task, elements)
        if task.id in workflow.subprocesses:
            for sub_task in _drop_subprocess(workflow, task.id):
                _note(sub_task, elements)
    for task in doomed:
        owner.tasks.pop(task.id, None)
    first = chain[0].id
    head._children = [anchor.id if c == first else c for c in head._children]
    anchor._parent = head.id
    anchor.internal_data[ANCHOR_KEY] = True
    record: dict[str, Any] = owner.task_tree.internal_data.setdefault(
        ROOT_KEY, {"cut": 0, "elements": []})
    record["cut"] = int(record["cut"]) + len(doomed)
    record["elements"] = sorted(set(record["elements"]) | elements)
    return len(doomed)


def _note(task: SpiffTask, elements: set[str]) -> None:
    element = getattr(task.task_spec, "bpmn_id", None)
    if element and task.state == TaskState.COMPLETED:
        elements.add(element)


def _drop_subprocess(workflow: BpmnWorkflow, task_id: UUID) -> list[SpiffTask]:
    """Forget the (finished) subprocess of a removed task, with the ones nested in it."""
    sub = workflow.subprocesses.pop(task_id, None)
    if sub is None:
        return []
    tasks = list(sub.tasks.values())
    for inner in list(tasks):
        tasks.extend(_drop_subprocess(workflow, inner.id))
    return tasks
