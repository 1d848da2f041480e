"""Camunda 7 input/output mappings (`camunda:inputOutput`) on tasks and events.

An input parameter is a local variable of the activity: evaluated against the case's data
when the activity starts, seen by the activity (a form, a worker, a script), and gone when
it ends; a case variable of the same name is hidden meanwhile and comes back unchanged.
An output parameter is evaluated against what the activity knew at its end (its inputs and
what it set) and becomes case data. Variables the activity sets that are not inputs become
case data as without a mapping (Camunda sets them in the highest scope).

A parameter's value is text (`klaar`), an expression (`${bedrag * 2}`, or text with
expressions in it: `Zaak ${zaaknummer}`), a `camunda:list`, a `camunda:map`, or a Python
`camunda:script` of one expression. Nothing given is null.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException

from . import juel, sandbox
from .expressions import PYTHON_FORMATS, evaluate_python, problems_in_expression, to_python

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_C = "{" + CAMUNDA_NS + "}"
_LOCAL = "camunda_io_local"  # internal data of a task: what its inputs hid or made
CONNECTOR_MARK = "{urn:maatwerk:rewrite}connector"  # set by connectors.py

# a value, as nested tuples: ("null",), ("text", str), ("expression", python),
# ("list", (value, ...)), ("map", ((key, value), ...))
Value = tuple[Any, ...]


class MappingProblem(ValueError):
    """A parameter that can't be read (for the upload's error list)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Value


@dataclass(frozen=True)
class Mapping:
    inputs: tuple[Parameter, ...]
    outputs: tuple[Parameter, ...]
    # a connector's task (connectors.py): only the outputs leave it, not what the worker sent
    connector: bool = False


def mapping_element(element: etree._Element) -> etree._Element:
    """The element's camunda:inputOutput, made (with its extensionElements) if it has none:
    for the model rewrites that add parameters (connectors, fields, setVariable, ...)."""
    extensions = element.find(f"{{{_BPMN}}}extensionElements")
    if extensions is None:
        extensions = etree.Element(f"{{{_BPMN}}}extensionElements")
        element.insert(0, extensions)
    found = extensions.find(f"{_C}inputOutput")
    if found is None:
        found = etree.SubElement(extensions, f"{_C}inputOutput")
    return found


def read(element: etree._Element) -> Mapping | None:
    """The mapping of a flow element (None: it has none); raises MappingProblem."""
    found = element.find(f"{{{_BPMN}}}extensionElements/{_C}inputOutput")
    if found is None:
        return None
    inputs = tuple(_parameter(p, "input") for p in found.iterfind(f"{_C}inputParameter"))
    outputs = tuple(_parameter(p, "output") for p in found.iterfind(f"{_C}outputParameter"))
    return Mapping(inputs, outputs, connector=found.get(CONNECTOR_MARK) is not None)


_BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"


def _parameter(node: etree._Element, kind: str) -> Parameter:
    name = (node.get("name") or "").strip()
    if not name.isidentifier():
        raise MappingProblem(f"{kind} parameter '{name}': the name must be a variable name")
    try:
        return Parameter(name, _value(node))
    except MappingProblem as exc:
        raise MappingProblem(f"{kind} parameter '{name}': {exc}") from None


def _value(node: etree._Element) -> Value:
    children = [c for c in node if isinstance(c.tag, str)]
    if not children:
        return _text(node.text or "")
    if len(children) > 1 or (node.text or "").strip():
        raise MappingProblem("give one value: text, an expression, a list, a map or a script")
    child = children[0]
    local = etree.QName(child).localname if etree.QName(child).namespace == CAMUNDA_NS else ""
    if local == "list":
        return ("list", tuple(_value(v) for v in child.iterfind(f"{_C}value")))
    if local == "map":
        entries = []
        for entry in child.iterfind(f"{_C}entry"):
            if not entry.get("key"):
                raise MappingProblem("a map entry has no key")
            entries.append((entry.get("key"), _value(entry)))
        return ("map", tuple(entries))
    if local == "script":
        return _script(child)
    raise MappingProblem(f"'{etree.QName(child).localname}' is not a value; use text, an "
                         "expression, camunda:list, camunda:map or camunda:script")


def _text(text: str) -> Value:
    if not text.strip():
        return ("null",)
    if not juel.is_juel(text):
        return ("text", text)
    problems = problems_in_expression(text)
    if problems:
        raise MappingProblem(problems[0])
    return ("expression", to_python(text))


def _script(node: etree._Element) -> Value:
    language = (node.get("scriptFormat") or "").lower()
    if language not in PYTHON_FORMATS:
        raise MappingProblem(f"script format '{language}' is not supported; write one "
                             "Python expression (scriptFormat python)")
    if node.get("resource"):
        raise MappingProblem("external script resources are not supported")
    text = (node.text or "").strip()
    problems = sandbox.check_expression(text) if text else ["the script is empty"]
    if problems:
        raise MappingProblem(f"the script must be one Python expression: {problems[0]}")
    return ("expression", text)


def evaluate(value: Value, data: dict[str, Any]) -> Any:
    kind = value[0]
    if kind == "null":
        return None
    if kind == "text":
        return value[1]
    if kind == "expression":
        return evaluate_python(value[1], data)
    if kind == "list":
        return [evaluate(item, data) for item in value[1]]
    return {key: evaluate(item, data) for key, item in value[1]}


class Inputs:
    """Sets the input parameters as the task becomes ready (a Spiff pre-assignment)."""

    def __init__(self, parameters: tuple[Parameter, ...], connector: bool = False) -> None:
        self.parameters = parameters
        self.connector = connector

    def assign(self, from_task: Any, to_task: Any) -> None:
        data = to_task.data
        try:
            values = _all(self.parameters, data, to_task, "input")
        except WorkflowTaskException:
            to_task.error()  # a failed step, which a retry starts again
            raise
        to_task.internal_data[_LOCAL] = {
            "hidden": {p.name: data[p.name] for p in self.parameters if p.name in data},
            "made": [p.name for p in self.parameters if p.name not in data]}
        if self.connector:  # only the outputs leave a connector's task
            to_task.internal_data[_LOCAL]["before"] = sorted(data)
        data.update(values)


class Outputs:
    """Ends the inputs and sets the output parameters as the task ends (a post-assignment)."""

    def __init__(self, parameters: tuple[Parameter, ...]) -> None:
        self.parameters = parameters

    def assign(self, from_task: Any, to_task: Any) -> None:
        data = to_task.data
        values = _all(self.parameters, data, to_task, "output")
        local = to_task.internal_data.pop(_LOCAL, None) or {}
        for name in local.get("made", []):
            data.pop(name, None)
        if "before" in local:
            for name in set(data) - set(local["before"]):
                data.pop(name)
        data.update(local.get("hidden", {}))
        data.update(values)


def _all(parameters: tuple[Parameter, ...], data: dict[str, Any], task: Any,
         kind: str) -> dict[str, Any]:
    values = {}
    for parameter in parameters:
        try:
            values[parameter.name] = evaluate(parameter.value, data)
        except Exception as exc:  # the sandbox's errors, an unknown variable, ...
            raise WorkflowTaskException(f"{kind} parameter '{parameter.name}' could not be "
                                        f"evaluated: {exc}", task=task) from exc
    return values


def attach(spec: Any, mapping: Mapping) -> None:
    """Run the mapping around a task spec: inputs when it becomes ready, outputs (and the
    end of the inputs) when it has run."""
    if mapping.inputs or mapping.connector:
        spec.pre_assign.append(Inputs(mapping.inputs, mapping.connector))
    spec.post_assign.append(Outputs(mapping.outputs))
