"""Message intermediate throw events and message end events, as Camunda 7 runs them: with
an implementation on the message definition a worker does them (as it does a send task)
and the case waits for it; without one they send nothing, and the upload notes it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, complete, open_elements, start, upload, worker_account
from maatwerk.persistence.database import Database

MODEL = Path(__file__).parent / "data" / "message_throws.bpmn"
KEY = "melding_doorsturen"


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "berichten", [
        "meldingDoorsturen", "notificatieService.verstuur"]))


@pytest.fixture
def notes(client: FlaskClient, tokens: dict[str, str]) -> list[dict[str, Any]]:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()
    found: list[dict[str, Any]] = response.get_json()["notes"]
    return found


def _fetch(client: FlaskClient, auth: dict[str, str], topic: str) -> list[dict[str, Any]]:
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
        "workerId": "w1", "maxTasks": 5, "topics": [{"topicName": topic,
                                                     "lockDuration": 60_000}]})
    assert fetched.status_code == 200, fetched.get_json()
    tasks: list[dict[str, Any]] = fetched.get_json()
    return tasks


def _complete(client: FlaskClient, auth: dict[str, str], task: dict[str, Any],
              variables: dict[str, Any] | None = None) -> None:
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=auth,
                       json={"workerId": "w1", "variables": variables or {}})
    assert done.status_code == 204, done.get_data(as_text=True)


def test_a_worker_sends_the_messages_of_throwing_events(
        client: FlaskClient, tokens: dict[str, str], notes: list[dict[str, Any]],
        worker: dict[str, str]) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, {"melding": "Losliggende stoeptegel"})
    assert open_elements(client, person, case["id"]) == ["Event_NaarAannemer"]
    [sent] = _fetch(client, worker, "meldingDoorsturen")
    assert sent["activityId"] == "Event_NaarAannemer"  # the event's id, as in Camunda
    assert sent["variables"]["ontvanger"]["value"] == "aannemer"  # its input mapping
    assert sent["variables"]["melding"]["value"] == "Losliggende stoeptegel"
    _complete(client, worker, sent)
    complete(client, person, case_of(client, person, case["id"]), "Task_Controleren",
             {"hersteld": True})
    # the message end event: the case ends when its worker has sent the notification
    assert open_elements(client, person, case["id"]) == ["EndEvent_Notificatie"]
    assert case_of(client, person, case["id"])["status"] == "open"
    [notification] = _fetch(client, worker, "notificatieService.verstuur")
    assert (notification["variables"]["arg0"]["value"],
            notification["variables"]["arg1"]["value"]) == (str(case["id"]), "hersteld")
    _complete(client, worker, notification, {"notificatieId": {"value": "N-8"}})
    after = case_of(client, person, case["id"])
    assert (after["status"], after["data"]["notificatieId"]) == ("completed", "N-8")


def test_a_throwing_event_without_implementation_sends_nothing_and_says_so(
        client: FlaskClient, tokens: dict[str, str], notes: list[dict[str, Any]],
        worker: dict[str, str]) -> None:
    assert [(n["element_id"], n["message"][:53]) for n in notes] == [
        ("EndEvent_Stil", "the message event has no implementation, so (as in Ca")]
    person = tokens["consulent"]
    case = start(client, person, KEY, {"melding": "Kapotte lantaarnpaal"})
    _complete(client, worker, _fetch(client, worker, "meldingDoorsturen")[0])
    complete(client, person, case_of(client, person, case["id"]), "Task_Controleren",
             {"hersteld": False})
    assert case_of(client, person, case["id"])["status"] == "completed"
    assert _fetch(client, worker, "notificatieService.verstuur") == []
