"""What an uploaded process model is, and how it can be refused."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ModelProblem:
    """One reason a model can't run: which file, which element, in a sentence a designer reads."""

    file: str
    element_id: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "element_id": self.element_id, "message": self.message}


class ModelRefused(Exception):
    """The upload is refused; `problems` lists every problem found, not just the first."""

    def __init__(self, problems: list[ModelProblem]) -> None:
        super().__init__("; ".join(f"{p.file} {p.element_id or ''}: {p.message}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes


@dataclass
class ElementFacts:
    """What the platform needs to know of one flow element, read from the model's XML."""

    element_id: str
    type: str
    name: str
    process_id: str
    candidate_groups: list[str] = field(default_factory=list)
    candidate_users: list[str] = field(default_factory=list)
    assignee: str | None = None
    form_key: str | None = None
    documentation: str = ""
    properties: dict[str, str] = field(default_factory=dict)
    result_variable: str | None = None
    attached_to: str | None = None  # a boundary event: the task it sits on
    timer: str | None = None  # a timer event: its duration, date or cycle as written
    topic: str | None = None  # a service or send task: the topic its workers fetch
    arguments: list[str] = field(default_factory=list)  # of an expression call, as JUEL
    message: str | None = None  # a catching message event: the name of its message
    initiator: str | None = None  # a start event: the variable that names who started it
    plain_start: bool = False  # a start event of the process without a trigger (by hand)
    # a timer start event of the process: {"kind", "value"} of the clock that starts cases
    start_clock: dict[str, str] | None = None
    order: int | None = None  # its place in process order (engine/flow_order.py)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class CompiledModel:
    """A model that passed every check, ready to be stored as a new version."""

    key: str
    name: str
    description: str
    decision_term: str | None
    start_form_key: str | None
    forms: dict[str, dict[str, Any]]
    start_message: str | None
    elements: dict[str, dict[str, Any]]
    files: list[tuple[str, str, str, str]]  # filename, kind, text, sha256
    content_hash: str
    # accepted, but worth knowing: attributes that change nothing here, and why
    notes: list[ModelProblem] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)  # the process's camunda:properties
