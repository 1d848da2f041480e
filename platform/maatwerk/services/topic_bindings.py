"""Topics bound to one of the platform's own connectors: `maatwerk worker` does them.

Every bean call, delegate, Java class and external task of a model is a topic that an
external worker does (engine/service_calls.py). An operator may instead bind a topic to a
built-in connector with `MAATWERK_TOPIC_BINDINGS` (`topic=connector` pairs, separated by
spaces or commas), so a ported GZAC model runs without writing a worker for every bean:

- `zaakService.zetStatus=https://zaken.gemeente.nl/api/status`: an HTTP JSON call. The
  worker POSTs the task as JSON (`topicName`, `activityId`, `processInstanceId`,
  `businessKey`, `processDefinitionKey` and `variables`: only the task's own variables,
  its arguments, fields and input parameters, not the whole case: the model says what goes
  out) to the URL, which must lie under a base of MAATWERK_HTTP_CONNECTOR_ALLOW. A 2xx
  answer completes the task, a JSON object's members becoming its variables; a 4xx answer
  (or one that is not a JSON object) is an incident at once that says why; a 5xx answer or
  a failed connection is tried again (three times, 30 s apart), then an incident.
- `inwoner-informeren=inwoner-bericht`: a message to the resident. The task's `onderwerp`
  (subject) and `bericht` (text) become an e-mail with the case's private link, through the
  outbox, written in the same step as the task's completion (one unit of work). A task
  without them is an incident at once that names what is missing.

The same safety as the HTTP connector (http_connector.py): allowed bases only, no
redirects, a time limit, a bounded answer; no database transaction is open during a call.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from ..domain.principal import Principal
from ..persistence.database import Database
from ..persistence.models import utcnow
from ..persistence.uow import UnitOfWork
from . import external_tasks, http_connector, mail_text, outbox, receipts, resident_links
from .http_connector import Outcome
from .step import Step

RESIDENT_MESSAGE = "inwoner-bericht"
WORKER_ID = "maatwerk-topic-bindings"
MAX_SUBJECT, MAX_TEXT = 200, 4000


class BindingProblem(ValueError):
    """A binding the operator wrote that can't work (for the settings' error)."""


@dataclass(frozen=True)
class Bindings:
    """Which topics the platform does itself: by an HTTP JSON call to a URL, or by a
    message to the resident."""

    http: dict[str, str] = field(default_factory=dict)  # topic -> URL
    resident: frozenset[str] = frozenset()
    allowed: http_connector.Allowed = field(default_factory=lambda: http_connector.Allowed(()))

    @property
    def topics(self) -> list[str]:
        return sorted([*self.http, *self.resident])

    @classmethod
    def read(cls, pairs: Iterable[str], allowed: http_connector.Allowed) -> Bindings:
        """`topic=URL` and `topic=inwoner-bericht` pairs; raises BindingProblem."""
        http: dict[str, str] = {}
        resident: set[str] = set()
        for pair in pairs:
            topic, _, target = pair.partition("=")
            topic, target = topic.strip(), target.strip()
            if not topic or not target:
                raise BindingProblem(f"'{pair}' is not topic=connector")
            if topic in http or topic in resident or topic == http_connector.TOPIC:
                raise BindingProblem(f"the topic '{topic}' is bound twice (or is the "
                                     "built-in http-connector)")
            if target == RESIDENT_MESSAGE:
                resident.add(topic)
            elif target.startswith(("http://", "https://")) and allowed.permits(target):
                http[topic] = target
            else:
                raise BindingProblem(
                    f"'{target}' (for '{topic}') is neither '{RESIDENT_MESSAGE}' nor a URL "
                    "under a base of MAATWERK_HTTP_CONNECTOR_ALLOW")
        return cls(http, frozenset(resident), allowed)


def work_pass(database: Database, bindings: Bindings, limit: int = 10) -> int:
    """Do the waiting tasks of the bound topics (at most `limit`); how many were done or
    failed."""
    if not bindings.topics:
        return 0
    worker = Principal("koppelingen", "Ingebouwde koppelingen", frozenset({"worker"}),
                       frozenset(bindings.topics))
    lock = timedelta(seconds=bindings.allowed.timeout * 2 + 30)
    requests = [external_tasks.TopicRequest(topic, lock, local_only=topic in bindings.http)
                for topic in bindings.topics]
    with UnitOfWork(database) as uow:
        tasks = external_tasks.fetch_and_lock(uow, worker, WORKER_ID, requests, limit)
    for task in tasks:
        if task.topic in bindings.resident:
            outcome, along = _message(task)
        else:
            outcome, along = _call(task, bindings.http[task.topic], bindings.allowed), None
        http_connector.finish(database, worker, WORKER_ID, task, outcome, along)
    return len(tasks)


def _call(task: external_tasks.ExternalTaskView, url: str,
          allowed: http_connector.Allowed) -> Outcome:
    payload = {"topicName": task.topic, "activityId": task.element_id,
               "processInstanceId": str(task.case_id), "businessKey": task.reference,
               "processDefinitionKey": task.process_key,
               "variables": dict(task.variables or {})}
    answer = http_connector.send("POST", url, {}, payload, allowed)
    if answer.variables is None:
        return answer  # no answer: tried again
    status, body = answer.variables["statusCode"], answer.variables["response"]
    if status >= 500:
        return Outcome(problem=f"POST {url} answered {status}")
    if status >= 300:
        return Outcome(problem=f"POST {url} answered {status}: {str(body)[:300]}",
                       retry=False)
    if body in ("", None):
        return Outcome({})
    if not isinstance(body, dict):
        return Outcome(problem=f"POST {url} answered with {type(body).__name__}, not a JSON "
                       "object whose members are the task's variables", retry=False)
    return Outcome(body)


def _message(task: external_tasks.ExternalTaskView
             ) -> tuple[Outcome, Callable[[Step], None] | None]:
    """The message the task's variables give, written along with its completion."""
    variables = task.variables or {}
    subject, text = (str(variables.get(name) or "").strip() for name in ("onderwerp", "bericht"))
    missing = [name for name, value in (("onderwerp", subject), ("bericht", text)) if not value]
    if missing:
        return Outcome(problem=f"the task gives no {' and no '.join(missing)} for the message "
                       "to the resident (give them as input parameters)", retry=False), None
    if len(subject) > MAX_SUBJECT or len(text) > MAX_TEXT:
        return Outcome(problem=f"the message is too long (subject at most {MAX_SUBJECT}, "
                       f"text at most {MAX_TEXT} characters)", retry=False), None

    def along(step: Step) -> None:
        case, now = step.case, utcnow()
        link = resident_links.another(step.uow, case, now)
        mail = mail_text.compose(subject, case.resident_name, [*text.splitlines(), ""],
                                 "Meer over uw aanvraag leest u op deze pagina:", link)
        outbox.queue(step.uow, case, "process",
                     receipts.address(step.model, case.data or {}), mail, "koppelingen",
                     now, task_id=None)
    return Outcome({}), along
