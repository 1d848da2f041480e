"""Camunda multi-instance tasks: their collection as Camunda 7 reads it, a clear error
when it is not a list, and Camunda's loop variables in the completion condition.

`camunda:collection` names a variable (`reviewers`) or is an expression; Camunda Modeler
users mostly write `${reviewers}`, which the engine took for a variable of that literal
name. It is read as the variable; another expression is refused at upload. The engine
iterates what the variable holds; a variable that is missing or not a list failed there
with a bare TypeError (a server error). Here it is a failed step of the task, with the
variable named, which a retry runs again after the data is mended.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sized
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.camunda.specs.multiinstance_task import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)

from .. import config
from .model_upload import Report


def _check_collection(spec: Any, my_task: Any) -> None:
    reference = getattr(spec, "data_input", None)
    if reference is None:
        _check_cardinality(spec, my_task)
        return
    value = my_task.data.get(reference.bpmn_id)
    if value is None or isinstance(value, str) or not isinstance(value, Iterable):
        raise WorkflowTaskException(
            f"the collection '{reference.bpmn_id}' (camunda:collection) is "
            f"{'missing' if value is None else 'not a list'} (the task repeats once for each "
            "item of a list)", task=my_task)
    count = len(value) if isinstance(value, Sized) else None
    if count is None or count > config.MAX_INSTANCES:
        raise WorkflowTaskException(_too_many(f"the collection '{reference.bpmn_id}'",
                                              count), task=my_task)


def _check_cardinality(spec: Any, my_task: Any) -> None:
    """loopCardinality: a whole number from 0 up to the platform's limit."""
    if getattr(spec, "cardinality", None) is None:
        return
    value = my_task.workflow.script_engine.evaluate(my_task, spec.cardinality)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise WorkflowTaskException(
            f"loopCardinality gave {value!r}: the number of times the task repeats must be "
            "a whole number, 0 or more", task=my_task)
    if value > config.MAX_INSTANCES:
        raise WorkflowTaskException(_too_many("loopCardinality", value), task=my_task)


def _too_many(what: str, count: int | None) -> str:
    return (f"{what} asks for {count if count is not None else 'an unknown number of'} "
            f"instances of the task; at most {config.MAX_INSTANCES} are made "
            "(MAATWERK_MAX_INSTANCES). Correct the data, then retry the case")


def _completed(spec: Any, my_task: Any) -> Any:
    """The completion condition, with the variables Camunda gives it: nrOfInstances,
    nrOfCompletedInstances, nrOfActiveInstances (and loopCounter, of the last instance)."""
    merged = my_task.internal_data.get("merged", [])
    if not merged or spec.condition is None:
        return None
    instances = [c for c in my_task.children if c.task_spec.name == spec.task_spec]
    last = next(c for c in my_task.children if str(c.id) == merged[-1])
    remaining = len(my_task.internal_data.get("remaining", []))
    counts = {"nrOfInstances": len(instances) + remaining,
              "nrOfCompletedInstances": len(merged),
              "nrOfActiveInstances": len(instances) - len(merged),
              "loopCounter": len(merged) - 1}
    return my_task.workflow.script_engine.evaluate(last, spec.condition, external_context=counts)


def _keep_variables(spec: Any, child: Any) -> None:
    """What an instance set becomes case data, as in Camunda (where a completed task's
    variables go to the process); the element variable stays the instance's own."""
    own = {ref.bpmn_id for ref in (spec.output_item, spec.input_item) if ref is not None}
    collection = {ref.bpmn_id for ref in (spec.data_input, spec.data_output) if ref is not None}
    for name, value in child.data.items():
        if name not in own and name not in collection:
            child.parent.data[name] = value


class _Checked:
    """What both kinds of multi-instance task add to the engine's (mixed in before it)."""

    output_item: Any

    def create_children(self, my_task: Any) -> None:
        _check_collection(self, my_task)
        super().create_children(my_task)  # type: ignore[misc]

    def check_completion_condition(self, my_task: Any) -> Any:
        return _completed(self, my_task)

    def merge_child(self, workflow: Any, child: Any) -> None:
        if self.output_item is not None:
            _keep_variables(self, child)
        super().merge_child(workflow, child)  # type: ignore[misc]


class CheckedSequentialMultiInstanceTask(_Checked, SequentialMultiInstanceTask):
    pass


class CheckedParallelMultiInstanceTask(_Checked, ParallelMultiInstanceTask):
    pass


def checked(spec: Any) -> None:
    """Give a parsed multi-instance task spec the checks above."""
    if isinstance(spec, SequentialMultiInstanceTask):
        spec.__class__ = CheckedSequentialMultiInstanceTask
    elif isinstance(spec, ParallelMultiInstanceTask):
        spec.__class__ = CheckedParallelMultiInstanceTask


_C = "{http://camunda.org/schema/1.0/bpmn}"
_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_VARIABLE = re.compile(r"^\$\{\s*([A-Za-z_]\w*)\s*\}$")


def expand(root: etree._Element, problem: Report) -> None:
    """`camunda:collection="${name}"` becomes `name`; another expression is refused."""
    for loop in root.iter(f"{_B}multiInstanceLoopCharacteristics"):
        given = loop.get(f"{_C}collection")
        if given is None:
            continue
        match = _VARIABLE.match(given.strip())
        if match:
            loop.set(f"{_C}collection", match.group(1))
        elif not given.strip().isidentifier():
            parent = loop.getparent()
            problem(parent.get("id") if parent is not None else None,
                    f"camunda:collection '{given}': name the variable that holds the list, "
                    "as `items` or `${items}`")
