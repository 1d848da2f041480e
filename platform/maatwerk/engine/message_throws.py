"""Message intermediate throw events and message end events, run as Camunda 7 runs them.

In Camunda 7 a throwing message event has the implementation of a send task, written on its
`messageEventDefinition` (Implementation 'External' with a topic, a Java class, an
expression or a delegate expression), and without one it does nothing. Here, before the
engine reads a model:

- an event with an implementation becomes a service task with the event's id, so a worker
  does it as it does a send task (service_calls.py) and the case waits for that worker; a
  message end event becomes that task followed by a plain end event (`<id>__end`);
- an event without one loses its message definition and passes, as in Camunda 7, and the
  upload notes that nothing is sent.
"""
from __future__ import annotations

from lxml import etree

from .model_upload import Report

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"
IMPLEMENTATION = ("type", "topic", "class", "delegateExpression", "expression",
                  "resultVariable")
NOTHING_SENT = ("the message event has no implementation, so (as in Camunda 7) it sends "
                "nothing and the case goes on; to have a worker send the message, choose "
                "Implementation 'External' with a topic in Camunda Modeler")


def expand(root: etree._Element, note: Report) -> None:
    """Turn every throwing message event of the file into what runs it."""
    for local in ("intermediateThrowEvent", "endEvent"):
        for event in list(root.iter(f"{_B}{local}")):
            definition = event.find(f"{_B}messageEventDefinition")
            if definition is None:
                continue
            if not any(definition.get(f"{_C}{name}") for name in IMPLEMENTATION):
                note(event.get("id"), NOTHING_SENT)
                event.remove(definition)
                continue
            task = _as_service_task(event, definition)
            if local == "endEvent":
                _end_after(task, event)


def _as_service_task(event: etree._Element, definition: etree._Element) -> etree._Element:
    """A service task in the event's place, with its id, name, children (mappings,
    listeners, flows) and the definition's camunda:* attributes and fields."""
    task = etree.Element(f"{_B}serviceTask")
    for name, value in event.attrib.items():
        task.set(name, value)
    for name, given in definition.attrib.items():
        if name.startswith(_C):  # checked on the task as a service task's (or refused)
            task.set(name, given)
    event.remove(definition)
    for child in list(event):
        task.append(child)
    fields = definition.findall(f"{_B}extensionElements/{_C}field")
    if fields:
        extensions = task.find(f"{_B}extensionElements")
        if extensions is None:
            extensions = etree.Element(f"{_B}extensionElements")
            task.insert(0, extensions)
        for field in fields:
            extensions.append(field)
    container = event.getparent()
    if container is not None:
        container.replace(event, task)
    return task


def _end_after(task: etree._Element, event: etree._Element) -> None:
    container = task.getparent()
    if container is None:
        return
    task_id = task.get("id") or ""
    end = etree.Element(f"{_B}endEvent", id=f"{task_id}__end")
    if event.get("name"):
        end.set("name", event.get("name") or "")
    container.insert(container.index(task) + 1, end)
    flow = etree.SubElement(container, f"{_B}sequenceFlow")
    flow.set("id", f"{task_id}_to_{task_id}__end")
    flow.set("sourceRef", task_id)
    flow.set("targetRef", f"{task_id}__end")
