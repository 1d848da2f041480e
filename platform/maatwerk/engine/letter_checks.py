"""The upload's checks of a decision on an event (maatwerk:decision and the properties
beside it, domain/letter.py): where it may stand, that it says why, and that its
expressions can be read. The letter itself is made when the case passes the event
(services/decision_letters.py)."""
from __future__ import annotations

from ..domain.letter import AMOUNT, CONDITIONS, DECISION, DECISION_PROPERTIES, REASONS
from .expressions import problems_in_expression
from .juel import is_juel
from .model_upload import ModelUpload

EVENTS = ("endEvent", "intermediateThrowEvent")


def check_decision(upload: ModelUpload, filename: str, element_id: str, element_type: str,
                   properties: dict[str, str]) -> None:
    given = [name for name in DECISION_PROPERTIES if name in properties]
    if not given:
        return
    if element_type not in EVENTS:
        upload.problem(filename, element_id, f"{given[0]} belongs on an end event or an "
                       f"intermediate throw event (the moment the decision is made), not on "
                       f"a {element_type}")
        return
    if not properties.get(DECISION, "").strip():
        upload.problem(filename, element_id, f"{DECISION} is missing or empty: the letter "
                       "must say what was decided")
    if not properties.get(REASONS, "").strip():
        upload.problem(filename, element_id, f"{REASONS} is missing or empty: a decision "
                       "letter must say why (art. 3:46 Awb); e.g. ${motivering}, a field "
                       "in which the caseworker writes it")
    for name in (DECISION, REASONS, AMOUNT, CONDITIONS):
        text = properties.get(name, "")
        if is_juel(text):
            for message in problems_in_expression(text):
                upload.problem(filename, element_id, f"{name}: {message}")
