"""Deviations (maatwerk): leaving the standard path for one resident, with a reason, a legal
basis and a second person's approval."""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeviationType(StrEnum):
    SKIP_TASK = "skip_task"
    RETURN_TO = "return_to"
    JUMP_TO = "jump_to"
    OVERRIDE_DECISION = "override_decision"
    ADD_TASK = "add_task"
    CORRECT_DATA = "correct_data"
    REASSIGN = "reassign"
    EXTEND_DEADLINE = "extend_deadline"


class DeviationStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"  # approved and executed, in one transaction
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# which types act on an open task (task_id), and which on an element (target_element_id)
NEEDS_TASK = {DeviationType.SKIP_TASK, DeviationType.ADD_TASK, DeviationType.REASSIGN}
NEEDS_TARGET = {DeviationType.RETURN_TO, DeviationType.JUMP_TO,
                DeviationType.OVERRIDE_DECISION}

LABELS = {
    DeviationType.SKIP_TASK: "Stap overslaan",
    DeviationType.RETURN_TO: "Terug naar een eerdere stap",
    DeviationType.JUMP_TO: "Vooruit naar een latere stap",
    DeviationType.OVERRIDE_DECISION: "Uitkomst van een beslissing aanpassen",
    DeviationType.ADD_TASK: "Extra stap toevoegen",
    DeviationType.CORRECT_DATA: "Gegevens corrigeren",
    DeviationType.REASSIGN: "Taak anders toewijzen",
    DeviationType.EXTEND_DEADLINE: "Beslistermijn verlengen",
}

# what a resident reads on their status page once a deviation was approved (B1 Dutch)
RESIDENT_TEXTS = {
    DeviationType.SKIP_TASK: "Wij hebben in uw situatie een stap overgeslagen die voor u "
                             "niet nodig was.",
    DeviationType.RETURN_TO: "Wij hebben een stap in de behandeling opnieuw gedaan.",
    DeviationType.JUMP_TO: "Wij hebben stappen overgeslagen die voor u niet nodig waren.",
    DeviationType.OVERRIDE_DECISION: "Wij hebben voor u een uitzondering gemaakt op de "
                                     "standaardregels (maatwerk).",
    DeviationType.ADD_TASK: "Wij hebben een extra stap toegevoegd om uw aanvraag goed te "
                            "kunnen beoordelen.",
    DeviationType.CORRECT_DATA: "Wij hebben gegevens in uw aanvraag verbeterd.",
    DeviationType.REASSIGN: "",  # internal: nothing changes for the resident
    DeviationType.EXTEND_DEADLINE: "Wij hebben meer tijd nodig om over uw aanvraag te "
                                   "beslissen. De nieuwe datum staat hierboven.",
}
MAX_EXTENSION_DAYS = 366

MIN_REASON_LENGTH = 20
MIN_REASON_WORDS = 4


@dataclass(frozen=True)
class LegalBasis:
    text: str
    requires_citation: bool = False


DEFAULT_LEGAL_BASES = (
    LegalBasis("art. 4:84 Awb"),
    LegalBasis("art. 3:4 lid 2 Awb"),
    LegalBasis("hardheidsclausule van de verordening", requires_citation=True),
    LegalBasis("art. 18 lid 1 Participatiewet"),
    LegalBasis("art. 6:11 Awb"),
    LegalBasis("anders", requires_citation=True),
)


def reason_problem(reason: str) -> str | None:
    """Why a reason is not enough: a caseworker must explain in a real sentence."""
    text = " ".join(reason.split())
    if len(text) < MIN_REASON_LENGTH or len(text.split(" ")) < MIN_REASON_WORDS:
        return (f"Explain the reason in at least one real sentence "
                f"({MIN_REASON_WORDS} words, {MIN_REASON_LENGTH} characters).")
    return None


def allowed_by_element(property_value: str | None, deviation: DeviationType) -> bool:
    """The designer's `maatwerk:deviations` property: absent = all, 'none' = none, else a list."""
    if property_value is None or not property_value.strip():
        return True
    allowed = {p.strip().lower() for p in property_value.replace(";", ",").split(",")}
    if "none" in allowed or "geen" in allowed:
        return False
    return "all" in allowed or deviation.value in allowed
