"""Other systems start cases and read them through Camunda 7's REST API: POST
/engine-rest/process-definition/key/{key}/start, GET /engine-rest/process-instance(/{id})
and its variables, for the processes their account's groups name."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import actions, bearer, upload, worker_account
from maatwerk.persistence.database import Database
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts
from test_external_tasks import MODEL, TOPIC

KEY = "toeslag_berekenen"


@pytest.fixture
def portal(database: Database, demo_loaded: list[str], client: FlaskClient,
           tokens: dict[str, str]) -> str:
    """A worker account (a municipality's portal) for the process and its topic; the
    model uploaded. Its token."""
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201
    worker_account(database, "ander", [TOPIC])
    return worker_account(database, "portaal", [KEY, TOPIC, "bijzondere_bijstand"])


def _start(client: FlaskClient, token: str, key: str, body: dict[str, Any]) -> Any:
    return client.post(f"/engine-rest/process-definition/key/{key}/start",
                       headers=bearer(token), json=body)


def test_a_system_starts_a_case_and_reads_it_as_a_process_instance(
        client: FlaskClient, tokens: dict[str, str], portal: str) -> None:
    started = _start(client, portal, KEY, {
        "variables": {"naam": {"value": "Fatima", "type": "String"}},
        "withVariablesInReturn": True})
    assert started.status_code == 200, started.get_json()
    instance = started.get_json()
    assert instance["definitionId"].startswith(f"{KEY}:") and instance["ended"] is False
    assert instance["variables"]["naam"]["value"] == "Fatima"
    case = client.get(f"/api/v1/cases/{instance['id']}",
                      headers=bearer(tokens["consulent"])).get_json()
    assert case["reference"] == instance["businessKey"] and case["channel"] == "online"
    events = client.get(f"/api/v1/cases/{instance['id']}/audit",
                        headers=bearer(tokens["consulent"])).get_json()["events"]
    assert [e["actor"] for e in events if e["action"] == "case_started"] == ["portaal"]
    listed = client.get(f"/engine-rest/process-instance?processDefinitionKey={KEY}",
                        headers=bearer(portal)).get_json()
    assert [i["id"] for i in listed] == [instance["id"]]
    by_key = client.get(f"/engine-rest/process-instance?businessKey={case['reference']}",
                        headers=bearer(portal)).get_json()
    assert [i["id"] for i in by_key] == [instance["id"]]
    one = client.get(f"/engine-rest/process-instance/{instance['id']}", headers=bearer(portal))
    assert one.status_code == 200 and one.get_json()["businessKey"] == case["reference"]
    variables = client.get(f"/engine-rest/process-instance/{instance['id']}/variables",
                           headers=bearer(portal)).get_json()
    assert variables == {"naam": {"type": "String", "value": "Fatima", "valueInfo": {}}}
    assert "case_started" in actions(client, tokens["consulent"], int(instance["id"]))


def test_a_system_sees_only_the_processes_its_groups_name(
        client: FlaskClient, tokens: dict[str, str], portal: str,
        database: Database) -> None:
    with UnitOfWork(database) as unit:
        other = accounts.create_token(unit, "ander")
    assert _start(client, other, KEY, {}).status_code == 403
    assert _start(client, tokens["consulent"], KEY, {}).status_code == 403  # a person
    instance = _start(client, portal, KEY, {}).get_json()
    assert client.get("/engine-rest/process-instance", headers=bearer(other)).get_json() == []
    assert client.get(f"/engine-rest/process-instance/{instance['id']}",
                      headers=bearer(other)).status_code == 404
    assert client.get("/engine-rest/process-instance/99999999",
                      headers=bearer(portal)).status_code == 404


def test_a_start_is_held_to_the_start_form_and_refuses_what_it_cannot_do(
        client: FlaskClient, portal: str) -> None:
    # the demo's bijzondere bijstand has a start form with required fields
    refused = _start(client, portal, "bijzondere_bijstand", {"variables": {}})
    assert refused.status_code == 400
    assert refused.get_json()["type"] == "InvalidRequestException"
    business_key = _start(client, portal, KEY, {"businessKey": "EIGEN-1"})
    assert business_key.status_code == 400
    assert "gets its own reference" in business_key.get_json()["message"]
    assert _start(client, portal, "bestaat_niet", {}).status_code == 403
