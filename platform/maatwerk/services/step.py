"""A step on a case while it runs, and what it leaves: the values the step pipeline
(steps.py) hands to a step's action and to the writing of its result (case_steps.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.audit import AuditEntry
from ..engine import runtime
from ..persistence.models import Case, ProcessModel
from ..persistence.step_writes import Closing
from ..persistence.task_rows import TaskRow
from ..persistence.uow import UnitOfWork
from . import process_models

SYSTEM_ACTOR = "systeem"


@dataclass
class Step:
    """A locked case during one step: what the action works with."""

    uow: UnitOfWork
    case: Case
    open_rows: list[TaskRow]
    task: TaskRow | None = None  # the task the step is about (a completion)
    channel: str | None = None
    actor: str = SYSTEM_ACTOR  # who the engine's own follow-up steps are recorded for
    closing: list[Closing] = field(default_factory=list)  # written with the step's rows
    _workflow: Any = field(default=None, repr=False)

    @property
    def model(self) -> ProcessModel:
        return self.case.process_model

    def workflow(self) -> Any:
        """The case's workflow, loaded on first use (once per step)."""
        if self._workflow is None:
            bundle = process_models.spec_bundle(self.uow, self.model)
            self._workflow = runtime.load(bundle, self.case.engine_state)
        return self._workflow

    def close(self, task_id: str, state: str, by: str | None) -> None:
        """Close an open task of the case (completed, skipped) with the step's writes."""
        self.closing.append(Closing(task_id, state, by))

    def record(self, actor: str, action: str, *, task_id: str | None = None,
               details: dict[str, Any] | None = None) -> None:
        """An audit event about this case, in this step's transaction."""
        self.uow.record(AuditEntry(actor, action, case_id=self.case.id, task_id=task_id,
                                   channel=self.channel, details=details or {}))


@dataclass(frozen=True)
class StepOutcome:
    """The case as the step left it: the API's answer needs nothing more."""

    case: Case
    open_tasks: list[TaskRow]
