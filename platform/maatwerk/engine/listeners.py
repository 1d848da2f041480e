"""Camunda 7 execution and task listeners, each run as a step of its own.

In Camunda 7 a listener runs Java code or a script when something happens to an element.
This platform runs no Java, so before the engine reads a model every listener becomes a
step in the process graph, placed where its event happens (listener_placement.py):

- `class`, `delegateExpression` and an `expression` that calls a bean become an external
  task of that topic (service_calls.py), which a worker does and the case waits for, as a
  service task bound to the same code would;
- `${execution.setVariable('name', value)}` sets the case variable (a step with only an
  output parameter, io_mappings.py); `${execution.removeVariable('name')}` (or
  `execution.processInstance.removeVariable`) removes it (a Python script step);
- a Python `camunda:script` becomes a script task (the sandbox runs it).

Execution listeners: `start` and `end` on flow elements and on the process, `take` on
sequence flows (a `start` listener on a joining gateway runs on each path in). Task
listeners (user tasks): `create` and `complete`, and `assignment`, which runs each time the
task gets an assignee (assignments.py); in a bean call `task` stands for the user task (its
id), as `execution` stands for the case. A listener's
`camunda:field` values become variables of its step (field_injection.py). The step's id is
the element's id followed by `__<event>_listener_<n>`; workers see it as the activity id.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from lxml import etree

from . import assignments, plain_expressions, sandbox, service_calls
from .expressions import PYTHON_FORMATS
from .field_injection import FieldProblem, fields_of, inject
from .listener_placement import (
    PlacementProblem,
    insert_after,
    insert_before,
    insert_on,
    joins,
    paths_in,
    repeats,
    side,
    wrap_rounds,
)
from .model_upload import Report

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"

EXECUTION_EVENTS = {"start", "end", "take"}
TASK_EVENTS = {"create", "assignment", "complete"}
NOT_A_STEP = {
    "update": "the 'update' event is not supported; use 'create' or 'complete'",
    "delete": "the 'delete' event is not supported; use an 'end' listener or a boundary event",
    "timeout": "the 'timeout' event is not supported; model the timeout with a timer "
               "boundary event",
}
_PLAIN = {"startEvent", "endEvent", "intermediateThrowEvent", "exclusiveGateway",
          "parallelGateway", "inclusiveGateway", "eventBasedGateway"}


class ListenerProblem(ValueError):
    """Why a listener can't run (for the upload's error list)."""


@dataclass
class _Owner:
    """An element with listeners, and the last step placed after it (steps after an
    element run in the order the listeners are written)."""

    element: etree._Element
    process_id: str
    last_after: etree._Element | None = None
    count: int = 0
    assigned_end: etree._Element | None = None  # the end of its assignment listeners' path
    in_rounds: bool = False  # a task that repeats, moved into a subprocess per round


def expand(root: etree._Element, problem: Report) -> None:
    """Turn every listener of the file's executable processes into a step; a listener that
    can't run is reported through `problem` and left out."""
    for process in root.iterfind(f"{_B}process"):
        if process.get("isExecutable") == "true":
            _expand_process(process, problem)


def _expand_process(process: etree._Element, problem: Report) -> None:
    process_id = process.get("id") or ""
    listeners = list(process.iter(f"{_C}executionListener", f"{_C}taskListener"))
    # the process's start listeners run first, its end listeners last
    listeners.sort(key=lambda node: _order(node, process))
    owners: dict[int, _Owner] = {}
    for listener in listeners:
        extensions = listener.getparent()
        element = extensions.getparent() if extensions is not None else None
        if element is None:
            continue
        owner = owners.setdefault(id(element), _Owner(element, process_id))
        try:
            if element is process:
                _place_on_process(owner, listener, owners)
            else:
                _place(owner, listener)
        except (ListenerProblem, PlacementProblem, FieldProblem,
                service_calls.ServiceCallProblem) as exc:
            problem(element.get("id") or process_id,
                    f"{_describe(listener)}: {exc}")
        if extensions is not None:
            extensions.remove(listener)


def _order(listener: etree._Element, process: etree._Element) -> int:
    """The process's start listeners first, its end listeners last; a task's assignment
    listeners after its create listeners (Camunda 7 assigns a task once it is made)."""
    extensions = listener.getparent()
    if extensions is None or extensions.getparent() is not process:
        return 2 if listener.get("event") == "assignment" else 1
    return 0 if listener.get("event") == "start" else 3


def _describe(listener: etree._Element) -> str:
    kind = "task" if listener.tag == f"{_C}taskListener" else "execution"
    return f"{kind} listener '{listener.get('event') or ''}'"


def _place(owner: _Owner, listener: etree._Element) -> None:
    element, event = owner.element, (listener.get("event") or "").strip()
    local = etree.QName(element).localname
    is_task_listener = listener.tag == f"{_C}taskListener"
    _check_event(local, event, is_task_listener)
    if repeats(element):
        wrap_rounds(element)  # its listeners run in every round
        owner.in_rounds = True
    if event == "assignment" and owner.in_rounds:
        raise ListenerProblem("assignment listeners on a task that repeats are not "
                              "supported yet")
    if local != "sequenceFlow" and event == "start" and joins(element):
        owner.count += 1
        for path, flow in enumerate(paths_in(element), 1):  # once per arriving path
            insert_on(flow, _step(owner, listener, event, None, f"path_{path}"))
        return
    if event == "assignment":
        _place_assignment(owner, listener)
        return
    step = _step(owner, listener, event, element.get("id") if is_task_listener else None)
    if local == "sequenceFlow":
        insert_on(element, step)
    elif side(element, before=event in ("start", "create")):
        insert_before(element, step)
    else:
        insert_after(owner.last_after if owner.last_after is not None else element, step)
        owner.last_after = step


def _check_event(local: str, event: str, is_task_listener: bool) -> None:
    if is_task_listener:
        if local != "userTask":
            raise ListenerProblem("task listeners belong on user tasks")
        if event in NOT_A_STEP:
            raise ListenerProblem(NOT_A_STEP[event])
        if event not in TASK_EVENTS:
            raise ListenerProblem("give the event: 'create' or 'complete'")
        return
    if event not in EXECUTION_EVENTS:
        raise ListenerProblem("give the event: 'start', 'end' or, on a sequence flow, 'take'")
    if (local == "sequenceFlow") != (event == "take"):
        raise ListenerProblem("'take' is the event of a sequence flow, and a sequence flow "
                              "has no other")


def _place_on_process(owner: _Owner, listener: etree._Element,
                      owners: dict[int, _Owner]) -> None:
    """The process's start listeners run right after its start events (before the start
    events' own listeners); its end listeners right before its end event (one end event:
    else they would run once per end)."""
    process, event = owner.element, (listener.get("event") or "").strip()
    _check_event("process", event, listener.tag == f"{_C}taskListener")
    if event == "start":
        for start in process.iterfind(f"{_B}startEvent"):
            start_owner = owners.setdefault(id(start), _Owner(start, owner.process_id))
            step = _step(start_owner, listener, event, None)
            insert_after(start_owner.last_after if start_owner.last_after is not None
                         else start, step)
            start_owner.last_after = step
        return
    ends = process.findall(f"{_B}endEvent")
    if len(ends) != 1:
        raise ListenerProblem("a process end listener needs exactly one end event here; "
                              "put the listener on the end events instead")
    end_owner = owners.setdefault(id(ends[0]), _Owner(ends[0], owner.process_id))
    insert_before(ends[0], _step(end_owner, listener, event, None))


def _place_assignment(owner: _Owner, listener: etree._Element) -> None:
    """Each time the task gets an assignee, on a path beside it (assignments.py); when the
    model names its assignee, also before it opens, after its create listeners."""
    element = owner.element
    element_id = element.get("id") or ""
    if owner.assigned_end is None:
        owner.assigned_end = assignments.add_path(element)
    insert_before(owner.assigned_end, _step(owner, listener, "assignment", element_id))
    if (element.get(f"{_C}assignee") or "").strip():
        insert_before(element, _step(owner, listener, "assignment", element_id, "at_create"))


def _step(owner: _Owner, listener: etree._Element, event: str,
          user_task: str | None, again: str | None = None) -> etree._Element:
    """The flow element that does what the listener says; `again`: another copy of the
    listener's last step (on another path into a joining gateway, or when a task is
    assigned as it is made), with the same number and this suffix."""
    listener = copy.deepcopy(listener)  # its fields move into the step
    if again is None:
        owner.count += 1
    element = owner.element
    local = etree.QName(element).localname
    element_id = element.get("id") or ""
    prefix = f"{owner.process_id}_" if local in _PLAIN else ""
    suffix = f"_{again}" if again else ""
    step_id = f"{prefix}{element_id}__{event}_listener_{owner.count}{suffix}"
    name = f"{element.get('name') or element_id} ({_describe(listener)})"
    script = listener.find(f"{_C}script")
    expression = (listener.get("expression") or "").strip()
    removed = _removed(expression)
    if script is not None:
        step = _script_step(listener, script)
    elif removed is not None:
        step = etree.Element(f"{_B}scriptTask", scriptFormat="python")
        etree.SubElement(step, f"{_B}script").text = plain_expressions.removing_script(removed)
    elif expression.replace(" ", "").startswith("${execution.setVariable("):
        if fields_of(listener):
            raise ListenerProblem("camunda:field gives values to a Java class, not to "
                                  "execution.setVariable")
        step = _set_variable_step(expression)
    else:
        step = _call_step(listener, user_task)
    step.set("id", step_id)
    step.set("name", name)
    return step


def _removed(expression: str) -> str | None:
    try:
        return plain_expressions.removed_variable(expression) if expression else None
    except ValueError as exc:
        raise ListenerProblem(str(exc)) from None


def _script_step(listener: etree._Element, script: etree._Element) -> etree._Element:
    language = (script.get("scriptFormat") or "").lower()
    if language not in PYTHON_FORMATS:
        raise ListenerProblem(f"script format '{language}' can't run here; write the "
                              "script in Python, or call a bean (a worker does it)")
    if script.get("resource"):
        raise ListenerProblem("external script resources are not supported")
    if fields_of(listener):
        raise ListenerProblem("camunda:field gives values to a Java class, not to a script")
    text = script.text or ""
    problems = sandbox.check_script(text) if text.strip() else ["the script is empty"]
    if problems:
        raise ListenerProblem(f"script: {problems[0]}")
    step = etree.Element(f"{_B}scriptTask", scriptFormat="python")
    etree.SubElement(step, f"{_B}script").text = text
    return step


def _set_variable_step(expression: str) -> etree._Element:
    """`${execution.setVariable('name', value)}`: a step whose output parameter sets it."""
    try:
        name, value = plain_expressions.set_variable(expression)
    except ValueError as exc:
        raise ListenerProblem(str(exc)) from None
    step = etree.Element(f"{_B}task")
    plain_expressions.add_output(step, name, value)
    return step


def _call_step(listener: etree._Element, user_task: str | None) -> etree._Element:
    """A bean call (class, delegateExpression, expression): a service task of its topic."""
    attributes = {name: listener.get(name) for name in
                  ("class", "delegateExpression", "expression")}
    if not any((value or "").strip() for value in attributes.values()):
        raise ListenerProblem("the listener has no implementation; give a Java class, an "
                              "expression, a delegate expression (each becomes a topic that "
                              "a worker does) or a Python script")
    service_calls.read(attributes)
    step = etree.Element(f"{_B}serviceTask")
    for name, value in attributes.items():
        if value:
            step.set(f"{_C}{name}", value)
    fields = fields_of(listener)
    if user_task is not None:
        task = etree.Element(f"{_C}field", name="task", stringValue=user_task)
        listener.append(task)
        fields.append(task)
    inject(step, fields)
    return step
