"""Camunda 7's variable mappings of a call activity: `camunda:in` and `camunda:out`.

With mappings, the called process starts with only what `camunda:in` passes (a variable
under a new name, an expression's value, or `variables="all"`), and the calling process
gets back only what `camunda:out` names; its own variables stay as they were. A source
variable that does not exist passes null, as in Camunda. `businessKey` is accepted: the
called process runs in the same case, so it has the case's reference already. A call
activity without any mapping passes all variables in and back (the engine's way; Camunda
would pass none).
"""
from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import CallActivity

from . import io_mappings
from .expressions import evaluate, problems_in_expression

_C = "{http://camunda.org/schema/1.0/bpmn}"
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


class CallMappingProblem(ValueError):
    """A camunda:in or camunda:out that can't be run (for the upload's error list)."""


@dataclass(frozen=True)
class Passing:
    """One camunda:in or camunda:out: all variables, or one value under a target name."""

    everything: bool = False
    source: str | None = None
    expression: str | None = None
    target: str | None = None


@dataclass(frozen=True)
class CallMapping:
    ins: tuple[Passing, ...]
    outs: tuple[Passing, ...]


def read(element: etree._Element) -> CallMapping | None:
    """The mappings of a call activity (None: it has none); raises CallMappingProblem."""
    extensions = element.find(f"{_BPMN}extensionElements")
    if extensions is None:
        return None
    ins = [_passing(node, "in") for node in extensions.iterfind(f"{_C}in")]
    outs = [_passing(node, "out") for node in extensions.iterfind(f"{_C}out")]
    if not ins and not outs:
        return None
    return CallMapping(tuple(p for p in ins if p is not None),
                       tuple(p for p in outs if p is not None))


def _passing(node: etree._Element, kind: str) -> Passing | None:
    if node.get("local") == "true" and kind == "out":
        raise CallMappingProblem("camunda:out with local=\"true\" is not supported")
    if node.get("businessKey") is not None:
        if kind == "out":
            raise CallMappingProblem("camunda:out has no businessKey")
        return None  # the called process is part of the same case, with its reference
    if node.get("variables") is not None:
        if node.get("variables") != "all":
            raise CallMappingProblem(f"camunda:{kind} variables=\"{node.get('variables')}\" "
                                     "is not supported; use variables=\"all\"")
        return Passing(everything=True)
    target = (node.get("target") or "").strip()
    source, expression = node.get("source"), node.get("sourceExpression")
    if not target.isidentifier():
        raise CallMappingProblem(f"camunda:{kind} needs a target variable name "
                                 f"(got '{target}')")
    if (source is None) == (expression is None):
        raise CallMappingProblem(f"camunda:{kind} to '{target}' needs a source or a "
                                 "sourceExpression (one of them)")
    if expression is not None:
        problems = problems_in_expression(expression)
        if problems:
            raise CallMappingProblem(f"camunda:{kind} to '{target}': {problems[0]}")
    return Passing(source=source, expression=expression, target=target)


def _passed(passings: tuple[Passing, ...], data: dict[str, Any], task: Any,
            kind: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for passing in passings:
        if passing.everything:
            values.update(deepcopy(data))
        elif passing.source is not None:
            values[passing.target or ""] = deepcopy(data.get(passing.source))
        else:
            try:
                values[passing.target or ""] = evaluate(passing.expression or "", data)
            except Exception as exc:  # the sandbox's errors, an unknown variable, ...
                raise WorkflowTaskException(
                    f"camunda:{kind} to '{passing.target}' could not be evaluated: {exc}",
                    task=task) from exc
    return values


class MappedCallActivity(CallActivity):
    """A call activity that honours camunda:in and camunda:out, and its
    camunda:inputOutput (both set after parsing). Its input parameters are its own
    variables, as on a task: set before camunda:in passes anything (so an `in` may pass
    them on), gone when it ends; its output parameters are evaluated after camunda:out,
    against what it knows then, and become case data."""

    mapping: CallMapping | None = None
    io: io_mappings.Mapping | None = None

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        if self.io is not None:
            io_mappings.Inputs(self.io.inputs).assign(my_task, my_task)
        if self.mapping is None:
            super().copy_data(my_task, subworkflow)
            return
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True,
                                          spec_name="Start")
        start.set_data(**_passed(self.mapping.ins, my_task.data, my_task, "in"))

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        if self.mapping is None:
            super().update_data(my_task, subworkflow)
        else:
            result = subworkflow.last_task.data if subworkflow.last_task else {}
            my_task.data.update(_passed(self.mapping.outs, result, my_task, "out"))
        if self.io is not None:
            io_mappings.Outputs(self.io.outputs).assign(my_task, my_task)
