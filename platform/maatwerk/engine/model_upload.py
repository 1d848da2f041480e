"""What the model compiler collects while it checks an upload, and what it needs from outside.

The engine does not know how forms are written: the service that uploads a model hands the
compiler a :class:`FormParser`, which turns each form's source (a ``.form`` file, the
``camunda:formData`` fields of a task, or a GZAC Form.io ``.json`` file) into a
:class:`ParsedForm`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from lxml import etree

from ..domain.process_model import ModelProblem
from .reserved_ids import original

# how a model rewrite reports a problem or a note: (element id, message)
Report = Callable[[str | None, str], None]


@dataclass(frozen=True)
class ParsedForm:
    """One form as the form parser read it: its stored definition, or why it can't be used.

    ``problems`` are ``(where, sentence)``: the component id or field key the sentence is
    about (may be empty), and what is wrong with it."""

    form_id: str
    definition: dict[str, Any] | None
    problems: tuple[tuple[str, str], ...] = ()


class FormParser(Protocol):
    def form_file(self, text: str) -> ParsedForm:
        """A form-js ("Camunda Forms") document, the text of an uploaded .form file."""
        ...

    def form_data(self, element_id: str, fields: list[dict[str, Any]]) -> ParsedForm:
        """The inline camunda:formData fields of a user task or start event."""
        ...

    def formio_file(self, name: str, text: str) -> ParsedForm:
        """A GZAC Form.io form named `name` (its file name without .json)."""
        ...


@dataclass
class ModelUpload:
    """An upload being checked: every problem found so far, and what was read."""

    form_parser: FormParser
    problems: list[ModelProblem] = field(default_factory=list)
    bpmn: list[tuple[str, etree._Element]] = field(default_factory=list)
    dmn: list[tuple[str, etree._Element]] = field(default_factory=list)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    form_files: dict[str, str] = field(default_factory=dict)
    # forms refused for their own reasons (already reported): their ids and file names
    refused_forms: set[str] = field(default_factory=set)
    # GZAC form links: element id -> (form name, the file that links it); and those used
    form_links: dict[str, tuple[str, str]] = field(default_factory=dict)
    linked: set[str] = field(default_factory=set)
    # GZAC plugin actions on service and send tasks (plugin_links.py): element id -> link;
    # and the ids of the elements that were found
    plugin_links: dict[str, Any] = field(default_factory=dict)
    plugins_found: set[str] = field(default_factory=set)
    decisions: set[str] = field(default_factory=set)
    texts: list[tuple[str, str, str, str]] = field(default_factory=list)

    # accepted, with something the designer should know (camunda_attributes.py)
    notes: list[ModelProblem] = field(default_factory=list)

    def problem(self, file: str, element_id: str | None, message: str) -> None:
        self.problems.append(ModelProblem(file, original(element_id), message))

    def note(self, file: str, element_id: str | None, message: str) -> None:
        self.notes.append(ModelProblem(file, original(element_id), message))
