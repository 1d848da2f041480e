"""What other engines' modelers write into a model, read the way Maatwerk can run it.

- Operaton (the Camunda 7 successor some Dutch provinces run) writes Camunda 7's extensions
  under its own namespace: they are read as `camunda:`.
- A Camunda 8 model (zeebe) is refused as a whole: its tasks, forms and assignments are
  written in a language Maatwerk does not run, and would otherwise be dropped unseen.
- Extensions of Activiti, Flowable and SpiffWorkflow are refused where they occur.
- A data store reference is a drawing of a system the process talks to, and a data object
  a drawing of a document, with no behaviour in Camunda 7: they and the arrows to them are
  left out before the engine reads the model (which would otherwise copy variables named
  after the data object in and out of the tasks).
"""
from __future__ import annotations

from lxml import etree

CAMUNDA_BPMN = "http://camunda.org/schema/1.0/bpmn"
_AS_CAMUNDA = {
    b"http://operaton.org/schema/1.0/bpmn": CAMUNDA_BPMN.encode(),
    b"http://operaton.org/schema/1.0/dmn": b"http://camunda.org/schema/1.0/dmn",
}
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
MODELER = "http://camunda.org/schema/modeler/1.0"
FOREIGN = {
    "http://activiti.org/bpmn": "Activiti",
    "http://flowable.org/bpmn": "Flowable",
    "http://spiffworkflow.org/bpmn/schema/1.0/core": "SpiffWorkflow",
}
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def as_camunda(content: bytes) -> bytes:
    """The file with Operaton's namespaces read as Camunda 7's."""
    for operaton, camunda in _AS_CAMUNDA.items():
        content = content.replace(operaton, camunda)
    return content


def camunda_8(root: etree._Element) -> str | None:
    """Why the file is refused as a Camunda 8 model, or None."""
    platform = root.get(f"{{{MODELER}}}executionPlatform") or ""
    uses_zeebe = any(ZEEBE in (node.nsmap or {}).values() for node in root.iter()
                     if isinstance(node.tag, str))
    if not uses_zeebe and platform != "Camunda Cloud":
        return None
    return ("this is a Camunda 8 model (zeebe); Maatwerk runs Camunda 7 models: in Camunda "
            "Modeler make a Camunda Platform 7 diagram (File > New File > BPMN diagram "
            "(Camunda Platform 7)) and model the tasks, forms and assignments there")


def foreign(element: etree._Element) -> str | None:
    """The engine a vendor extension element or attribute of this element is for, if any."""
    namespace = etree.QName(element).namespace
    if namespace in FOREIGN:
        return FOREIGN[namespace]
    for name in element.attrib:
        attribute_ns = etree.QName(name).namespace
        if attribute_ns in FOREIGN:
            return FOREIGN[attribute_ns]
    return None


def drop_drawings(root: etree._Element) -> list[str]:
    """Take data store references and data objects (with their references), and the data
    associations to and from them, out of a parsed model: Camunda 7 gives them no
    behaviour. The ids of the data objects taken out (for the upload's notes)."""
    stores = {node.get("id") for node in root.iter(f"{_BPMN}dataStoreReference")}
    objects = [node for local in ("dataObjectReference", "dataObject")
               for node in root.iter(f"{_BPMN}{local}")]
    drawn = stores | {node.get("id") for node in objects}
    if not drawn:
        return []
    for tag in ("dataInputAssociation", "dataOutputAssociation"):
        for association in list(root.iter(f"{_BPMN}{tag}")):
            refs = {(ref.text or "").strip() for ref in association
                    if etree.QName(ref).localname in ("sourceRef", "targetRef")}
            if refs & drawn:
                _remove(association)
    for node in [*root.iter(f"{_BPMN}dataStoreReference"), *objects]:
        _remove(node)
    return [node.get("id") or "" for node in objects
            if etree.QName(node).localname == "dataObjectReference"]


def _remove(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is not None:
        parent.remove(node)
