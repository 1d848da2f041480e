"""The upload's checks of timers that express the legal decision term
(`maatwerk:followsDecisionDate`, engine/decision_timers.py): on a timer event, in a process
with a decision term; and a note on a timer as long as the term that does not follow it."""
from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from ..domain.deadline import FOLLOWS, TRUE, follows_decision_date
from ..domain.process_model import ElementFacts
from .model_upload import ModelUpload

TIMER_EVENTS = ("boundaryEvent", "intermediateCatchEvent")
FALSE = ("false", "nee", "no", "0")


def check(upload: ModelUpload, filename: str, element_id: str, element_type: str,
          facts: ElementFacts) -> None:
    """One element: the property on a timer event, with a value that says yes or no."""
    if FOLLOWS not in facts.properties:
        return
    value = str(facts.properties[FOLLOWS]).strip().lower()
    if value not in TRUE + FALSE:
        upload.problem(filename, element_id, f"{FOLLOWS} is '{value}'; give true or false")
    elif element_type not in TIMER_EVENTS or facts.timer is None:
        upload.problem(filename, element_id, f"{FOLLOWS} belongs on a timer event (a "
                       "boundary or intermediate timer) that expresses the legal decision "
                       "term; it waits for the case's decision date")


def check_term(upload: ModelUpload, processes: Iterable[tuple[str, etree._Element]],
               term: str | None, elements: dict[str, ElementFacts]) -> None:
    """The whole upload: a timer that follows the decision date needs the process's term;
    a timer as long as the term that does not follow it gets a note."""
    files = {process.get("id"): filename for filename, process in processes}
    for facts in elements.values():
        filename = files.get(facts.process_id, "")
        if follows_decision_date(facts.properties) and not term:
            upload.problem(filename, facts.element_id, f"the timer follows the decision date "
                           f"({FOLLOWS}), but the process has no decision term; give it "
                           "maatwerk:decisionTerm (e.g. P8W)")
        elif term and facts.timer == term and facts.type in TIMER_EVENTS and \
                FOLLOWS not in facts.properties:
            upload.note(filename, facts.element_id, f"the timer lasts as long as the decision "
                        f"term ({term}) but will not move when the term is suspended or "
                        f"extended; give it {FOLLOWS} = true if it expresses the term")
