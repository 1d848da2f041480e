"""A user task's `assignment` listeners: they run each time the task gets an assignee.

Camunda 7 fires a task listener's `assignment` event when a task's assignee is set: a
caseworker claims it, or it is made with one (`camunda:assignee`). The listeners' steps
(listeners.py) stand on a path of their own beside the task: a non-interrupting event
subprocess in the task's process (or subprocess), started by a message that only the
platform sends. A claim that gives the task an assignee sends it in the claim's own step
(services/tasks.py, runtime.assigned): the case's data changes and a worker's task opens as
in any other step, while the task stays with its assignee. The message's name starts with
`maatwerk.assigned:`; it is not among the case's waits, so no system can send it. A task
made with an assignee also runs the listeners before it opens (listeners.py).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
PREFIX = "maatwerk.assigned:"


def message_name(element_id: str) -> str:
    """The message that starts the task's assignment listeners."""
    return f"{PREFIX}{element_id}"


def is_internal(message: str) -> bool:
    return message.startswith(PREFIX)


def _start_id(element_id: str) -> str:
    return f"{element_id}__assigned"


def start_id(message: str) -> str:
    """The id of the event that the platform's own message of this name starts."""
    return _start_id(message.removeprefix(PREFIX))


def has_listeners(elements: Mapping[str, Any], element_id: str) -> bool:
    """Whether the model's user task has assignment listeners (from the model's element
    facts: no need to load the case's workflow to know)."""
    return _start_id(element_id) in elements


def add_path(task: etree._Element) -> etree._Element:
    """Add the path beside the task that its assignment listeners' steps go on; its end
    event (each step goes before it, listener_placement.insert_before)."""
    container, root = task.getparent(), task.getroottree().getroot()
    if container is None:
        raise ValueError("the task is not inside a process")
    element_id = task.get("id") or ""
    message_id, start_id_, end_id = (f"{element_id}__assigned_message", _start_id(element_id),
                                     f"{element_id}__assignment_end")
    message = etree.Element(f"{_B}message", id=message_id, name=message_name(element_id))
    first_process = next((node for node in root if node.tag == f"{_B}process"), None)
    root.insert(root.index(first_process) if first_process is not None else len(root),
                message)
    path = etree.Element(f"{_B}subProcess", id=f"{element_id}__assignment",
                         name=f"{task.get('name') or element_id} (toegewezen)",
                         triggeredByEvent="true")
    container.insert(container.index(task) + 1, path)
    start = etree.SubElement(path, f"{_B}startEvent", id=start_id_, isInterrupting="false")
    etree.SubElement(start, f"{_B}messageEventDefinition", messageRef=message_id)
    end = etree.SubElement(path, f"{_B}endEvent", id=end_id)
    etree.SubElement(path, f"{_B}sequenceFlow", id=f"{element_id}__assignment_flow",
                     sourceRef=start_id_, targetRef=end_id)
    return end
