"""Camunda 7 field injection (`camunda:field`), read as variables of the step.

In Camunda 7 a field gives a value to the Java class or bean a service task or listener
calls. Here that class is a worker (service_calls.py), so each field becomes an input
parameter of the step (io_mappings.py): a variable of the worker's task, with the field's
name, seen by the worker and gone when the step ends.

- `<camunda:field name="status" stringValue="Ontvangen"/>` or `<camunda:string>`: text;
- `<camunda:field name="bedrag" expression="${bedrag}"/>` or `<camunda:expression>`:
  evaluated against the case's data when the step starts.
"""
from __future__ import annotations

from lxml import etree

from .io_mappings import mapping_element
from .model_upload import Report

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
_C = "{" + CAMUNDA_NS + "}"
_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"




class FieldProblem(ValueError):
    """A field that can't be read (for the upload's error list)."""


def fields_of(element: etree._Element) -> list[etree._Element]:
    """The camunda:field elements of a flow element or of a listener."""
    found = element.findall(f"{_B}extensionElements/{_C}field")
    return found + element.findall(f"{_C}field")


def is_empty(field: etree._Element) -> bool:
    """A field with no name and no value, as Camunda Modeler leaves an unfinished one."""
    return not (field.get("name") or "").strip() and not field.get("stringValue") and \
        not field.get("expression") and not "".join(field.itertext()).strip()


def value_of(field: etree._Element) -> str:
    """The field's value as an input parameter's text (text, or an expression)."""
    name = (field.get("name") or "").strip()
    given = [text for text in (field.get("stringValue"), field.get("expression"))
             if text is not None]
    for child in field:
        if not isinstance(child.tag, str):
            continue
        if child.tag not in (f"{_C}string", f"{_C}expression"):
            raise FieldProblem(f"camunda:field '{name}': '{etree.QName(child).localname}' is "
                               "not a value; use camunda:string or camunda:expression")
        given.append(child.text or "")
    if len(given) != 1:
        raise FieldProblem(f"camunda:field '{name}' needs exactly one value (a string or "
                           "an expression)")
    return given[0]


def inject(step: etree._Element, fields: list[etree._Element]) -> None:
    """Make each field an input parameter of `step` (a flow element), and remove it."""
    if not fields:
        return
    mapping = mapping_element(step)
    taken = {p.get("name") for p in mapping.iterfind(f"{_C}inputParameter")}
    for field in fields:
        name = (field.get("name") or "").strip()
        if not name.isidentifier():
            raise FieldProblem(f"camunda:field '{name}': the name must be a variable name")
        if name in taken:
            raise FieldProblem(f"camunda:field '{name}' is also an input parameter; keep one")
        parameter = etree.Element(f"{_C}inputParameter", name=name)
        parameter.text = value_of(field)
        mapping.insert(len(taken), parameter)  # inputs come before outputs
        taken.add(name)
        _remove(field)


def expand(root: etree._Element, problem: Report, note: Report) -> None:
    """The fields of every service and send task become its input parameters; an empty
    field (no name, no value) is left out with a note, a field that can't be read is
    reported once."""
    for local in ("serviceTask", "sendTask"):
        for element in root.iter(f"{_B}{local}"):
            fields = fields_of(element)
            for field in [f for f in fields if is_empty(f)]:
                note(element.get("id"), "an empty camunda:field (no name, no value) has "
                     "no effect")
                fields.remove(field)
                _remove(field)
            try:
                inject(element, fields)
            except FieldProblem as exc:
                problem(element.get("id"), str(exc))
                for field in fields:
                    _remove(field)


def _remove(node: etree._Element) -> None:
    parent = node.getparent()
    if parent is not None:
        parent.remove(node)
