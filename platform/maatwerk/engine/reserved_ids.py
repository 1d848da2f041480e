"""Element ids the engine uses for its own tasks (`Start`, `End`, `Root`), mapped inside it.

Camunda Modeler lets a designer call an element `Start`; the engine names its own first
and last tasks so, and the two would collide. Before the engine reads a model such an
element gets an internal id (`Start__element`), and its task spec is given its own id back
(`bpmn_id`), so everything outside the engine (case pages, workers' activity ids, the
audit record) sees the id as the designer wrote it.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

RESERVED = frozenset({"Start", "End", "Root"})
SUFFIX = "__element"
_REFERENCES = ("sourceRef", "targetRef", "attachedToRef", "default", "bpmnElement")
_REFERENCE_TEXTS = frozenset({"incoming", "outgoing", "flowNodeRef"})


def expand(root: etree._Element) -> None:
    """Give every element with a reserved id its internal id, everywhere it is named."""
    renamed = {node.get("id"): f"{node.get('id')}{SUFFIX}" for node in root.iter()
               if isinstance(node.tag, str) and node.get("id") in RESERVED}
    if not renamed:
        return
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        if node.get("id") in renamed:
            node.set("id", renamed[node.get("id") or ""])
        for attribute in _REFERENCES:
            if node.get(attribute) in renamed:
                node.set(attribute, renamed[node.get(attribute) or ""])
        if etree.QName(node).localname in _REFERENCE_TEXTS and \
                (node.text or "").strip() in renamed:
            node.text = renamed[(node.text or "").strip()]


def original(element_id: str | None) -> str | None:
    """The id as the designer wrote it."""
    if element_id and element_id.endswith(SUFFIX) and element_id[:-len(SUFFIX)] in RESERVED:
        return element_id[:-len(SUFFIX)]
    return element_id


def restore(spec: Any) -> None:
    """Give a parsed task spec the id its element has in the model."""
    bpmn_id = getattr(spec, "bpmn_id", None)
    if bpmn_id and original(bpmn_id) != bpmn_id:
        spec.bpmn_id = original(bpmn_id)
