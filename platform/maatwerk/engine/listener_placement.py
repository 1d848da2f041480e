"""Where a listener's step goes in the process graph, and the surgery that puts it there.

A listener runs as a step of its own (listeners.py). Its step goes on the path into the
element it listens to (`start`, a task's `create`) or on the path out of it (`end`, a task's
`complete`), and a `take` listener in the middle of its sequence flow. A `start` listener on
a gateway that joins paths runs on each path in, once per arriving path, as Camunda 7 runs
it for each execution that arrives. Where the path out can't carry a step without changing
what the model does (a gateway that chooses, a path out with a condition), the listener is
refused with the reason instead.
"""
from __future__ import annotations

from lxml import etree

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
_B = "{" + BPMN_NS + "}"
NO_PATH_IN = {"startEvent", "boundaryEvent"}
JOINS = {"parallelGateway", "inclusiveGateway"}  # an exclusive merge lets each path through


class PlacementProblem(ValueError):
    """Why a listener's step can't be placed here (for the upload's error list)."""


def flows(container: etree._Element, end: str, element_id: str) -> list[etree._Element]:
    """The sequence flows whose `end` (sourceRef or targetRef) is the element."""
    return [f for f in container.iterfind(f"{_B}sequenceFlow") if f.get(end) == element_id]


def side(element: etree._Element, before: bool) -> bool:
    """True: the listener's step goes on the path into the element; False: out of it.
    `before` is where the event happens (start, create: before; end, complete: after)."""
    container, element_id = _container(element), element.get("id") or ""
    local = etree.QName(element).localname
    incoming = flows(container, "targetRef", element_id)
    if local == "endEvent":
        return True  # nothing comes after an end event: its end is where it is reached
    if before and (local in NO_PATH_IN or _after_event_gateway(container, incoming)):
        before = False  # no path in that may carry a step: right after the element
    if before:
        if not incoming:
            raise PlacementProblem("no path leads into the element")
        return True
    outgoing = flows(container, "sourceRef", element_id)
    if len(outgoing) > 1 or element.get("default") or any(
            f.find(f"{_B}conditionExpression") is not None for f in outgoing):
        raise PlacementProblem("the listener runs after the element, which needs one path "
                               "out without a condition; use a 'take' listener on the paths")
    return False


def joins(element: etree._Element) -> bool:
    """A parallel or inclusive gateway with more than one path in: a step placed before it
    goes on each path in (paths_in, insert_on), not after the join."""
    if etree.QName(element).localname not in JOINS:
        return False
    return len(flows(_container(element), "targetRef", element.get("id") or "")) > 1


def _after_event_gateway(container: etree._Element, incoming: list[etree._Element]) -> bool:
    """An event after an event-based gateway: nothing may stand between the two."""
    sources = {f.get("sourceRef") for f in incoming}
    return any(etree.QName(node).localname == "eventBasedGateway"
               for node in container if isinstance(node.tag, str) and node.get("id") in sources)


def insert_before(element: etree._Element, step: etree._Element) -> None:
    """Every path into the element now leads into `step`, and `step` into the element."""
    container = _container(element)
    element_id, step_id = element.get("id") or "", step.get("id") or ""
    container.insert(container.index(element), step)
    for flow in flows(container, "targetRef", element_id):
        flow.set("targetRef", step_id)
    _connect(container, step_id, element_id)


def insert_after(element: etree._Element, step: etree._Element) -> None:
    """The path out of the element now leaves from `step`, and the element leads to it."""
    container = _container(element)
    element_id, step_id = element.get("id") or "", step.get("id") or ""
    container.insert(container.index(element) + 1, step)
    for flow in flows(container, "sourceRef", element_id):
        flow.set("sourceRef", step_id)
    _connect(container, element_id, step_id)


def paths_in(element: etree._Element) -> list[etree._Element]:
    """The sequence flows into the element, in the order they are written (a step is put on
    each by insert_on; a second listener's steps then follow the first's)."""
    return flows(_container(element), "targetRef", element.get("id") or "")


def insert_on(flow: etree._Element, step: etree._Element) -> None:
    """The sequence flow now leads into `step` (keeping its condition), and `step` on to
    where the flow went."""
    container = _container(flow)
    target, step_id = flow.get("targetRef") or "", step.get("id") or ""
    container.insert(container.index(flow), step)
    flow.set("targetRef", step_id)
    _connect(container, step_id, target)


def repeats(element: etree._Element) -> bool:
    return element.find(f"{_B}multiInstanceLoopCharacteristics") is not None or \
        element.find(f"{_B}standardLoopCharacteristics") is not None


def wrap_rounds(element: etree._Element) -> None:
    """A task that repeats and has listeners: Camunda 7 runs them in every round (on each
    instance, not on the whole). The task moves into an embedded subprocess that repeats in
    its place, `<id>__rounds`, with its loop and the paths and boundary events that were
    the task's; a round is then start, the task, end, and the listeners' steps go around
    the task inside it."""
    container = _container(element)
    element_id = element.get("id") or ""
    wrapper_id = f"{element_id}__rounds"
    wrapper = etree.Element(f"{_B}subProcess", id=wrapper_id,
                            name=element.get("name") or element_id)
    container.insert(container.index(element), wrapper)
    for end in ("targetRef", "sourceRef"):
        for flow in flows(container, end, element_id):
            flow.set(end, wrapper_id)
    for boundary in container.iterfind(f"{_B}boundaryEvent"):
        if boundary.get("attachedToRef") == element_id:
            boundary.set("attachedToRef", wrapper_id)
    for loop in [*element.iterfind(f"{_B}multiInstanceLoopCharacteristics"),
                 *element.iterfind(f"{_B}standardLoopCharacteristics")]:
        wrapper.append(loop)  # moves it
    for reference in [*element.iterfind(f"{_B}incoming"), *element.iterfind(f"{_B}outgoing")]:
        element.remove(reference)
    etree.SubElement(wrapper, f"{_B}startEvent", id=f"{element_id}__round_start")
    wrapper.append(element)  # moves it
    etree.SubElement(wrapper, f"{_B}endEvent", id=f"{element_id}__round_end")
    _connect(wrapper, f"{element_id}__round_start", element_id)
    _connect(wrapper, element_id, f"{element_id}__round_end")


def _container(element: etree._Element) -> etree._Element:
    container = element.getparent()
    if container is None:
        raise PlacementProblem("the element is not inside a process")
    return container


def _connect(container: etree._Element, source: str, target: str) -> None:
    flow = etree.SubElement(container, f"{_B}sequenceFlow")
    flow.set("id", f"{source}_to_{target}")
    flow.set("sourceRef", source)
    flow.set("targetRef", target)
