"""Service and send tasks whose `camunda:expression` calls nothing, run as Camunda 7 runs them.

GZAC models often give a service task `camunda:expression="${true}"` (or `${null}`): the
real work is a plugin action linked to the task outside the model. Camunda 7 evaluates
such an expression and goes on, and so does Maatwerk: the task becomes a plain task (whose
output parameter sets `camunda:resultVariable`, if any), and the upload notes that nothing
is called, and how to have a worker do the work instead. The same holds for an expression
that computes the result variable (`${bedrag * 2}`). `${execution.setVariable('status',
'klaar')}` sets the variable, as it does in Camunda 7.
"""
from __future__ import annotations

from lxml import etree

from . import juel, service_calls
from .expressions import problems_in_expression
from .io_mappings import mapping_element
from .model_upload import Report

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"


def expand(root: etree._Element, note: Report) -> None:
    for local in ("serviceTask", "sendTask"):
        for element in list(root.iter(f"{_B}{local}")):
            text = (element.get(f"{_C}expression") or "").strip()
            result = (element.get(f"{_C}resultVariable") or "").strip()
            if text.replace(" ", "").startswith(SET_VARIABLE):
                _setting_task(element, text)
            elif text and calls_nothing(text, bool(result)):
                _as_plain_task(element, text, note)


SET_VARIABLE = "${execution.setVariable("


def set_variable(expression: str) -> tuple[str, str]:
    """The name and the value (JUEL) of `${execution.setVariable('name', value)}`; raises
    ValueError with the reason when it is not that."""
    path, arguments = service_calls.bean_path(expression, "the expression")
    if path != "execution.setVariable" or arguments is None or len(arguments) != 2:
        raise ValueError(f"'{expression}' is not a call of execution.setVariable with a "
                         "name and a value")
    name = _quoted_name(arguments[0])
    if name is None:
        raise ValueError(f"execution.setVariable: the name {arguments[0].strip()} must be a "
                         "quoted variable name")
    return name, "${" + arguments[1] + "}"


def _quoted_name(argument: str) -> str | None:
    """The variable name a quoted argument (`'status'`, `"status"`) gives; None if none."""
    text = argument.strip()
    if len(text) < 2 or text[0] not in "'\"" or text[-1] != text[0] or \
            not text[1:-1].isidentifier():
        return None
    return text[1:-1]


REMOVE_VARIABLE = ("execution.removeVariable", "execution.processInstance.removeVariable")


def removed_variable(expression: str) -> str | None:
    """The variable `${execution.removeVariable('name')}` (or
    `execution.processInstance.removeVariable`) removes; None when the expression is no
    such call; ValueError when it is one with a name that is not a quoted variable name."""
    try:
        path, arguments = service_calls.bean_path(expression, "the expression")
    except service_calls.ServiceCallProblem:
        return None
    if path not in REMOVE_VARIABLE or arguments is None:
        return None
    name = _quoted_name(arguments[0]) if len(arguments) == 1 else None
    if name is None:
        raise ValueError(f"{path}: give one quoted variable name, not {', '.join(arguments)}")
    return name


def removing_script(name: str) -> str:
    """A Python script that removes the case variable, whether it is there or not."""
    return f"{name} = None\ndel {name}\n"


def add_output(element: etree._Element, name: str, value: str) -> None:
    """An output parameter on the element (its inputOutput made if it has none)."""
    etree.SubElement(mapping_element(element), f"{_C}outputParameter", name=name).text = value


def _setting_task(element: etree._Element, text: str) -> None:
    """`${execution.setVariable('status', 'klaar')}`: sets the variable, as in Camunda 7
    (a plain task with an output parameter); one that can't is refused as written."""
    try:
        name, value = set_variable(text)
    except (ValueError, service_calls.ServiceCallProblem):
        return  # the service task's checks name the reason
    element.tag = f"{_B}task"
    for attribute in ("expression", "resultVariable"):
        element.attrib.pop(f"{_C}{attribute}", None)
    add_output(element, name, value)


_LITERALS = {"true", "false", "null"}


def calls_nothing(text: str, kept: bool) -> bool:
    """A placeholder (`${true}`, `${null}`, a number or text), or, when its value is kept
    in a result variable, any valid expression that calls nothing. (A comparison whose
    value nobody keeps is a mistake, refused as not a call of a bean.) Text without `${`
    is a literal, which Camunda 7 evaluates to itself (GZAC models write `true`)."""
    if "${" not in text and "#{" not in text:
        return True
    try:
        tokens = juel.tokens_of(text)
        path, _arguments = service_calls.bean_path(text, "camunda:expression")
    except (juel.JuelError, service_calls.ServiceCallProblem):
        return False
    if tokens is None or path is not None or problems_in_expression(text):
        return False
    if kept:
        return not any(t.kind == "op" and t.text == "(" for t in tokens)
    return len(tokens) == 2 and (tokens[0].kind in ("number", "string") or
                                 (tokens[0].kind == "name" and tokens[0].text in _LITERALS))


def _as_plain_task(element: etree._Element, text: str, note: Report) -> None:
    result = (element.get(f"{_C}resultVariable") or "").strip()
    element.tag = f"{_B}task"
    for name in ("expression", "resultVariable"):
        element.attrib.pop(f"{_C}{name}", None)
    if result:
        add_output(element, result, text)
    into = f" into '{result}'" if result else ""
    note(element.get("id"), f"camunda:expression '{text}' calls no bean: as in Camunda 7 the "
         f"task evaluates it{into} and the case goes on. (A GZAC plugin action linked to "
         "this task is not part of the model: to have a worker do it, choose Implementation "
         "'External' with a topic.)")
