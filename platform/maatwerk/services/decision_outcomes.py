"""The outcomes a caseworker chooses from when overriding a decision of a case's model:
a gateway's routes by name, a decision table's results (engine/decision_choices.py); read
from the model's files once per model version (a version never changes)."""
from __future__ import annotations

from ..engine.decision_choices import Outcome, outcomes
from ..persistence.models import ProcessModel
from ..persistence.uow import UnitOfWork
from .process_models import files_of

__all__ = ["Outcome", "of", "route_label"]

_KEPT: dict[tuple[int, str], dict[str, list[Outcome]]] = {}
_MAX = 256  # model versions whose outcomes are kept


def of(uow: UnitOfWork, model: ProcessModel) -> dict[str, list[Outcome]]:
    """Per decision element of the model (gateway, business rule task), its outcomes; an
    empty list for one whose new value is typed (no literal results)."""
    key = (model.id, model.content_hash)
    kept = _KEPT.get(key)
    if kept is None:
        files = files_of(uow, model.id)
        kept = outcomes([f.content.encode() for f in files if f.kind == "bpmn"],
                        [f.content.encode() for f in files if f.kind == "dmn"])
        if len(_KEPT) >= _MAX:
            _KEPT.clear()
        _KEPT[key] = kept
    return kept


def route_label(uow: UnitOfWork, model: ProcessModel, gateway_id: str | None, target: str
                ) -> str | None:
    """The name of the gateway's route to `target` (None if it has none here)."""
    return next((o.label for o in of(uow, model).get(gateway_id or "", [])
                 if o.values.get("flow") == target), None)
