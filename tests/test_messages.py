"""Messages from other systems (Camunda 7's POST /engine-rest/message): a case waits for a
message by name at a catch event, an event-based gateway, a boundary event or a receive
task; the message is correlated to the one case that waits, by case id, business key or
case variables, and its variables become case data. No match, or more than one, changes
nothing."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import login
from helpers import actions, bearer, case_of, complete, start, upload, worker_account
from maatwerk.persistence.database import Database

MODEL = Path(__file__).parent / "data" / "messages.bpmn"
KEY = "leges_betalen"
MESSAGES = ["LegesBetaald", "AanvraagIngetrokken", "AanvullingOntvangen", "BesluitGenomen"]


@pytest.fixture
def sender(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    """A worker account that may send the model's messages, as Bearer headers."""
    return {"all": worker_account(database, "zaaksysteem", MESSAGES),
            "payer": worker_account(database, "betaalsysteem", ["LegesBetaald"])}


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()



def _send(client: FlaskClient, token: str, body: dict[str, Any]) -> Any:
    return client.post("/engine-rest/message", headers=bearer(token), json=body)


def _waits(client: FlaskClient, token: str, case_id: int) -> list[tuple[str, str]]:
    response = client.get(f"/engine-rest/event-subscription?processInstanceId={case_id}",
                          headers=bearer(token))
    assert response.status_code == 200
    return sorted((s["eventName"], s["activityId"]) for s in response.get_json())


def test_a_message_takes_the_case_on_and_its_variables_become_case_data(
        client: FlaskClient, tokens: dict[str, str], model: None,
        sender: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], KEY, {"dossier": "D-1"})
    assert case["open_tasks"] == []  # it waits at the event-based gateway, and says so
    assert [(w["name"], w["element_name"]) for w in case["waiting_for_messages"]] == [
        ("AanvraagIngetrokken", "Aanvraag ingetrokken"), ("LegesBetaald", "Leges betaald")]
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Wacht op bericht" in page and "Leges betaald (bericht ‘LegesBetaald’" in page
    assert _waits(client, sender["all"], case["id"]) == [
        ("AanvraagIngetrokken", "Event_Ingetrokken"), ("LegesBetaald", "Event_Betaald")]
    sent = _send(client, sender["payer"], {
        "messageName": "LegesBetaald", "processInstanceId": str(case["id"]),
        "processVariables": {"bedrag": {"value": 120, "type": "Integer"}},
        "resultEnabled": True})
    assert sent.status_code == 200, sent.get_json()
    [result] = sent.get_json()
    assert result["resultType"] == "Execution"
    assert result["execution"]["processInstanceId"] == str(case["id"])
    after = case_of(client, tokens["consulent"], case["id"])
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Beoordelen"]
    assert after["data"]["bedrag"] == 120
    # the gateway's other branch no longer waits; the task's boundary event does
    assert _waits(client, sender["all"], case["id"]) == [
        ("AanvullingOntvangen", "Event_Aanvulling")]
    events = client.get(f"/api/v1/cases/{case['id']}/audit",
                        headers=bearer(tokens["consulent"])).get_json()["events"]
    [correlated] = [e for e in events if e["action"] == "message_correlated"]
    assert correlated["actor"] == "betaalsysteem"
    assert correlated["details"]["message"] == "LegesBetaald"
    assert correlated["details"]["element_ids"] == ["Event_Betaald"]
    # a non-interrupting boundary message adds a task and keeps the one it sits on
    assert _send(client, sender["all"], {
        "messageName": "AanvullingOntvangen", "businessKey": case["reference"]}
    ).status_code == 204
    after = case_of(client, tokens["consulent"], case["id"])
    assert sorted(t["element_id"] for t in after["open_tasks"]) == [
        "Task_Aanvulling", "Task_Beoordelen"]
    # a receive task waits for its message, which ends the case
    after = complete(client, tokens["consulent"], after, "Task_Beoordelen", {})
    after = complete(client, tokens["consulent"], after, "Task_Aanvulling", {})
    assert _waits(client, sender["all"], case["id"]) == [("BesluitGenomen", "Task_Besluit")]
    assert _send(client, sender["all"], {
        "messageName": "BesluitGenomen", "processInstanceId": str(case["id"]),
        "processVariables": {"besluit": {"value": "verleend", "type": "String"}}}
    ).status_code == 204
    done = case_of(client, tokens["consulent"], case["id"])
    assert done["status"] == "completed" and done["data"]["besluit"] == "verleend"
    assert _waits(client, sender["all"], case["id"]) == []


def test_correlation_keys_pick_the_one_case_and_ambiguity_changes_nothing(
        client: FlaskClient, tokens: dict[str, str], model: None,
        sender: dict[str, str]) -> None:
    first = start(client, tokens["consulent"], KEY, {"dossier": "D-1", "nr": 1})
    second = start(client, tokens["consulent"], KEY, {"dossier": "D-2", "nr": 2})
    both = _send(client, sender["all"], {"messageName": "AanvraagIngetrokken"})
    assert both.status_code == 400
    assert both.get_json()["type"] == "InvalidRequestException"
    assert "2 cases wait for it" in both.get_json()["message"]
    none = _send(client, sender["all"], {
        "messageName": "AanvraagIngetrokken",
        "correlationKeys": {"dossier": {"value": "D-3", "type": "String"}}})
    assert none.status_code == 400
    assert "no case waits for it with dossier = 'D-3'" in none.get_json()["message"]
    for case in (first, second):
        assert case_of(client, tokens["consulent"], case["id"])["status"] == "open"
        assert "message_correlated" not in actions(client, tokens["consulent"], case["id"])
    one = _send(client, sender["all"], {  # a number is compared as a number
        "messageName": "AanvraagIngetrokken",
        "correlationKeys": {"nr": {"value": 2, "type": "Integer"}}})
    assert one.status_code == 204
    assert case_of(client, tokens["consulent"], second["id"])["status"] == "completed"
    assert case_of(client, tokens["consulent"], first["id"])["status"] == "open"
    # a message the case does not wait for (now) is refused the same way
    late = _send(client, sender["all"], {
        "messageName": "BesluitGenomen", "processInstanceId": str(first["id"])})
    assert late.status_code == 400
    assert "no case waits for it with case" in late.get_json()["message"]


def test_who_may_send_a_message_and_what_is_not_offered(
        client: FlaskClient, tokens: dict[str, str], model: None,
        sender: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], KEY, {})
    body = {"messageName": "AanvraagIngetrokken", "processInstanceId": str(case["id"])}
    assert _send(client, sender["payer"], body).status_code == 403  # not its message
    assert _send(client, tokens["consulent"], body).status_code == 403  # a person
    assert client.post("/engine-rest/message", json=body).status_code == 401
    for extra in ({"all": True}, {"processVariablesLocal": {"a": {"value": 1}}},
                  {"tenantId": "x"}):
        refused = _send(client, sender["all"], {**body, **extra})
        assert refused.status_code == 400, extra
    assert case_of(client, tokens["consulent"], case["id"])["status"] == "open"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('<bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_7</bpmn:incoming></bpmn:endEvent>',
     ('<bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_7</bpmn:incoming>'
     '<bpmn:messageEventDefinition messageRef="Message_Besluit" camunda:class="nl.x.Y" '
     'camunda:delegateExpression="${y}" /></bpmn:endEvent>'),
     "the task has more than one implementation"),
    ('messageRef="Message_Besluit">', ">", "the event waits for no message"),
])
def test_message_events_that_cannot_run_are_refused_by_name(
        client: FlaskClient, tokens: dict[str, str], old: str, new: str, message: str) -> None:
    bpmn = MODEL.read_text()
    assert old in bpmn
    response = upload(client, tokens["ontwerper"], [("leges.bpmn", bpmn.replace(old, new))])
    assert response.status_code == 422
    assert any(message in p["message"] for p in response.get_json()["errors"]), \
        response.get_json()


START_MODEL = Path(__file__).parent / "data" / "message_start.bpmn"


@pytest.fixture
def start_model(client: FlaskClient, tokens: dict[str, str], database: Database) -> str:
    """The model that starts with a message, and a token of a worker that may send it."""
    response = upload(client, tokens["ontwerper"], [(START_MODEL.name, START_MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()
    return worker_account(database, "meldapp", ["MeldingOntvangen"])


def test_a_message_starts_a_case_of_a_process_that_starts_with_it(
        client: FlaskClient, tokens: dict[str, str], start_model: str) -> None:
    sent = _send(client, start_model, {
        "messageName": "MeldingOntvangen", "resultEnabled": True,
        "processVariables": {"melder": {"value": "Fatima", "type": "String"}}})
    assert sent.status_code == 200, sent.get_json()
    [result] = sent.get_json()
    assert result["resultType"] == "ProcessDefinition" and result["execution"] is None
    case = case_of(client, tokens["consulent"], int(result["processInstance"]["id"]))
    assert case["reference"] == result["processInstance"]["businessKey"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Melding"]
    assert case["data"] == {"melder": "Fatima"}
    events = client.get(f"/api/v1/cases/{case['id']}/audit",
                        headers=bearer(tokens["consulent"])).get_json()["events"]
    [started] = [e for e in events if e["action"] == "case_started"]
    assert started["actor"] == "meldapp" and started["details"]["message"] == "MeldingOntvangen"
    # each message starts a case of its own
    assert _send(client, start_model, {"messageName": "MeldingOntvangen"}).status_code == 204
    listed = client.get("/engine-rest/process-instance?processDefinitionKey=melding_via_app",
                        headers=bearer(tokens["beheer"])).get_json()
    assert len(listed) == 2 and str(case["id"]) in {i["id"] for i in listed}


def test_a_process_that_starts_with_a_message_is_not_started_otherwise(
        client: FlaskClient, tokens: dict[str, str], start_model: str) -> None:
    response = client.post("/api/v1/cases", json={"process_key": "melding_via_app", "data": {}},
                           headers=bearer(tokens["consulent"]))
    assert response.status_code == 422
    assert "message 'MeldingOntvangen'" in response.get_json()["error"]
    # a message for a given case id starts nothing
    aimed = _send(client, start_model, {"messageName": "MeldingOntvangen",
                                        "processInstanceId": "1"})
    assert aimed.status_code == 400
    assert "no process starts with it" in aimed.get_json()["message"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ('<bpmn:startEvent id="StartEvent_Melding" name="Melding ontvangen">',
     ('<bpmn:startEvent id="StartEvent_Signaal"><bpmn:signalEventDefinition />'
      '</bpmn:startEvent><bpmn:startEvent id="StartEvent_Melding" name="Melding ontvangen">'),
     "can have one other start event here, a plain one"),
    ('<bpmn:startEvent id="StartEvent_Melding" name="Melding ontvangen">',
     ('<bpmn:startEvent id="StartEvent_A" /><bpmn:startEvent id="StartEvent_B" />'
      '<bpmn:startEvent id="StartEvent_Melding" name="Melding ontvangen">'),
     "can have one other start event here, a plain one"),
    ('<bpmn:startEvent id="StartEvent_Melding" name="Melding ontvangen">',
     ('<bpmn:startEvent id="StartEvent_Melding" name="Melding ontvangen" '
     'camunda:formRef="melding">'), "has no form: the message brings the data"),
])
def test_message_starts_that_cannot_run_are_refused(
        client: FlaskClient, tokens: dict[str, str], old: str, new: str, message: str) -> None:
    bpmn = START_MODEL.read_text()
    assert old in bpmn
    response = upload(client, tokens["ontwerper"], [("melding.bpmn", bpmn.replace(old, new))])
    assert response.status_code == 422
    assert any(message in p["message"] for p in response.get_json()["errors"]), \
        response.get_json()


BY_HAND = START_MODEL.read_text().replace(
    '<bpmn:userTask id="Task_Melding"',
    '<bpmn:startEvent id="StartEvent_Balie" name="Melding aan de balie">'
    '<bpmn:outgoing>Flow_0</bpmn:outgoing></bpmn:startEvent>'
    '<bpmn:sequenceFlow id="Flow_0" sourceRef="StartEvent_Balie" targetRef="Task_Melding" />'
    '<bpmn:userTask id="Task_Melding"').replace(
    "<bpmn:incoming>Flow_1</bpmn:incoming>",
    "<bpmn:incoming>Flow_1</bpmn:incoming><bpmn:incoming>Flow_0</bpmn:incoming>")


def test_a_process_with_a_message_start_and_a_plain_one_starts_either_way(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    """As GZAC processes do: a case comes in from the portal (a message), or a caseworker
    starts one by hand; either way it runs one path."""
    response = upload(client, tokens["ontwerper"], [("melding.bpmn", BY_HAND)])
    assert response.status_code == 201, response.get_json()
    by_hand = start(client, tokens["consulent"], "melding_via_app", {"melder": "Ali"})
    assert [t["element_id"] for t in by_hand["open_tasks"]] == ["Task_Melding"]
    assert by_hand["waiting_for_messages"] == []  # the message start no longer waits
    sender = worker_account(database, "meldapp", ["MeldingOntvangen"])
    sent = _send(client, sender, {"messageName": "MeldingOntvangen", "resultEnabled": True,
                                  "processVariables": {"melder": {"value": "Fatima"}}})
    assert sent.status_code == 200, sent.get_json()
    case = case_of(client, tokens["consulent"], int(sent.get_json()[0]["processInstance"]["id"]))
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Melding"]  # once
    assert case["data"] == {"melder": "Fatima"} and case["waiting_for_messages"] == []
    done = complete(client, tokens["consulent"], case, "Task_Melding", {})
    assert done["status"] == "completed"



REPEATING_SUBPROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:message id="Msg_In" name="Ingetrokken" />
  <bpmn:process id="gesprekken" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:subProcess id="Sub">
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"
        camunda:collection="${aanvragers}" camunda:elementVariable="aanvrager" />
      <bpmn:startEvent id="S2" />
      <bpmn:userTask id="Task_Gesprek" name="Gesprek" camunda:candidateGroups="consulenten"/>
      <bpmn:endEvent id="E2" />
      <bpmn:sequenceFlow id="G1" sourceRef="S2" targetRef="Task_Gesprek" />
      <bpmn:sequenceFlow id="G2" sourceRef="Task_Gesprek" targetRef="E2" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="Boundary_Ingetrokken" attachedToRef="Sub">
      <bpmn:messageEventDefinition messageRef="Msg_In" />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:endEvent id="End_Ingetrokken" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Sub" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sub" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="F3" sourceRef="Boundary_Ingetrokken" targetRef="End_Ingetrokken" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_message_on_a_repeating_subprocess_ends_all_its_rounds(
        client: FlaskClient, tokens: dict[str, str], demo_loaded: list[str]) -> None:
    """An interrupting boundary event on a repeating subprocess: the case goes on along
    the event's path (the engine dropped the rounds but kept their subprocesses, and the
    next step failed with 'a task ... was not found')."""
    response = upload(client, tokens["ontwerper"], [("gesprekken.bpmn", REPEATING_SUBPROCESS)])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "gesprekken", {"aanvragers": ["Cem", "Dina"]})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Gesprek"]
    sent = client.post("/engine-rest/message", headers=bearer(tokens["beheer"]), json={
        "messageName": "Ingetrokken", "processInstanceId": str(case["id"])})
    assert sent.status_code in (200, 204), sent.get_data(as_text=True)
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["status"] == "completed", after.get("error")
    assert after["open_tasks"] == [] and after["waiting_for_messages"] == []
