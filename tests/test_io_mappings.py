"""Camunda 7 input/output mappings (camunda:inputOutput) run as saved: inputs are the task's
own variables while it is open (a worker and a person see them), outputs become case data
when it ends, and the inputs end with the task."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, complete, open_task, start, upload, worker_account
from maatwerk.persistence.database import Database

MODEL = Path(__file__).parent / "data" / "io_mappings.bpmn"
KEY = "melding_met_zaak"


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return {"username": "zaken",
            "token": worker_account(database, "zaken", ["zaak-aanmaken"])}


def _upload(client: FlaskClient, token: str, bpmn: bytes) -> Any:
    return upload(client, token, [("melding.bpmn", bpmn)])


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = _upload(client, tokens["ontwerper"], MODEL.read_bytes())
    assert response.status_code == 201, response.get_json()



def _fetch(client: FlaskClient, token: str) -> list[dict[str, Any]]:
    response = client.post("/engine-rest/external-task/fetchAndLock", headers=bearer(token),
                           json={"workerId": "w1", "maxTasks": 1, "topics": [
                               {"topicName": "zaak-aanmaken", "lockDuration": 60_000}]})
    assert response.status_code == 200, response.get_json()
    found: list[dict[str, Any]] = response.get_json()
    return found


def _values(variables: dict[str, Any]) -> dict[str, Any]:
    return {name: typed["value"] for name, typed in variables.items()}


def test_inputs_are_the_tasks_own_and_outputs_become_case_data(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], KEY, {
        "melder": "Fatima", "straat": "Oudegracht 1", "prioriteit": 3})
    [task] = _fetch(client, worker["token"])
    seen = _values(task["variables"])
    assert seen["zaaktype"] == "https://catalogi.example/zaaktypen/melding"
    assert seen["omschrijving"] == "Melding van Fatima"
    assert seen["prioriteit"] == 13  # the input hides the case's own value
    assert seen["kenmerken"] == '["Fatima", "vast"]'  # a list travels as Json
    assert seen["adres"] == '{"straat": "Oudegracht 1", "plaats": "Utrecht"}'
    assert seen["leeg"] is None
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete",
                       headers=bearer(worker["token"]), json={"workerId": "w1", "variables": {
                           "url": {"value": "https://zaken.example/1", "type": "String"}}})
    assert done.status_code == 204, done.get_json()
    after = case_of(client, tokens["consulent"], case["id"])
    data = after["data"]
    assert data["zaakUrl"] == "https://zaken.example/1"  # an output
    assert data["gezien"] == 26  # a Python script output, on the task's own prioriteit
    assert data["url"] == "https://zaken.example/1"  # what the worker set, as without mapping
    assert data["prioriteit"] == 3  # the case's own value is back
    for local in ("zaaktype", "omschrijving", "kenmerken", "adres", "leeg"):
        assert local not in data, local
    # a person sees the user task's input while it is open ...
    assert data["instructie"] == "Bel Fatima over zaak https://zaken.example/1"
    # ... and its output is case data when they are done; the input ends with the task
    finished = complete(client, tokens["consulent"], after, "Task_Afhandelen",
                        {"besluit": "klaar"})
    assert finished["status"] == "completed"
    assert finished["data"]["afgehandeld"] is True
    assert finished["data"]["status"] == "afgesloten"  # an event's output
    assert "instructie" not in finished["data"]


def test_an_output_that_fails_refuses_the_completion_and_changes_nothing(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str]) -> None:
    bpmn = MODEL.read_text().replace("${besluit == 'klaar'}", "${onbekend == 'klaar'}")
    assert _upload(client, tokens["ontwerper"], bpmn.encode()).status_code == 201
    case = start(client, tokens["consulent"], KEY, {
        "melder": "Ali", "straat": "Markt 2", "prioriteit": 1})
    [task] = _fetch(client, worker["token"])
    assert client.post(f"/engine-rest/external-task/{task['id']}/complete",
                       headers=bearer(worker["token"]), json={"workerId": "w1", "variables": {
                           "url": {"value": "u", "type": "String"}}}).status_code == 204
    user_task = open_task(case_of(client, tokens["consulent"], case["id"]), "Task_Afhandelen")
    refused = client.post(f"/api/v1/tasks/{user_task['id']}/complete",
                          json={"data": {"besluit": "klaar"}},
                          headers=bearer(tokens["consulent"]))
    assert refused.status_code == 422
    message = refused.get_json()["error"]
    assert "Task_Afhandelen" in message and "output parameter 'afgehandeld'" in message
    assert "Nothing was changed" in message
    after = case_of(client, tokens["consulent"], case["id"])
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Afhandelen"]
    assert "besluit" not in after["data"]


def test_an_input_that_fails_is_a_failed_step_that_names_the_parameter(
        client: FlaskClient, tokens: dict[str, str], model: None) -> None:
    case = start(client, tokens["consulent"], KEY, {"melder": "Ali", "prioriteit": 1})
    assert case["status"] == "error"  # no 'straat' for the map entry
    assert "Task_ZaakAanmaken" in case["error"]
    assert "input parameter 'adres' could not be evaluated" in case["error"]


MAPPING = ('<bpmn:extensionElements><camunda:inputOutput>{parameters}'
           '</camunda:inputOutput></bpmn:extensionElements>')


@pytest.mark.parametrize(("parameters", "message"), [
    (('<camunda:inputParameter name="x"><camunda:script scriptFormat="groovy">1</camunda:script>'
     '</camunda:inputParameter>'), "script format 'groovy' is not supported"),
    (('<camunda:inputParameter name="x"><camunda:script scriptFormat="python">a = 1'
     '</camunda:script></camunda:inputParameter>'), "must be one Python expression"),
    ('<camunda:inputParameter name="1x">a</camunda:inputParameter>', "must be a variable name"),
    ('<camunda:outputParameter name="x">${a ==}</camunda:outputParameter>',
     "output parameter 'x'"),
    (('<camunda:inputParameter name="x"><camunda:map><camunda:entry>1</camunda:entry>'
     '</camunda:map></camunda:inputParameter>'), "a map entry has no key"),
])
def test_parameters_that_cannot_run_are_refused_with_their_name(
        client: FlaskClient, tokens: dict[str, str], parameters: str, message: str) -> None:
    bpmn = MODEL.read_text().replace(
        '<bpmn:userTask id="Task_Afhandelen" name="Melding afhandelen" '
        'camunda:candidateGroups="consulenten">\n      <bpmn:extensionElements>',
        '<bpmn:userTask id="Task_Afhandelen" name="Melding afhandelen">'
        + MAPPING.format(parameters=parameters) + '<bpmn:extensionElements>')
    response = _upload(client, tokens["ontwerper"], bpmn.encode())
    assert response.status_code == 422
    problems = [p for p in response.get_json()["errors"] if p["element_id"] == "Task_Afhandelen"]
    assert any(message in p["message"] for p in problems), problems


def test_a_mapping_on_an_element_it_cannot_run_on_is_refused(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = MODEL.read_text().replace(
        '<bpmn:startEvent id="StartEvent_1">',
        '<bpmn:startEvent id="StartEvent_1">' + MAPPING.format(
            parameters='<camunda:outputParameter name="x">1</camunda:outputParameter>'))
    response = _upload(client, tokens["ontwerper"], bpmn.encode())
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["element_id"] == "StartEvent_1"
    assert "not on a startEvent" in problem["message"]


REPEATING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="declaraties" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:userTask id="Task_Regel" name="Regel beoordelen" camunda:candidateGroups="consulenten">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="wat">${regel["omschrijving"]}</camunda:inputParameter>
          <camunda:outputParameter name="totaal">${totaal + goedgekeurd}</camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"
        camunda:collection="regels" camunda:elementVariable="regel" />
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Regel" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Regel" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_mapping_on_a_repeating_task_is_applied_to_each_round(
        client: FlaskClient, tokens: dict[str, str], demo_loaded: list[str]) -> None:
    """As Camunda 7 maps each instance: the input reads the round's item, the output adds
    what each round approved to the case's total; the input ends with its round."""
    response = _upload(client, tokens["ontwerper"], REPEATING.encode())
    assert response.status_code == 201, response.get_json()
    person = tokens["consulent"]
    case = start(client, person, "declaraties", {"totaal": 0, "regels": [
        {"omschrijving": "Bril", "bedrag": 120}, {"omschrijving": "Taxi", "bedrag": 40}]})
    seen = []
    for approved in (100, 40):
        now = case_of(client, person, case["id"])
        open_task(now, "Task_Regel")
        seen.append(now["data"]["wat"])  # the open round's input, as it is shown
        case = complete(client, person, case_of(client, person, case["id"]), "Task_Regel",
                        {"goedgekeurd": approved})
    assert seen == ["Bril", "Taxi"]
    assert case["status"] == "completed"
    assert case["data"]["totaal"] == 140 and "wat" not in case["data"]


EMBEDDED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="controle" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:subProcess id="Sub_Controle" name="Controle">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="grens">${bedrag * 2}</camunda:inputParameter>
          <camunda:outputParameter name="gecontroleerd">Door ${controleur}</camunda:outputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
      <bpmn:startEvent id="Sub_Start" />
      <bpmn:userTask id="Task_Binnen" camunda:candidateGroups="consulenten" />
      <bpmn:endEvent id="Sub_End" />
      <bpmn:sequenceFlow id="S1" sourceRef="Sub_Start" targetRef="Task_Binnen" />
      <bpmn:sequenceFlow id="S2" sourceRef="Task_Binnen" targetRef="Sub_End" />
    </bpmn:subProcess>
    <bpmn:userTask id="Task_Daarna" camunda:candidateGroups="consulenten" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Sub_Controle" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sub_Controle" targetRef="Task_Daarna" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Daarna" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_mapping_on_an_embedded_subprocess_holds_inside_it(
        client: FlaskClient, tokens: dict[str, str], demo_loaded: list[str]) -> None:
    """Inside the subprocess its input is known (hiding the case's own value of that name);
    when it ends the input is gone, the case's value is back and the output is case data."""
    response = _upload(client, tokens["ontwerper"], EMBEDDED.encode())
    assert response.status_code == 201, response.get_json()
    person = tokens["consulent"]
    case = start(client, person, "controle", {"bedrag": 100, "grens": 5})
    assert case_of(client, person, case["id"])["data"]["grens"] == 200
    after = complete(client, person, case_of(client, person, case["id"]), "Task_Binnen",
                     {"controleur": "Sanne"})
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Daarna"]
    assert after["data"]["grens"] == 5 and after["data"]["gecontroleerd"] == "Door Sanne"
    refused = _upload(client, tokens["ontwerper"], EMBEDDED.replace(
        '<bpmn:subProcess id="Sub_Controle" name="Controle">',
        '<bpmn:subProcess id="Sub_Controle" name="Controle" triggeredByEvent="true">').encode())
    assert refused.status_code == 422
    assert any(e["element_id"] == "Sub_Controle" and "event subprocess" in e["message"]
               for e in refused.get_json()["errors"]), refused.get_json()
