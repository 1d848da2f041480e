"""Camunda 7 connectors (`camunda:connector`) on service and send tasks, run as external tasks.

In Camunda 7 a connector (most often `http-connector`) is Java code in the engine: the
connector's input parameters (url, method, headers, payload) are its request, its output
parameters read the response (`${response}`, `${statusCode}`). Here the connector is a
worker, like every other piece of code a model names (service_calls.py): the task becomes an
external task whose topic is the connector id, the connector's inputs are the task's own
variables the worker gets, and its outputs are evaluated on what the worker completes the
task with. Only the outputs become case data: what the worker sends (the response) stays
the task's own, as it stays the connector's in Camunda.
"""
from __future__ import annotations

from lxml import etree

from .io_mappings import CONNECTOR_MARK, mapping_element
from .model_upload import Report

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"
MARK = CONNECTOR_MARK  # on the inputOutput of a connector's task
_IMPLEMENTATION = ("class", "delegateExpression", "expression", "type", "topic")


def expand(root: etree._Element, problem: Report) -> None:
    for local in ("serviceTask", "sendTask"):
        for element in root.iter(f"{_B}{local}"):
            connector = element.find(f"{_B}extensionElements/{_C}connector")
            if connector is not None:
                _as_external_task(element, connector, problem)


def _as_external_task(element: etree._Element, connector: etree._Element,
                      problem: Report) -> None:
    element_id = element.get("id")
    connector_id = (connector.findtext(f"{_C}connectorId") or "").strip()
    extensions = connector.getparent()
    if extensions is not None:
        extensions.remove(connector)
    if not connector_id:
        problem(element_id, "the connector has no connector id (camunda:connectorId)")
        return
    given = [name for name in _IMPLEMENTATION if element.get(f"{_C}{name}")]
    if given:
        problem(element_id, f"a task with a connector has no other implementation "
                f"({', '.join('camunda:' + name for name in given)}); keep one")
        return
    element.set(f"{_C}type", "external")
    element.set(f"{_C}topic", connector_id)
    mapping = mapping_element(element)
    mapping.set(MARK, connector_id)
    given_io = connector.find(f"{_C}inputOutput")
    if given_io is None:
        return
    taken = {p.get("name") for p in mapping.iterfind(f"{_C}inputParameter")}
    inputs = list(given_io.iterfind(f"{_C}inputParameter"))
    for index, parameter in enumerate(inputs):
        if parameter.get("name") in taken:
            problem(element_id, f"the connector's input parameter '{parameter.get('name')}' "
                    "is also an input parameter of the task; keep one")
        mapping.insert(len(taken) + index, parameter)
    first_output = len(taken) + len(inputs)
    for index, parameter in enumerate(given_io.iterfind(f"{_C}outputParameter")):
        mapping.insert(first_output + index, parameter)  # before the task's own outputs
