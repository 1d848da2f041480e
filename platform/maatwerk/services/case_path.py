"""A case's path through its model, for the case page's diagram and the table beside it:
per step (in process order) how often the case did it, whether it stands there now, how
often a step was skipped or ended without being done, and the deviations that acted on it
(a jump or return also at the step it led to). Read from what is stored: the case's task
rows and its deviations; steps without a task (gateways, scripts, decisions) show only
where a deviation acted on them."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..domain.deviation import DeviationStatus, DeviationType
from ..persistence.models import Case, Deviation, Task
from . import process_models

_LEADS_TO = (DeviationType.JUMP_TO.value, DeviationType.RETURN_TO.value)


@dataclass
class PathStep:
    """One step of the model that the case met."""

    element_id: str
    name: str
    done: int = 0  # completed
    open: int = 0  # where the case stands now
    passed_over: int = 0  # skipped, or ended without being done (a timer, a jump)
    deviations: list[str] = field(default_factory=list)  # DeviationType values, approved
    led_here: list[str] = field(default_factory=list)  # a jump or return came to this step

    def to_dict(self) -> dict[str, object]:
        return {"done": self.done, "open": self.open, "passed_over": self.passed_over,
                "deviations": self.deviations, "led_here": self.led_here}


def of(case: Case, tasks: Iterable[Task], deviations: Iterable[Deviation]) -> list[PathStep]:
    """The steps the case met, in process order; added steps ("adhoc:") are not in the
    model and are left out here (the task table lists them)."""
    model = case.process_model
    steps: dict[str, PathStep] = {}

    def step(element_id: str) -> PathStep:
        if element_id not in steps:
            facts = process_models.element(model, element_id)
            steps[element_id] = PathStep(element_id, str(facts.get("name") or element_id))
        return steps[element_id]

    states = Counter((t.element_id, t.state) for t in tasks if t.element_id in model.elements)
    for (element_id, state), count in states.items():
        found = step(element_id)
        if state == "open":
            found.open += count
        elif state == "completed":
            found.done += count
        else:
            found.passed_over += count
    for deviation in deviations:
        if deviation.status != DeviationStatus.APPROVED.value:
            continue
        if deviation.element_id in model.elements:
            step(deviation.element_id).deviations.append(deviation.type)
        target = deviation.target_element_id
        if deviation.type in _LEADS_TO and target in model.elements and \
                target != deviation.element_id:
            step(target).led_here.append(deviation.type)
    order = {element_id: index for index, (element_id, _) in
             enumerate(process_models.in_order(model))}
    return sorted(steps.values(), key=lambda s: order.get(s.element_id, len(order)))
