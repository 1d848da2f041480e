"""Cases as other systems see them through Camunda 7's REST API: started by process key,
found, and their variables read (web/engine_rest_instances.py).

A worker account starts and reads the cases of the processes its groups name (as its
groups name the topics it works on and the messages it sends); an admin any. A case
started this way is an online case, started by the worker account; its variables pass
the start form like a resident's answers, and the start is a step like any other."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..domain.principal import Principal
from ..persistence.models import Case, ProcessModel
from ..persistence.uow import UnitOfWork
from . import cases, worker_access
from .errors import NotFound

NO_INSTANCE = "There is no such process instance, or you may not see it."


def may_use(actor: Principal, process_keys: list[str]) -> None:
    """A worker account starts and reads cases of the processes named by its groups."""
    worker_access.require(actor, process_keys, "start or read cases of")


def start(uow: UnitOfWork, actor: Principal, process_key: str,
          variables: dict[str, Any]) -> cases.StartedCase:
    """Start a case of the newest version of a process with these variables."""
    may_use(actor, [process_key])
    return cases.start_case(uow, process_key, variables, "online", actor)


def find(uow: UnitOfWork, actor: Principal, *, process_key: str | None = None,
         business_key: str | None = None, case_id: int | None = None,
         active: bool | None = None, limit: int = 1000) -> list[Case]:
    """The cases this account may read, newest first, narrowed as Camunda's query is."""
    may_use(actor, [])
    query = select(Case).join(ProcessModel, ProcessModel.id == Case.process_model_id)
    if "admin" not in actor.roles:
        query = query.where(ProcessModel.key.in_(sorted(actor.groups)))
    if process_key is not None:
        query = query.where(ProcessModel.key == process_key)
    if business_key is not None:
        query = query.where(Case.reference == business_key)
    if case_id is not None:
        query = query.where(Case.id == case_id)
    if active is not None:
        query = query.where((Case.status != "completed") if active else
                            (Case.status == "completed"))
    return list(uow.session.scalars(query.order_by(Case.id.desc()).limit(limit)))


def one(uow: UnitOfWork, actor: Principal, case_id: int) -> Case:
    found = find(uow, actor, case_id=case_id)
    if not found:
        raise NotFound(NO_INSTANCE)
    return found[0]
