"""Parallel and inclusive joins that also work inside a loop (SpiffWorkflow 3.2 fix).

The engine decides whether a join may fire from the join's instances in the whole task
tree: an instance whose parent (an incoming branch) has completed counts as an arrived
token. In a loop the instances of earlier rounds are still in the tree, so:
- parallel join: the instance that was cancelled when the join fired in an earlier round
  keeps counting as an arrived token of its branch. When the branches finish in another
  order than in the first round, the join fired as soon as one branch arrived (the other
  branch's task stayed open and was opened a second time in the next round);
- inclusive join: the engine searches from the root and stops at the first instance on a
  path, i.e. the first round's, so from the second round on the join fired as soon as any
  branch arrived.

Here a join instance only counts what arrived after the same join last fired on its own
path: the search starts below the nearest earlier instance of the join among its
ancestors (from the root in the first round, exactly as the engine does). A join that is
put back to waiting by a deviation (deviations._reopen) lies below that instance, so it
still counts. Covered by tests/engine/test_history.py (loops in both orders).
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.defaults import InclusiveGateway, ParallelGateway
from SpiffWorkflow.task import Task as SpiffTask
from SpiffWorkflow.util.task import TaskState


def round_scope(spec: Any, my_task: SpiffTask) -> list[SpiffTask]:
    """Where this round's instances of a join and its tokens are, seen from a task on the
    way to it: below the previous instance of the join on the task's path, or the whole
    tree in the first round."""
    node = my_task.parent
    while node is not None:
        if node.task_spec is spec:
            children: list[SpiffTask] = node.children
            return children
        node = node.parent
    return [my_task.workflow.task_tree]


class LoopSafeParallelGateway(ParallelGateway):

    def _check_threshold_unstructured(self, my_task: SpiffTask) -> bool:
        tasks = [t for start in round_scope(self, my_task)
                 for t in my_task.workflow.get_tasks(first_task=start, spec_name=self.name)]
        waiting_inputs = set(self.inputs)

        def remove_ancestor(task: SpiffTask) -> None:
            node: SpiffTask | None = task
            while node is not None:
                if node.task_spec in waiting_inputs:
                    waiting_inputs.remove(node.task_spec)
                    return
                node = node.parent

        for task in tasks:
            if task.is_descendant_of(my_task):  # first round of a loop through this join
                remove_ancestor(task)
            elif my_task.is_descendant_of(task):
                continue
            elif task.parent.state == TaskState.COMPLETED and task.parent.task_spec in \
                    waiting_inputs:
                waiting_inputs.remove(task.parent.task_spec)
        return len(waiting_inputs) == 0


class LoopSafeInclusiveGateway(InclusiveGateway):

    def _check_threshold_unstructured(self, my_task: SpiffTask) -> bool:
        # The engine's method with the search limited to this round (see the docstring).
        tasks, sources = [], []
        for start in round_scope(self, my_task):
            for task in my_task.workflow.get_tasks(first_task=start, end_at_spec=self.name):
                if task.task_spec == self:
                    tasks.append(task)
                elif task.has_state(TaskState.READY | TaskState.WAITING):
                    sources.append(task.task_spec)

        completed_inputs = {task.parent.task_spec for task in tasks
                            if task.parent.state == TaskState.COMPLETED}
        for task in tasks:
            if task.parent.has_state(TaskState.DEFINITE_MASK) and \
                    task.parent.task_spec not in completed_inputs:
                return False

        waiting_inputs = [i for i in self.inputs if i not in completed_inputs]
        checked: list[Any] = []

        def check(spec: Any) -> Any:
            checked.append(spec)
            for parent in spec.inputs:
                if parent not in checked:
                    return parent if parent in sources else check(parent)
            return None

        for spec in completed_inputs:
            source = check(spec)
            if source is not None:
                sources.remove(source)
        return not any(check(spec) is not None for spec in waiting_inputs)
