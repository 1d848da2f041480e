"""The order in which a process's steps come, as people read the diagram: breadth first
along the sequence flows from the process's start events; a subprocess's contents right
after it, a boundary event after its task; what no path reaches (an event subprocess)
follows in the order of the file. Pages list steps in this order (the designer's steps
table, the inbox's step filter, the guided deviation page)."""
from __future__ import annotations

from collections import defaultdict, deque
from typing import NamedTuple

from lxml import etree

from . import reserved_ids
from .camunda import NS

_BPMN = f"{{{NS['bpmn']}}}"


def ranks(process: etree._Element, flow_nodes: set[str]) -> dict[str, int]:
    """Each flow node's place (0, 1, ...) by its id."""
    nodes = [el for el in process.iter() if isinstance(el.tag, str) and el.get("id")
             and el.tag.startswith(_BPMN) and etree.QName(el).localname in flow_nodes]
    graph = _Graph(defaultdict(list), {})
    for flow in process.iter(f"{_BPMN}sequenceFlow"):
        graph.after[flow.get("sourceRef") or ""].append(flow.get("targetRef") or "")
    for node in nodes:
        local = etree.QName(node).localname
        if local == "boundaryEvent":
            graph.after[node.get("attachedToRef") or ""].append(node.get("id") or "")
        elif local == "subProcess":
            graph.inner[node.get("id") or ""] = [
                child.get("id") or "" for child in node if child.tag == f"{_BPMN}startEvent"]
    order: dict[str, int] = {}
    _walk([el.get("id") or "" for el in process if el.tag == f"{_BPMN}startEvent"],
          graph, order)
    for node in nodes:
        _walk([node.get("id") or ""], graph, order)
    return {reserved_ids.original(element_id) or element_id: rank
            for element_id, rank in order.items()}


class _Graph(NamedTuple):
    after: dict[str, list[str]]  # what follows a node (its flows, its boundary events)
    inner: dict[str, list[str]]  # a subprocess: the start events inside it


def _walk(roots: list[str], graph: _Graph, order: dict[str, int]) -> None:
    """Breadth first from the roots; a subprocess's contents all come right after it."""
    queue = deque(root for root in roots if root not in order)
    while queue:
        current = queue.popleft()
        if current in order:
            continue
        order[current] = len(order)
        _walk(graph.inner.get(current, []), graph, order)
        queue.extend(target for target in graph.after.get(current, ()) if target not in order)
