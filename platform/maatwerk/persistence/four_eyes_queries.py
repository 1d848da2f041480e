"""Who did which steps of a case, for the designer's four-eyes rule (domain/four_eyes.py):
a task completed or skipped, or a deviation that settled the step without it being done
(a skip, a jump away from it, an overridden decision) asked for or approved. A return to
a step or a reassignment does not count: the step is then done again, by its doer."""
from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..domain.deviation import DeviationStatus, DeviationType
from .models import Deviation, Task

SETTLING = (DeviationType.SKIP_TASK.value, DeviationType.JUMP_TO.value,
            DeviationType.OVERRIDE_DECISION.value)


def steps_done_by(session: Session, case_id: int, element_ids: Collection[str],
                  username: str) -> dict[str, str]:
    """Of these elements, the ones this person did in the case: {element id: step name}."""
    if not element_ids:
        return {}
    done: dict[str, str] = {}
    for task_element, name in session.execute(
            select(Task.element_id, Task.name).where(
                Task.case_id == case_id, Task.element_id.in_(element_ids),
                Task.state.in_(("completed", "skipped")), Task.completed_by == username)):
        done.setdefault(task_element, f"'{name or task_element}'")
    for element_id, target in session.execute(
            select(Deviation.element_id, Deviation.target_element_id).where(
                Deviation.case_id == case_id,
                Deviation.status == DeviationStatus.APPROVED.value,
                Deviation.type.in_(SETTLING),
                or_(Deviation.requested_by == username, Deviation.decided_by == username),
                or_(Deviation.element_id.in_(element_ids),
                    Deviation.target_element_id.in_(element_ids)))):
        for changed in (element_id, target):
            if changed is not None and changed in element_ids:
                done.setdefault(changed, f"the deviation on {changed}")
    return done
