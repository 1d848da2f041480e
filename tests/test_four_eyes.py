"""Four eyes are really two people: the demo's four-eyes check (`maatwerk:separateFrom` on
Task_Vierogen) can't be claimed or completed by whoever did the completeness check, the
refusal talk or the reassessment, or settled the decision through a deviation, through the
pages or the API; a reassignment can't hand it to them either. The property is checked at
upload."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, bearer, bijstand_with, complete, open_task, start, upload

CHECK = {"akkoord": True, "vierogen_toelichting": "Berekening en motivering kloppen."}


@pytest.fixture
def grant(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    """A grant above 500 euros whose completeness the team lead checked herself."""
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    case = complete(client, tokens["teamleider"], case, "Task_Volledigheid", {"volledig": "ja"})
    open_task(case, "Task_Vierogen")
    return case


def test_the_api_refuses_claim_and_completion_to_who_did_an_earlier_step(
        client: FlaskClient, tokens: dict[str, str], grant: dict[str, Any]) -> None:
    task = open_task(grant, "Task_Vierogen")
    claim = client.post(f"/api/v1/tasks/{task['id']}/claim",
                        headers=bearer(tokens["teamleider"]))
    assert claim.status_code == 403
    assert "'Volledigheid controleren'" in claim.get_json()["error"]
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": CHECK},
                       headers=bearer(tokens["teamleider"]))
    assert done.status_code == 403
    case = client.get(f"/api/v1/cases/{grant['id']}", headers=bearer(tokens["teamleider2"]))
    assert open_task(case.get_json(), "Task_Vierogen")["assignee"] is None, "nothing changed"
    assert complete(client, tokens["teamleider2"], case.get_json(), "Task_Vierogen",
                    CHECK)["status"] == "completed"


def test_the_pages_refuse_it_in_dutch(client: FlaskClient, grant: dict[str, Any]) -> None:
    task_id = open_task(grant, "Task_Vierogen")["id"]
    login(client, "teamleider")
    page = client.get(f"/werk/taken/{task_id}")
    token = csrf_token(page.get_data(as_text=True))
    claimed = client.post(f"/werk/taken/{task_id}/oppakken", data={"csrf_token": token},
                          follow_redirects=True)
    assert "Vier ogen: u deed" in claimed.get_data(as_text=True)
    completed = client.post(f"/werk/taken/{task_id}", follow_redirects=True, data={
        "csrf_token": token, "akkoord": "y", "vierogen_toelichting": "Klopt."})
    text = completed.get_data(as_text=True)
    assert "Vier ogen: u deed" in text and "Volledigheid controleren" in text


def test_a_reassignment_cannot_hand_the_check_to_them(
        client: FlaskClient, tokens: dict[str, str], grant: dict[str, Any]) -> None:
    task = open_task(grant, "Task_Vierogen")
    response = client.post(f"/api/v1/cases/{grant['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
        "type": "reassign", "task_id": task["id"], "values": {"assignee": "teamleider"},
        "reason": "De andere teamleider is deze week met verlof en het moet snel.",
        "legal_basis": "art. 4:84 Awb"})
    assert response.status_code == 422, response.get_json()
    assert "teamleider did 'Volledigheid controleren'" in \
        response.get_json()["errors"]["values.assignee"]


MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="controle" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Maken"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:{kind} id="Controleren"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="maatwerk:separateFrom" value="{value}" />
    </camunda:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:{kind}>
    <bpmn:endEvent id="End"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Maken" />
    <bpmn:sequenceFlow id="f2" sourceRef="Maken" targetRef="Controleren" />
    <bpmn:sequenceFlow id="f3" sourceRef="Controleren" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("userTask", "Maken", None),
    ("userTask", "Maken, Bestaat_niet", "Bestaat_niet, which this process does not have"),
    ("userTask", "Controleren", "names the task itself"),
    ("userTask", " , ", "names no element"),
    ("scriptTask", "Maken", "belongs on a user task"),
])
def test_the_property_is_checked_at_upload(client: FlaskClient, tokens: dict[str, str],
                                           kind: str, value: str, expected: str | None) -> None:
    response = upload(client, tokens["ontwerper"], [
        ("controle.bpmn", MODEL.format(kind=kind, value=value))])
    if expected is None:
        assert response.status_code == 201, response.get_json()
        return
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(e["element_id"] == "Controleren" and expected in e["message"]
               for e in errors), errors


def test_the_demo_model_keeps_its_four_eyes() -> None:
    files = dict(bijstand_with())
    assert 'name="maatwerk:separateFrom"' in str(files["bijzondere_bijstand.bpmn"])
