"""GZAC plugin actions linked to service tasks, run as external tasks.

GZAC keeps the real work of many service tasks outside the model: a process link
(`config/processlink/<process>.processlink.json`) ties the task to a plugin action
(`pluginActionDefinitionKey`, e.g. `create-zaak` of the Zaken API plugin) with its
`actionProperties`, and the task itself says only `camunda:expression="${true}"`. Here the
task becomes an external task whose topic is the action's key, so a municipality implements
each plugin action once, as a worker in any language, and ports its models as saved:

- `"pv:naam"` (a process variable) and `"doc:/pad/naar/veld"` (a field of GZAC's case
  document; both are the case data here) become the value of that variable or field;
- any other value is passed as it is (text, number, yes/no; a list or object as JSON),
  including `"zaak:..."` and other references only GZAC can resolve: the worker gets the
  text, and the upload notes it.

The worker receives the properties as the task's variables (input parameters,
io_mappings.py) and completes it with what the action produced. On a task that repeats
(multi-instance), each round is a task of its own whose properties are evaluated for that
round: `pv:documentUrl` is the round's item when it is the element variable. The link is
read from the stored process-link file whenever the model is loaded, so a stored model runs
as uploaded.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree

from . import plain_expressions
from .io_mappings import mapping_element
from .model_upload import Report

_B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_C = "{http://camunda.org/schema/1.0/bpmn}"
RUN_AS_TOPIC = ("bpmn:ServiceTask:start", "bpmn:SendTask:start")
_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*")
_WORK = ("class", "delegateExpression", "type", "topic")


@dataclass(frozen=True)
class PluginLink:
    """A plugin action linked to a service or send task."""

    element_id: str
    action: str
    properties: tuple[tuple[str, Any], ...]
    file: str


def read(links: Iterable[Any], file: str) -> list[PluginLink]:
    """The plugin links of a process-link file that run as topics (the others are the
    upload's to report: gzac_forms.py)."""
    found = []
    for link in links:
        if isinstance(link, dict) and link.get("processLinkType") == "plugin" and \
                link.get("activityType") in RUN_AS_TOPIC and \
                isinstance(link.get("activityId"), str) and \
                isinstance(link.get("pluginActionDefinitionKey"), str):
            properties = link.get("actionProperties")
            found.append(PluginLink(
                link["activityId"], link["pluginActionDefinitionKey"].strip(),
                tuple(properties.items()) if isinstance(properties, dict) else (), file))
    return found


def from_stored(files: Iterable[tuple[str, str, str]]) -> dict[str, PluginLink]:
    """The plugin links among a stored model's files (filename, kind, text)."""
    links: dict[str, PluginLink] = {}
    for filename, kind, text in files:
        if kind == "formlink":
            document = json.loads(text)
            links.update((link.element_id, link) for link in
                         read(document if isinstance(document, list) else [], filename))
    return links


def expand(root: etree._Element, links: Mapping[str, PluginLink], problem: Report,
           note: Report) -> set[str]:
    """Make each linked service or send task of this file an external task of its action;
    the ids of the elements linked."""
    done = set()
    for local in ("serviceTask", "sendTask"):
        for element in list(root.iter(f"{_B}{local}")):
            link = links.get(element.get("id") or "")
            if link is None:
                continue
            done.add(link.element_id)
            if _does_other_work(element, link, problem):
                continue
            _as_external(element, link, note)
    return done


def _does_other_work(element: etree._Element, link: PluginLink, problem: Report) -> bool:
    """A task that names work of its own besides the plugin action is refused: a task does
    one thing here (split it in two)."""
    own = [name for name in _WORK if element.get(f"{_C}{name}")]
    expression = (element.get(f"{_C}expression") or "").strip()
    if expression and not plain_expressions.calls_nothing(expression, kept=False):
        own.append("expression")
    if element.find(f"{_B}extensionElements/{_C}connector") is not None:
        own.append("connector")
    if not link.action:
        problem(link.element_id, f"the plugin link in {link.file} has no action key")
        return True
    if own:
        problem(link.element_id, f"the task has a plugin action ('{link.action}', in "
                f"{link.file}) and work of its own (camunda:{', camunda:'.join(own)}); a "
                "task does one thing here: give each its own task")
        return True
    return False


def _as_external(element: etree._Element, link: PluginLink, note: Report) -> None:
    for name in ("expression", "resultVariable"):
        element.attrib.pop(f"{_C}{name}", None)
    element.set(f"{_C}type", "external")
    element.set(f"{_C}topic", link.action)
    passed_as_text = []
    mapping = mapping_element(element)
    for name, value in link.properties:
        parameter = etree.SubElement(mapping, f"{_C}inputParameter", name=str(name))
        parameter.text, resolved = _value(value)
        if not resolved:
            passed_as_text.append(str(name))
    if passed_as_text:
        note(link.element_id, f"the plugin action '{link.action}' ({link.file}) becomes the "
             f"topic '{link.action}'; its properties {', '.join(passed_as_text)} refer to "
             "what only GZAC can look up, so the worker gets them as text")


def _value(value: Any) -> tuple[str, bool]:
    """A property's value as an input parameter's text, and whether it was resolved here (a
    reference GZAC resolves, such as `zaak:identificatie`, is not)."""
    if isinstance(value, str):
        for prefix in ("pv:", "doc:/", "doc:"):
            path = value[len(prefix):] if value.startswith(prefix) else None
            if path is not None and _PATH.fullmatch(path):
                return "${" + path.replace("/", ".") + "}", True
        unresolved = re.match(r"[a-z]+:", value) is not None and not value.startswith(
            ("http:", "https:"))
        return _text(value), not unresolved
    if isinstance(value, bool | int | float) or value is None:
        return "${" + json.dumps(value) + "}", True
    return _text(json.dumps(value, ensure_ascii=False)), True


def _text(value: str) -> str:
    """Text that stays text: with `${` or `#{` in it, as a quoted JUEL string."""
    if "${" in value or "#{" in value:
        return "${" + json.dumps(value, ensure_ascii=False) + "}"
    return value
