"""Driving a case through the platform's engine in memory, as the services do: the
workflow plus the last StepResult, continued from the stored state after a deviation."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState

from maatwerk.engine import runtime, serialization
from maatwerk.engine.deviations import DeviationNotApplicable
from maatwerk.engine.model_compiler import load_spec
from maatwerk.engine.runtime import SpecBundle, StepResult

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / "workflows"
DATA = ROOT / "tests" / "data"
BIJSTAND = {"naam": "Jan Jansen", "email": "jan@example.nl", "geboortedatum": "1980-01-02",
            "woonsituatie": "alleenstaand", "kosten_omschrijving": "Een nieuwe wasmachine.",
            "bedrag": 650, "netto_inkomen": 1200, "vermogen": 100, "toestemming": True}


def bundle(path: Path, key: str) -> SpecBundle:
    """The process `key` from one model file, or from every model in a folder."""
    files = [(p.name, p.suffix[1:], p.read_text(encoding="utf-8"))
             for p in ([path] if path.is_file() else sorted(path.iterdir()))
             if p.suffix in (".bpmn", ".dmn")]
    spec, subprocess_specs = load_spec(files, key)
    return SpecBundle(spec, subprocess_specs)


class EngineCase:
    """A case as the platform keeps it: the workflow plus the last StepResult."""

    def __init__(self, bundle: SpecBundle, data: dict[str, Any]) -> None:
        self.bundle = bundle
        self.wf, self.result = runtime.start(bundle, data)
        assert self.result.failure is None

    @property
    def open(self) -> list[str]:
        return sorted(t.element_id for t in self.result.ready)

    def task_id(self, element: str) -> str:
        found = [t.id for t in self.result.ready if t.element_id == element]
        assert len(found) == 1, f"{element} is not open once; open: {self.open}"
        return found[0]

    def do(self, element: str, **form: Any) -> EngineCase:
        """Complete the step (the first instance of a multi-instance one)."""
        found = [t.id for t in self.result.ready if t.element_id == element]
        assert found, f"{element} is not open; open: {self.open}"
        self.result = runtime.complete(self.wf, found[0], form)
        assert self.result.failure is None, self.result.failure
        return self

    def expire(self, element: str) -> EngineCase:
        past = datetime.now(UTC) - timedelta(seconds=1)
        assert runtime.set_timer_due(self.wf, past, element) == 1
        self.result = runtime.fire_timers(self.wf)
        assert self.result.failure is None
        return self

    def reload(self) -> EngineCase:
        """Continue from the stored state only, as the platform does; the round trip is
        lossless."""
        self.wf = runtime.load(self.bundle, self.result.state)
        assert serialization.dump(self.wf) == self.result.state
        return self

    def deviate(self, primitive: Callable[..., StepResult], *args: Any) -> EngineCase:
        """Run a deviation, then continue from its stored state only."""
        self.result = primitive(self.wf, *args)
        assert self.result.failure is None, self.result.failure
        assert self.result.state == serialization.dump(self.wf)  # the workflow was changed too
        return self.reload()

    def refuse(self, primitive: Callable[..., StepResult], *args: Any, match: str) -> str:
        before = serialization.dump(self.wf)
        with pytest.raises(DeviationNotApplicable, match=match) as refused:
            primitive(self.wf, *args)
        assert serialization.dump(self.wf) == before  # byte-identical: nothing changed
        return str(refused.value)

    def timers(self) -> dict[str, datetime]:
        return runtime.waiting_timers(self.wf)

    def event_names(self) -> list[str]:
        """What the engine's event manager waits for (a stale task would show up here)."""
        return sorted(str(e.name) for e in self.wf.waiting_events())

    def completed(self, element: str) -> int:
        return sum(1 for t in runtime._all_tasks(self.wf)
                   if t.task_spec.bpmn_id == element and t.state == TaskState.COMPLETED)
