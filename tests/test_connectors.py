"""Camunda 7 connectors (`camunda:connector`, most often `http-connector`) run as external
tasks of their connector id: the worker gets the connector's inputs as the task's own
variables, and only the connector's outputs, read from what the worker sends, become case
data. The model is Operaton's own connector example, as saved."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

MODEL = (Path(__file__).parent / "data" / "corpus" / "operaton" / "integration-connectors"
         / "currency-conversion.bpmn")


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "koersen", ["http-connector", "currency-convert"]))


def _do(client: FlaskClient, worker: dict[str, str], topic: str,
        variables: dict[str, Any]) -> dict[str, Any]:
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=worker, json={
        "workerId": "w", "maxTasks": 1, "topics": [{"topicName": topic, "lockDuration": 9000}]})
    [task] = fetched.get_json()
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=worker,
                       json={"workerId": "w", "variables": {
                           name: {"value": value} for name, value in variables.items()}})
    assert done.status_code == 204, done.get_data(as_text=True)
    result: dict[str, Any] = task
    return result


def test_a_connector_is_a_worker_of_its_connector_id(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "currency-conversion", {
        "exchangeRateServiceUrl": "https://koersen.example/eur-usd", "amount": 100})
    fetch = _do(client, worker, "http-connector", {"response": 1.08, "statusCode": 200})
    assert fetch["activityId"] == "FetchExchangeRate"
    assert (fetch["variables"]["url"]["value"], fetch["variables"]["method"]["value"]) == (
        "https://koersen.example/eur-usd", "GET")  # the connector's request
    convert = _do(client, worker, "currency-convert", {"convertedAmount": 108.0})
    assert (convert["variables"]["amount"]["value"],
            convert["variables"]["exchangeRate"]["value"]) == (100, 1.08)
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["status"] == "completed"
    assert (after["data"]["exchangeRate"], after["data"]["convertedAmount"]) == (1.08, 108.0)
    for own in ("response", "statusCode", "url", "method"):
        assert own not in after["data"]  # the connector's, not the case's


@pytest.mark.parametrize(("old", "new", "message"), [
    ("<operaton:connectorId>http-connector</operaton:connectorId>", "",
     "the connector has no connector id"),
    ('<bpmn:serviceTask id="ConvertAmount" name="Convert amount">',
     '<bpmn:serviceTask id="ConvertAmount" name="Convert amount" operaton:class="a.B">',
     "a task with a connector has no other implementation (camunda:class)"),
])
def test_a_connector_that_cannot_run_is_refused_by_name(
        client: FlaskClient, tokens: dict[str, str], old: str, new: str, message: str) -> None:
    text = MODEL.read_text()
    assert old in text
    response = upload(client, tokens["ontwerper"], [(MODEL.name, text.replace(old, new, 1))])
    assert response.status_code == 422
    assert any(message in e["message"] for e in response.get_json()["errors"]), \
        response.get_json()
