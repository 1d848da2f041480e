"""Added steps (a deviation of the type add_task, e.g. "Huisbezoek"): they live outside the
model, so the platform gives them a form of its own for what was found, and the case page
shows the findings with the step. What was found is on record with the step's completion
(the audit event `task_completed`), never in the case data that gateways and scripts read.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..forms.model import FormDefinition, FormField
from ..persistence.models import AuditEvent
from ..persistence.uow import UnitOfWork

PREFIX = "adhoc:"  # an added step's element id: adhoc:<deviation id>

FINDINGS = FormDefinition(id="maatwerk:added-step", fields=(
    FormField(key="bevindingen", type="textarea", label="Wat heeft u gevonden of gedaan?",
              description="Dit komt bij de stap in het dossier van de zaak. De inwoner ziet "
                          "het niet.", required=True, min_length=3, max_length=5000),
    FormField(key="bijlagen", type="filepicker", label="Bijlagen",
              description="Bijvoorbeeld een verslag of foto's.", multiple=True),
))


@dataclass(frozen=True)
class Findings:
    """What the person who did an added step recorded, and when."""

    text: str
    by: str
    at: datetime


def findings_of(uow: UnitOfWork, case_id: int) -> dict[str, Findings]:
    """Per added step of the case that was done (task id), what was found."""
    events = uow.session.scalars(select(AuditEvent).where(
        AuditEvent.case_id == case_id, AuditEvent.action == "task_completed")
        .order_by(AuditEvent.id))
    return {event.task_id: Findings(str(event.details["data"]["bevindingen"]), event.actor,
                                    event.occurred_at)
            for event in events
            if event.task_id and str(event.details.get("element_id", "")).startswith(PREFIX)
            and isinstance((event.details.get("data") or {}).get("bevindingen"), str)}
