"""No camunda:* attribute is ignored unseen: each is read and run, accepted with a note that
says why it changes nothing here (in the API's answer and on the designer's page), or
refused with the reason."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import bearer, upload

MODEL = (Path(__file__).parent / "data" / "io_mappings.bpmn").read_text()
NOTED = MODEL.replace(
    '<bpmn:process id="melding_met_zaak" name="Melding met zaak" isExecutable="true">',
    '<bpmn:process id="melding_met_zaak" name="Melding met zaak" isExecutable="true" '
    'camunda:historyTimeToLive="180" camunda:versionTag="2.1">').replace(
    'camunda:type="external" camunda:topic="zaak-aanmaken">',
    'camunda:type="external" camunda:topic="zaak-aanmaken" camunda:asyncBefore="true" '
    'camunda:async="true" camunda:modelerTemplate="nl.gemeente.zaak">')


def _upload(client: FlaskClient, token: str, bpmn: str) -> Any:
    return upload(client, token, [("melding.bpmn", bpmn.encode())])


def test_attributes_that_change_nothing_are_accepted_with_a_note(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = _upload(client, tokens["ontwerper"], NOTED)
    assert response.status_code == 201, response.get_json()
    assert {n["element_id"] for n in response.get_json()["notes"]} == {
        "melding_met_zaak", "Task_ZaakAanmaken"}
    messages = [n["message"] for n in response.get_json()["notes"]]
    assert any(m.startswith("camunda:historyTimeToLive changes nothing here") for m in messages)
    assert any(m.startswith("camunda:versionTag changes nothing here") for m in messages)
    assert any(m.startswith("camunda:asyncBefore changes nothing here") for m in messages)
    assert any(m.startswith("camunda:async changes nothing here") for m in messages)
    assert not any("modelerTemplate" in m for m in messages)  # the modeler's bookkeeping


def test_the_designer_page_shows_the_notes(client: FlaskClient,
                                          tokens: dict[str, str]) -> None:
    login(client, "ontwerper")
    page = client.get("/ontwerp/uploaden").get_data(as_text=True)
    response = client.post("/ontwerp/uploaden", data={
        "csrf_token": csrf_token(page), "files": [(io.BytesIO(NOTED.encode()),
                                                   "melding.bpmn")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Goed om te weten: camunda:asyncBefore changes nothing here" in text
    assert "(Task_ZaakAanmaken)" in text


@pytest.mark.parametrize(("attribute", "message"), [
    ('camunda:dueDate="${deadline}"', "camunda:dueDate: task due dates are not supported"),
    ('camunda:priority="50"', "camunda:priority: task priorities are not supported"),
    ('camunda:zelfbedacht="x"', "camunda:zelfbedacht on a userTask is not read by Maatwerk"),
    ('camunda:topic="t"', "camunda:topic is not supported on a userTask"),
])
def test_attributes_that_would_change_something_are_refused(
        client: FlaskClient, tokens: dict[str, str], attribute: str, message: str) -> None:
    bpmn = MODEL.replace('<bpmn:userTask id="Task_Afhandelen" name="Melding afhandelen"',
                         f'<bpmn:userTask id="Task_Afhandelen" name="Melding afhandelen" '
                         f'{attribute}')
    response = _upload(client, tokens["ontwerper"], bpmn)
    assert response.status_code == 422
    problems = response.get_json()["errors"]
    assert [p["message"] for p in problems if message in p["message"]], problems
    assert all(p["element_id"] == "Task_Afhandelen" for p in problems)


def test_camunda_initiator_names_who_started_the_case(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = MODEL.replace('<bpmn:startEvent id="StartEvent_1">',
                         '<bpmn:startEvent id="StartEvent_1" camunda:initiator="gestart_door">')
    assert _upload(client, tokens["ontwerper"], bpmn).status_code == 201
    response = client.post("/api/v1/cases", json={"process_key": "melding_met_zaak", "data": {
        "melder": "Ali", "straat": "Markt 1", "prioriteit": 1}},
        headers=bearer(tokens["consulent"]))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["data"]["gestart_door"] == "consulent"
    refused = _upload(client, tokens["ontwerper"], bpmn.replace(
        'camunda:initiator="gestart_door"', 'camunda:initiator="gestart door"'))
    assert refused.status_code == 422
    assert "camunda:initiator 'gestart door' is not a variable name" in \
        refused.get_json()["errors"][0]["message"]


FORMS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="x">
  <bpmn:process id="lening" isExecutable="true">
    <bpmn:startEvent id="Start_1" camunda:formKey="formio:lening-aanvragen">
      <bpmn:extensionElements>
        <camunda:formData businessKey="email">
          <camunda:formField id="email" label="E-mail" type="string" />
        </camunda:formData>
      </bpmn:extensionElements>
    </bpmn:startEvent>
    <bpmn:endEvent id="End_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="End_1" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_form_that_is_not_the_one_shown_is_noted(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """A GZAC start event names its form.io form and has form fields: the fields are shown,
    and the upload says so; formData's businessKey is noted too."""
    response = _upload(client, tokens["ontwerper"], FORMS)
    assert response.status_code == 201, response.get_json()
    messages = sorted(n["message"] for n in response.get_json()["notes"])
    assert messages[0].startswith("camunda:formData businessKey 'email' changes nothing here")
    assert messages[1].startswith("form key 'formio:lening-aanvragen' points at a form "
                                  "Maatwerk can't show; the form fields")
