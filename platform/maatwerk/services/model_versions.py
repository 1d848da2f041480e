"""A model version's life: uploaded as a draft, published by a designer (new cases start
on the newest published version), retired when it may take no new cases (its running
cases go on). Publishing a version without a description or a decision term asks to
confirm: residents read the description, and the decision term sets every case's legal
decision date."""
from __future__ import annotations

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..persistence.models import ProcessModel, utcnow
from ..persistence.uow import UnitOfWork
from . import process_models, start_clocks
from .errors import Conflict, Forbidden, InvalidInput
from .process_models import PUBLISHED

DRAFT, RETIRED = "draft", "retired"


def publish_warnings(model: ProcessModel) -> list[str]:
    """What a designer confirms before publishing this version (empty: nothing)."""
    warnings = []
    if not model.description.strip():
        warnings.append("The process has no description (residents read it when they "
                        "apply).")
    if not model.decision_term:
        warnings.append("The process has no decision term: its cases get no legal decision "
                        "date.")
    return warnings


def publish(uow: UnitOfWork, actor: Principal, key: str, version: int,
            confirmed: bool = False) -> ProcessModel:
    """A draft (or a retired version) in use again; when it is the newest published
    version, new cases start on it and its start clocks replace the older version's."""
    model = _designed(uow, actor, key, version)
    if model.status == PUBLISHED:
        raise Conflict(f"Version {version} of '{key}' is already published.")
    warnings = publish_warnings(model)
    if warnings and not confirmed:
        raise InvalidInput("Confirm publishing: " + " ".join(warnings),
                           {"confirm": " ".join(warnings)})
    return _changed(uow, actor, model, PUBLISHED, "model_published", warnings)


def retire(uow: UnitOfWork, actor: Principal, key: str, version: int) -> ProcessModel:
    """A published version that takes no new cases; the cases running on it go on. New
    cases start on the newest version still published (if there is one)."""
    model = _designed(uow, actor, key, version)
    if model.status != PUBLISHED:
        raise Conflict(f"Version {version} of '{key}' is not published; only a published "
                       "version can be retired.")
    return _changed(uow, actor, model, RETIRED, "model_retired", [])


def _designed(uow: UnitOfWork, actor: Principal, key: str, version: int) -> ProcessModel:
    if not actor.has_role("designer"):
        raise Forbidden("Only process designers may publish or retire a model version.")
    return process_models.get_version(uow, key, version)


def _changed(uow: UnitOfWork, actor: Principal, model: ProcessModel, status: str,
             action: str, confirmed: list[str]) -> ProcessModel:
    """The version's new status, the clocks that follow the current version, on record."""
    before = process_models.current(uow, model.key)
    model.status = status
    uow.session.flush()
    after = process_models.current(uow, model.key)
    if (before and before.id) != (after and after.id):  # the version new cases start on
        if after is None:
            start_clocks.stop(uow, model.key)
        else:
            start_clocks.schedule(uow, after, utcnow())
    uow.record(AuditEntry(actor.username, action, details={
        "key": model.key, "version": model.version, "confirmed": confirmed,
        "current_version": after.version if after else None}))
    uow.commit()
    return model
