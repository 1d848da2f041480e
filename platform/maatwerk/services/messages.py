"""Messages from other systems: correlated to the one case that waits for them.

A model waits for a message with an intermediate catch event, a receive task, a boundary
event (interrupting or not) or an event-based gateway; a process may start with one (a
message start event), and the message then starts a new case of its newest version. A
system sends the message by name, narrowed to a case by its id, its reference (Camunda's
business key) or case variables (correlation keys); the variables it sends become case
data. A message that matches no case, or more than one, is refused with nothing changed.
Correlating is a step like any other (steps.py), on the case's record. This is what
Camunda 7's `POST /message` does (web/engine_rest_messages.py)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..domain.principal import Principal
from ..engine import StepResult, runtime
from ..engine.runtime import MessageNotWaited
from ..persistence import message_queries as queries
from ..persistence.message_queries import Waiting
from ..persistence.models import Case, ProcessModel
from ..persistence.uow import UnitOfWork
from . import cases, process_models, worker_access
from .errors import Conflict, InvalidInput
from .step import Step, StepOutcome
from .steps import case_by_id, run_step


@dataclass(frozen=True)
class Correlation:
    """A message to correlate: its name, what narrows it to one case, and its variables."""

    name: str
    case_id: int | None = None
    business_key: str | None = None
    correlation_keys: dict[str, Any] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Correlated:
    """The case a message went to, and the events of it that caught the message."""

    case_id: int
    reference: str
    element_ids: list[str]
    outcome: StepOutcome
    started: bool = False  # a new case, started by the message


def may_send(actor: Principal, names: list[str]) -> None:
    """A worker account sends (and sees waits for) the messages named by its groups; an
    admin any."""
    worker_access.require(actor, names, "send the message(s)")


def correlate(uow: UnitOfWork, actor: Principal, message: Correlation) -> Correlated:
    """Deliver the message to the one case that waits for it; refused, with nothing
    changed, when none or more than one does."""
    if not message.name.strip() or len(message.name) > 255:
        raise InvalidInput("Give a messageName of 1 to 255 characters.",
                           {"messageName": "Required."})
    may_send(actor, [message.name])
    matches = queries.waiting(uow.session, message.name, message.case_id,
                              message.business_key, message.correlation_keys)
    # a new case can't have the id or reference asked for
    starts = [] if message.case_id is not None or message.business_key is not None else \
        process_models.starting_with(uow, message.name)
    if not matches and not starts:
        raise InvalidInput(f"Cannot correlate message '{message.name}': no case waits for "
                           f"it{_narrowed(message)}, and no process starts with it. Nothing "
                           "was changed.")
    if len(matches) + len(starts) > 1:
        raise InvalidInput(
            f"Cannot correlate message '{message.name}' to a single case: {len(matches)} "
            f"cases wait for it and {len(starts)} processes start with it. Give the "
            "processInstanceId, the businessKey or correlationKeys. Nothing was changed.")
    if starts:
        return _start(uow, actor, starts[0], message)
    return _deliver(uow, actor, matches[0], message)


def _start(uow: UnitOfWork, actor: Principal, model: ProcessModel,
           message: Correlation) -> Correlated:
    started = cases.start_by_message(uow, model, message.name, message.variables, actor)
    element_ids = [element_id for element_id, facts in model.elements.items()
                   if facts.get("type") == "startEvent" and facts.get("message") == message.name]
    return Correlated(started.case.id, started.case.reference, element_ids, started.outcome,
                      started=True)


def _narrowed(message: Correlation) -> str:
    parts = []
    if message.case_id is not None:
        parts.append(f"case {message.case_id}")
    if message.business_key is not None:
        parts.append(f"business key '{message.business_key}'")
    parts += [f"{name} = {value!r}" for name, value in message.correlation_keys.items()]
    return f" with {', '.join(parts)}" if parts else ""


def _deliver(uow: UnitOfWork, actor: Principal, waiting: Waiting,
             message: Correlation) -> Correlated:
    element_ids = [m["element_id"] for m in waiting.messages]

    def act(step: Step) -> StepResult:
        try:
            result = runtime.deliver_message(step.workflow(), message.name, message.variables)
        except MessageNotWaited:
            raise Conflict(f"The case no longer waits for message '{message.name}'. Nothing "
                           "was changed.") from None
        step.record(actor.username, "message_correlated", details={
            "message": message.name, "element_ids": element_ids, "data": message.variables})
        return result
    outcome = run_step(uow, case_by_id(waiting.case_id), act)
    return Correlated(waiting.case_id, waiting.reference, element_ids, outcome)


def waits_of(case: Case) -> list[dict[str, str]]:
    """The messages a case waits for now: name, element id and the element's name."""
    elements = case.process_model.elements
    return [{**wait, "element_name": elements.get(wait["element_id"], {}).get(
        "name", wait["element_id"])} for wait in queries.read_column(case.waiting_messages)]


def subscriptions(uow: UnitOfWork, actor: Principal, name: str | None = None,
                  case_id: int | None = None) -> list[tuple[Waiting, dict[str, str]]]:
    """The message waits of open cases that this account may send (Camunda's event
    subscriptions): each case with one of the messages it waits for."""
    may_send(actor, [])
    found = []
    for waiting in queries.waiting(uow.session, name, case_id):
        for wait in waiting.messages:
            if "admin" in actor.roles or wait["name"] in actor.groups:
                found.append((waiting, wait))
    return found
