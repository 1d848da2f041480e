"""The designer's four-eyes rule, enforced where a person takes or finishes a task (claim
and complete, through the pages and the API alike) and where a deviation would hand the
task to someone (reassign): whoever did a step the task is separated from may not do it."""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..domain.four_eyes import SEPARATE_FROM, refusal, separated_from
from ..persistence import four_eyes_queries
from ..persistence.models import ProcessModel
from .errors import Forbidden

__all__ = ["SEPARATE_FROM", "check", "steps_in_the_way"]


def steps_in_the_way(session: Session, model: ProcessModel, case_id: int, element_id: str,
                     username: str) -> dict[str, str]:
    """The steps of this case that keep this person from the task: {element id: name}."""
    named = separated_from(model.elements.get(element_id, {}).get("properties", {}))
    if not named:
        return {}
    return four_eyes_queries.steps_done_by(session, case_id, named, username)


def check(session: Session, model: ProcessModel, case_id: int, element_id: str,
          username: str) -> None:
    done = steps_in_the_way(session, model, case_id, element_id, username)
    if done:
        raise Forbidden(refusal(element_id, done))
