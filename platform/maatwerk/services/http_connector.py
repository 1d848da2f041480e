"""The built-in HTTP connector: `maatwerk worker` does the `http-connector` tasks itself.

A model's `camunda:connector` with `http-connector` is an external task of that topic
(engine/connectors.py). When the operator names the base URLs the platform may call
(`MAATWERK_HTTP_CONNECTOR_ALLOW`), the worker fetches those tasks through the same service
as any external worker, makes the request and completes the task with what Camunda's
connector gives: `response` (the body; parsed when it is JSON), `statusCode` and `headers`.

Safety, as for any call a model may make: only URLs under an allowed base (same scheme, host
and port, a path below the base's; no user info), no redirects followed, a time limit, at
most 1 MiB of answer. A URL that is not allowed is an incident at once, which says so; a
failed connection or time-out is tried again later, three times, then an incident. A non-2xx
status is an answer, as in Camunda: the model's outputs decide what it means. Python's own
urllib does the request (no redirects, bounded, and no extra dependency).
"""
from __future__ import annotations

import contextlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from ..domain.principal import Principal
from ..persistence.database import Database
from ..persistence.uow import UnitOfWork
from . import external_task_failures, external_tasks
from .errors import InvalidInput, ServiceError
from .step import Step

log = logging.getLogger("maatwerk.http_connector")

TOPIC = "http-connector"
CONNECTOR = Principal("http-connector", "Ingebouwde HTTP-connector", frozenset({"worker"}),
                      frozenset({TOPIC}))
WORKER_ID = "maatwerk-http-connector"
RETRIES = 3
RETRY_AFTER = timedelta(seconds=30)
MAX_ANSWER = 1024 * 1024
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")
_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Allowed:
    """The base URLs the connector may call, and how long a call may take (seconds)."""

    bases: tuple[str, ...]
    timeout: float = 10.0

    def permits(self, url: str) -> bool:
        try:
            target = urlsplit(url)
            port = target.port or _PORTS.get(target.scheme)
        except ValueError:
            return False
        if target.scheme not in _PORTS or target.username or target.password:
            return False
        for base in self.bases:
            allowed = urlsplit(base)
            if (allowed.scheme, (allowed.hostname or "").lower(),
                    allowed.port or _PORTS[allowed.scheme]) != (
                    target.scheme, (target.hostname or "").lower(), port):
                continue
            prefix = allowed.path.rstrip("/")
            if target.path == prefix or target.path.startswith(prefix + "/"):
                return True
        return False


@dataclass(frozen=True)
class Outcome:
    variables: dict[str, Any] | None = None  # the answer; None: the call failed
    problem: str = ""
    retry: bool = True  # False: no use trying again (an incident at once)


def work_pass(database: Database, allowed: Allowed, limit: int = 10) -> int:
    """Do the waiting http-connector tasks (at most `limit`); how many were done or failed.
    No database transaction stays open while a request is under way."""
    if not allowed.bases:
        return 0
    lock = timedelta(seconds=allowed.timeout * 2 + 30)
    with UnitOfWork(database) as uow:
        tasks = external_tasks.fetch_and_lock(
            uow, CONNECTOR, WORKER_ID, [external_tasks.TopicRequest(TOPIC, lock)], limit)
    for task in tasks:
        finish(database, CONNECTOR, WORKER_ID, task, call(task.variables or {}, allowed))
    return len(tasks)


def finish(database: Database, worker: Principal, worker_id: str,
           task: external_tasks.ExternalTaskView, outcome: Outcome,
           along: Callable[[Step], None] | None = None) -> None:
    """What the platform's own worker did, in a transaction of its own: the task completed
    with the answer (and `along`, written in the same step), or failed with the reason."""
    if outcome.variables is not None:
        try:
            with UnitOfWork(database) as uow:
                external_tasks.complete(uow, worker, task.id, worker_id, outcome.variables,
                                        along)
            return
        except InvalidInput as exc:  # the model's outputs can't read this answer
            outcome = Outcome(problem=str(exc), retry=False)
        except ServiceError as exc:  # e.g. the case moved on; the lock runs out
            log.warning("%s task %s not completed: %s", worker.username, task.id, exc)
            return
    fail(database, worker, worker_id, task, outcome)


def fail(database: Database, worker: Principal, worker_id: str,
         task: external_tasks.ExternalTaskView, outcome: Outcome) -> None:
    """Try again later, or (no use, or no retries left) an incident that says why."""
    retries = 0 if not outcome.retry else max(
        (task.retries if task.retries is not None else RETRIES) - 1, 0)
    log.warning("%s task %s of case %s: %s", worker.username, task.id, task.case_id,
                outcome.problem)
    with UnitOfWork(database) as uow:
        external_task_failures.failure(uow, worker, task.id, worker_id, outcome.problem,
                                       None, retries, RETRY_AFTER)


def call(variables: dict[str, Any], allowed: Allowed) -> Outcome:
    """Make the request the connector's inputs describe."""
    url, method = variables.get("url"), str(variables.get("method") or "GET").upper()
    if not isinstance(url, str) or not allowed.permits(url):
        return Outcome(problem=f"the URL {url!r} is not one Maatwerk may call; the operator "
                       f"allows {', '.join(allowed.bases)} (MAATWERK_HTTP_CONNECTOR_ALLOW)",
                       retry=False)
    if method not in METHODS:
        return Outcome(problem=f"the method {method!r} is not one of {', '.join(METHODS)}",
                       retry=False)
    headers = {str(k): str(v) for k, v in (variables.get("headers") or {}).items()}
    return send(method, url, headers, variables.get("payload"), allowed)


def send(method: str, url: str, headers: dict[str, str], payload: Any,
         allowed: Allowed) -> Outcome:
    """One request to a URL that `allowed` permits (the caller checked); a map or list is
    sent as JSON. The answer as Camunda's connector gives it: response, statusCode,
    headers."""
    if isinstance(payload, (dict, list)):
        body: bytes | None = json.dumps(payload).encode()
        headers.setdefault("Content-Type", "application/json")
    else:
        body = None if payload is None else str(payload).encode()
    # the scheme is http or https: permits() said so
    request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=allowed.timeout) as answer:
            return _answer(answer.status, answer.headers, answer.read(MAX_ANSWER + 1))
    except urllib.error.HTTPError as exc:  # a status that is not 2xx is an answer too
        return _answer(exc.code, exc.headers, exc.read(MAX_ANSWER + 1))
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        return Outcome(problem=f"{method} {url} failed: {getattr(exc, 'reason', exc)}")


def _answer(status: int, headers: Any, body: bytes) -> Outcome:
    if len(body) > MAX_ANSWER:
        return Outcome(problem=f"the answer is larger than {MAX_ANSWER // 1024} KiB",
                       retry=False)
    text = body.decode("utf-8", "replace")
    response: Any = text
    if "json" in (headers.get("Content-Type") or "").lower() and text.strip():
        with contextlib.suppress(ValueError):  # else the text as it came
            response = json.loads(text)
    return Outcome({"response": response, "statusCode": status, "headers": dict(headers.items())})


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is the answer (its status), never followed


_OPENER = urllib.request.build_opener(_NoRedirects)
