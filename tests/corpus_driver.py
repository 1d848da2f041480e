"""Drives a case of a real model to its end through the APIs, as the people and systems
around it would: a person does each user task, a worker that speaks Camunda 7's REST API
does each external task, another system sends each message the case waits for."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient

from helpers import bearer, case_of


@dataclass(frozen=True)
class Run:
    """One model: its files, the start data, what each step is answered with (by element
    id, or by message name), and the steps it must pass in that order."""

    files: tuple[str, ...]
    key: str
    trail: tuple[str, ...]
    start: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: int = 0  # how many notes the upload gives (what changes nothing, or is not sent)
    start_message: str | None = None  # the case starts when this message is sent
    expect: dict[str, Any] = field(default_factory=dict)  # case data at the end
    messages: tuple[str, ...] = ()  # which message to send, in turn, when several are awaited


def start_by_message(client: FlaskClient, worker: dict[str, str], name: str,
                     variables: dict[str, Any]) -> int:
    """Send the message that starts a case, as another system does; the case's id."""
    response = client.post("/engine-rest/message", headers=worker, json={
        "messageName": name, "resultEnabled": True, "processVariables": _camunda(variables)})
    assert response.status_code == 200, response.get_data(as_text=True)
    [result] = response.get_json()
    return int(result["processInstance"]["id"])


@dataclass
class Drive:
    trail: list[str] = field(default_factory=list)  # element ids (or message names) done
    seen: list[dict[str, Any]] = field(default_factory=list)  # external tasks, as fetched


def drive(client: FlaskClient, person: str, worker: dict[str, str], case_id: int,
          answers: dict[str, dict[str, Any]], limit: int = 40,
          messages: tuple[str, ...] = (), stop_at: str | None = None) -> Drive:
    """Do the first open step until the case ends (or the step `stop_at` is open, left
    undone); of the messages awaited, send the next of `messages` (else the first)."""
    done = Drive()
    planned = list(messages)
    for _ in range(limit):
        case = case_of(client, person, case_id)
        if case["status"] == "completed":
            return done
        if case["open_tasks"]:
            task = case["open_tasks"][0]
            done.trail.append(task["element_id"])
            if task["element_id"] == stop_at:
                return done
            if task["kind"] == "external":
                done.seen.append(_work(client, worker, case_id, answers))
            else:
                _complete(client, person, task, answers.get(task["element_id"], {}))
        elif case["waiting_for_messages"]:
            awaited = [wait["name"] for wait in case["waiting_for_messages"]]
            name = planned.pop(0) if planned and planned[0] in awaited else awaited[0]
            done.trail.append(name)
            _send(client, worker, case_id, name, answers.get(name, {}))
        else:
            raise AssertionError(f"the case is stuck: {case}")
    raise AssertionError(f"the case did not end: {done.trail}")


def _complete(client: FlaskClient, person: str, task: dict[str, Any],
              data: dict[str, Any]) -> None:
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(person),
                           json={"data": data})
    assert response.status_code == 200, (task["element_id"], response.get_json())


def _camunda(values: dict[str, Any]) -> dict[str, Any]:
    return {name: {"value": value} for name, value in values.items()}


def _work(client: FlaskClient, worker: dict[str, str], case_id: int,
          answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The generic worker: finds the topic of the case's external task, fetches and
    completes it as a Camunda client does."""
    [open_task, *_] = client.get(f"/engine-rest/external-task?processInstanceId={case_id}",
                                 headers=worker).get_json()
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=worker, json={
        "workerId": "corpus", "maxTasks": 1, "topics": [{
            "topicName": open_task["topicName"], "lockDuration": 60_000}]})
    assert fetched.status_code == 200, fetched.get_json()
    [task] = fetched.get_json()
    response = client.post(f"/engine-rest/external-task/{task['id']}/complete",
                           headers=worker, json={"workerId": "corpus", "variables": _camunda(
                               answers.get(task["activityId"], {}))})
    assert response.status_code == 204, response.get_data(as_text=True)
    result: dict[str, Any] = task
    return result


def _send(client: FlaskClient, worker: dict[str, str], case_id: int, name: str,
          variables: dict[str, Any]) -> None:
    response = client.post("/engine-rest/message", headers=worker, json={
        "messageName": name, "processInstanceId": str(case_id),
        "processVariables": _camunda(variables)})
    assert response.status_code == 204, response.get_data(as_text=True)
