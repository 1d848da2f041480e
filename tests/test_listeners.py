"""Execution and task listeners, as Camunda 7 and GZAC models save them, run as steps of
their own: a bean call becomes an external task that a worker does and the case waits for,
`execution.setVariable` sets a case variable, a Python script runs in the sandbox, and
camunda:field values become variables of the worker's task."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, complete, open_elements, start, upload, worker_account
from maatwerk.persistence.database import Database

MODEL = Path(__file__).parent / "data" / "listeners.bpmn"
KEY = "parkeervergunning"
TOPICS = ["taakAangemaakt", "zaakService.taakAfgerond", "nl.gemeente.vergunning.Toekennen",
          "vergunningRegistreren", "afwijzingVersturen"]


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "listeners", TOPICS))


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()


def _do(client: FlaskClient, auth: dict[str, str], topic: str,
        variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fetch the one task of the topic, complete it; the task as the worker saw it."""
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
        "workerId": "w1", "maxTasks": 5, "topics": [{"topicName": topic,
                                                     "lockDuration": 60_000}]})
    assert fetched.status_code == 200, fetched.get_json()
    [task] = fetched.get_json()
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=auth,
                       json={"workerId": "w1", "variables": variables or {}})
    assert done.status_code == 204, done.get_data(as_text=True)
    result: dict[str, Any] = task
    return result


def test_listeners_run_where_their_events_happen(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, {"kenteken": "AB-123-C", "kosten": 40})
    # the process's start listener set the status; the task's create listener is a bean
    assert case["data"]["zaakstatus"] == "ontvangen"
    assert [(t["element_id"], t["kind"]) for t in case["open_tasks"]] == [
        ("Task_Beoordelen__create_listener_1", "external")]
    created = _do(client, worker, "taakAangemaakt")
    assert created["variables"]["task"]["value"] == "Task_Beoordelen"
    assert open_elements(client, person, case["id"]) == ["Task_Beoordelen"]
    complete(client, person, case_of(client, person, case["id"]), "Task_Beoordelen",
             {"besluit": "toegekend"})
    # the complete listener waits for its worker before the case goes on
    assert open_elements(client, person, case["id"]) == ["Task_Beoordelen__complete_listener_2"]
    done = _do(client, worker, "zaakService.taakAfgerond")
    assert (done["variables"]["arg0"]["value"], done["variables"]["arg1"]["value"]) == (
        "Task_Beoordelen", str(case["id"]))
    # the gateway's script listener ran; the path's take listener has the fields
    assert case_of(client, person, case["id"])["data"]["gecontroleerd"] is True
    granted = _do(client, worker, "nl.gemeente.vergunning.Toekennen")
    assert granted["activityId"] == "Flow_Toegekend__take_listener_1"
    assert (granted["variables"]["vergunningtype"]["value"],
            granted["variables"]["bedrag"]["value"]) == ("bewoner", 80)
    registered = _do(client, worker, "vergunningRegistreren", {"vergunningnummer": {
        "value": "P-17", "type": "String"}})
    assert registered["variables"]["register"]["value"] == "parkeren"  # a service task's field
    after = case_of(client, person, case["id"])
    assert after["status"] == "completed"
    assert after["data"]["zaakstatus"] == "geregistreerd"  # the end listener
    assert after["data"]["vergunningnummer"] == "P-17"
    for local in ("task", "vergunningtype", "bedrag", "register"):
        assert local not in after["data"]  # the steps' own variables ended with them


def test_a_listener_on_an_end_event_runs_before_the_case_ends(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, {"kenteken": "AB-123-C", "kosten": 40})
    _do(client, worker, "taakAangemaakt")
    complete(client, person, case_of(client, person, case["id"]), "Task_Beoordelen",
             {"besluit": "afgewezen"})
    _do(client, worker, "zaakService.taakAfgerond")
    assert open_elements(client, person, case["id"]) == [
        "parkeervergunning_EndEvent_Afgewezen__start_listener_1"]
    _do(client, worker, "afwijzingVersturen")
    assert case_of(client, person, case["id"])["status"] == "completed"


REFUSED = Path(__file__).parent / "data" / "listeners_refused.bpmn"


def test_a_listener_that_cannot_run_is_refused_by_name(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(REFUSED.name, REFUSED.read_bytes())])
    assert response.status_code == 422, response.get_json()
    problems = {(p["element_id"], p["message"]) for p in response.get_json()["errors"]}
    expected = {
        ("slecht", "execution listener 'end': a process end listener needs exactly one"),
        ("Task_Js", "task listener 'create': script format 'javascript' can't run here"),
        ("Task_Js", "task listener 'update': the 'update' event is not supported"),
        ("Task_Veel", "task listener 'assignment': assignment listeners on a task that repeats"),
        ("Gateway_Kies", "execution listener 'end': the listener runs after the element"),
        ("Task_Veld", "camunda:field 'x' needs exactly one value"),
    }
    for element_id, opening in expected:
        assert any(found == element_id and message.startswith(opening)
                   for found, message in problems), (element_id, opening, problems)


PLAIN_TASK = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="x">
  <bpmn:process id="doorgeven" isExecutable="true">
    <bpmn:startEvent id="Start_1" />
    <bpmn:task id="Task_Niets" name="Nog uit te werken" />
    <bpmn:userTask id="Task_Doen" camunda:candidateGroups="consulenten" />
    <bpmn:endEvent id="End_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="Start_1" targetRef="Task_Niets" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Niets" targetRef="Task_Doen" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Doen" targetRef="End_1" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_plain_task_passes_straight_through_as_in_camunda(
        client: FlaskClient, tokens: dict[str, str], demo_loaded: list[str]) -> None:
    """(what the setVariable listeners' steps are made of)"""
    response = upload(client, tokens["ontwerper"], [("doorgeven.bpmn", PLAIN_TASK)])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "doorgeven", {})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Doen"]


def test_a_listener_that_removes_a_variable_removes_it(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """GZAC's `${execution.processInstance.removeVariable("x")}` (and
    execution.removeVariable) remove the case variable; a name that is not quoted is
    refused."""
    bpmn = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="voorkeur_wissen" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Brief" camunda:candidateGroups="consulenten">
      <bpmn:extensionElements>
        <camunda:executionListener event="start"
          expression="${execution.processInstance.removeVariable(&#34;voorkeur&#34;)}" />
        <camunda:executionListener event="end"
          expression="${execution.removeVariable('ontbreekt')}" />
      </bpmn:extensionElements>
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Brief" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Brief" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""
    response = upload(client, tokens["ontwerper"], [("wissen.bpmn", bpmn)])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "voorkeur_wissen", {"voorkeur": "post", "a": 1})
    assert "voorkeur" not in case["data"] and case["data"]["a"] == 1
    done = complete(client, tokens["consulent"], case, "Task_Brief", {})
    assert done["status"] == "completed" and done["data"] == {"a": 1}
    refused = upload(client, tokens["ontwerper"], [(
        "wissen.bpmn", bpmn.replace("&#34;voorkeur&#34;", "voorkeur"))])
    assert refused.status_code == 422
    assert any("execution.processInstance.removeVariable: give one quoted variable name"
               in p["message"] for p in refused.get_json()["errors"]), refused.get_json()


JOIN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="samenvoegen" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:parallelGateway id="Gateway_Splits" />
    <bpmn:userTask id="Task_A" camunda:candidateGroups="consulenten" />
    <bpmn:userTask id="Task_B" camunda:candidateGroups="consulenten" />
    <bpmn:parallelGateway id="Gateway_Samen" name="Samen">
      <bpmn:extensionElements>
        <camunda:executionListener event="start"
          expression="${execution.setVariable(&#34;samen&#34;, &#34;ja&#34;)}" />
        <camunda:executionListener event="start" class="nl.gemeente.Samenvoegen" />
      </bpmn:extensionElements>
    </bpmn:parallelGateway>
    <bpmn:userTask id="Task_C" camunda:candidateGroups="consulenten" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Gateway_Splits" />
    <bpmn:sequenceFlow id="F2" sourceRef="Gateway_Splits" targetRef="Task_A" />
    <bpmn:sequenceFlow id="F3" sourceRef="Gateway_Splits" targetRef="Task_B" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_A" targetRef="Gateway_Samen" />
    <bpmn:sequenceFlow id="F5" sourceRef="Task_B" targetRef="Gateway_Samen" />
    <bpmn:sequenceFlow id="F6" sourceRef="Gateway_Samen" targetRef="Task_C" />
    <bpmn:sequenceFlow id="F7" sourceRef="Task_C" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_start_listener_on_a_joining_gateway_runs_once_per_arriving_path(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        demo_loaded: list[str]) -> None:
    """As Camunda 7 runs it for each execution that arrives (GZAC's evenementenvergunning
    has one on an inclusive gateway): the listeners run in their order on each path in,
    and the join still waits for both paths."""
    response = upload(client, tokens["ontwerper"], [("samenvoegen.bpmn", JOIN)])
    assert response.status_code == 201, response.get_json()
    worker = bearer(worker_account(database, "samen", ["nl.gemeente.Samenvoegen"]))
    person = tokens["consulent"]
    case = start(client, person, "samenvoegen", {})
    complete(client, person, case, "Task_A", {})
    assert case_of(client, person, case["id"])["data"]["samen"] == "ja"
    assert open_elements(client, person, case["id"]) == [
        "Task_B", "samenvoegen_Gateway_Samen__start_listener_2_path_1"]
    seen = _do(client, worker, "nl.gemeente.Samenvoegen")
    assert seen["activityId"] == "samenvoegen_Gateway_Samen__start_listener_2_path_1"
    assert open_elements(client, person, case["id"]) == ["Task_B"]  # the join waits
    complete(client, person, case_of(client, person, case["id"]), "Task_B", {})
    assert _do(client, worker, "nl.gemeente.Samenvoegen")["activityId"] == \
        "samenvoegen_Gateway_Samen__start_listener_2_path_2"
    assert open_elements(client, person, case["id"]) == ["Task_C"]
    done = complete(client, person, case_of(client, person, case["id"]), "Task_C", {})
    assert done["status"] == "completed" and done["data"]["samen"] == "ja"


ASSIGNED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="toewijzen" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:userTask id="Task_Behandelen" name="Behandelen" camunda:candidateGroups="consulenten">
      <bpmn:extensionElements>
        <camunda:taskListener event="assignment"
          expression="${execution.setVariable(&#34;toegewezen&#34;, &#34;ja&#34;)}" />
        <camunda:taskListener event="assignment" delegateExpression="${toewijzingMelden}" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:userTask id="Task_Vast" camunda:assignee="consulent">
      <bpmn:extensionElements>
        <camunda:taskListener event="assignment"
          expression="${execution.setVariable(&#34;vast&#34;, &#34;ja&#34;)}" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Behandelen" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Behandelen" targetRef="Task_Vast" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Vast" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


def _task_id(client: FlaskClient, token: str, case_id: int, element_id: str) -> str:
    return next(t["id"] for t in case_of(client, token, case_id)["open_tasks"]
                if t["element_id"] == element_id)


def test_assignment_listeners_run_each_time_the_task_gets_an_assignee(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        demo_loaded: list[str]) -> None:
    """A claim is when Camunda 7 fires `assignment`: the listeners run then, beside the
    task, which stays the claimant's; a task with camunda:assignee has one at its creation,
    so its listeners run before it opens. A claim by the person who has it runs nothing."""
    response = upload(client, tokens["ontwerper"], [("toewijzen.bpmn", ASSIGNED)])
    assert response.status_code == 201, response.get_json()
    worker = bearer(worker_account(database, "toewijzing", ["toewijzingMelden"]))
    person = tokens["consulent"]
    case = start(client, person, "toewijzen", {})
    assert "toegewezen" not in case["data"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Behandelen"]
    assert case_of(client, person, case["id"])["waiting_for_messages"] == []
    task_id = _task_id(client, person, case["id"], "Task_Behandelen")
    claimed = client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(person))
    assert claimed.status_code == 200, claimed.get_json()
    after = case_of(client, person, case["id"])
    assert after["data"]["toegewezen"] == "ja"
    assert sorted(t["element_id"] for t in after["open_tasks"]) == [
        "Task_Behandelen", "Task_Behandelen__assignment_listener_2"]
    assert next(t for t in after["open_tasks"]
                if t["element_id"] == "Task_Behandelen")["assignee"] == "consulent"
    seen = _do(client, worker, "toewijzingMelden")
    assert seen["variables"]["task"]["value"] == "Task_Behandelen"
    # the same person again: no change of assignee, nothing runs
    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(person)
                       ).status_code == 200
    assert open_elements(client, person, case["id"]) == ["Task_Behandelen"]
    # released and claimed by a colleague: the listeners run again
    assert client.post(f"/api/v1/tasks/{task_id}/unclaim", headers=bearer(person)
                       ).status_code == 200
    assert client.post(f"/api/v1/tasks/{task_id}/claim", headers=bearer(tokens["teamleider"])
                       ).status_code == 200
    _do(client, worker, "toewijzingMelden")
    # handed to a colleague through an approved deviation: they run again
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(person), json={
        "type": "reassign", "task_id": task_id, "values": {"assignee": "consulent2"},
        "legal_basis": "art. 4:84 Awb",
        "reason": "De teamleider is drie weken afwezig; een collega neemt het over."})
    assert asked.status_code == 201, asked.get_json()
    approved = client.post(f"/api/v1/deviations/{asked.get_json()['id']}/approve",
                           json={"comment": "Akkoord."}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == 200, approved.get_json()
    assert _do(client, worker, "toewijzingMelden")["variables"]["task"]["value"] == \
        "Task_Behandelen"
    refused = client.post("/engine-rest/message", headers=bearer(tokens["beheer"]), json={
        "messageName": "maatwerk.assigned:Task_Behandelen",
        "processInstanceId": str(case["id"])})
    assert refused.status_code == 400, refused.get_data(as_text=True)
    done = complete(client, tokens["consulent2"], case_of(client, person, case["id"]),
                    "Task_Behandelen", {})
    assert done["data"]["vast"] == "ja"  # assigned when it was made
    assert [t["element_id"] for t in done["open_tasks"]] == ["Task_Vast"]
    done = complete(client, person, case_of(client, person, case["id"]), "Task_Vast", {})
    assert done["status"] == "completed"


ROUNDS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:message id="Msg_In" name="Ingetrokken" />
  <bpmn:process id="gesprekken" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:userTask id="Task_Gesprek" name="Gesprek" camunda:candidateGroups="consulenten">
      <bpmn:extensionElements>
        <camunda:executionListener event="start" delegateExpression="${gesprekPlannen}" />
        <camunda:taskListener event="complete"
          expression="${execution.setVariable(&#34;laatste&#34;, aanvrager)}" />
        <camunda:executionListener event="end" class="nl.gemeente.Verslag" />
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"
        camunda:collection="${aanvragers}" camunda:elementVariable="aanvrager" />
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Boundary_Ingetrokken" attachedToRef="Task_Gesprek">
      <bpmn:messageEventDefinition messageRef="Msg_In" />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:endEvent id="End_Ingetrokken" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Gesprek" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Gesprek" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="F3" sourceRef="Boundary_Ingetrokken" targetRef="End_Ingetrokken" />
  </bpmn:process>
</bpmn:definitions>"""


def test_listeners_on_a_repeating_task_run_in_every_round(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        demo_loaded: list[str]) -> None:
    """As Camunda 7 runs them on each instance: start, complete and end listeners run
    around every round, each told its item; an event on the repeating task still ends all
    of its rounds."""
    response = upload(client, tokens["ontwerper"], [("gesprekken.bpmn", ROUNDS)])
    assert response.status_code == 201, response.get_json()
    worker = bearer(worker_account(database, "gesprek", ["gesprekPlannen",
                                                         "nl.gemeente.Verslag"]))
    person = tokens["consulent"]
    case = start(client, person, "gesprekken", {"aanvragers": ["Anna", "Bram"]})
    for name in ("Anna", "Bram"):
        planned = _do(client, worker, "gesprekPlannen")
        assert planned["variables"]["aanvrager"]["value"] == name
        assert open_elements(client, person, case["id"]) == ["Task_Gesprek"]
        done = complete(client, person, case_of(client, person, case["id"]),
                        "Task_Gesprek", {})
        assert done["data"]["laatste"] == name
        assert _do(client, worker, "nl.gemeente.Verslag")["variables"]["aanvrager"][
            "value"] == name
    assert case_of(client, person, case["id"])["status"] == "completed"
    # the message on the repeating task ends every round
    other = start(client, person, "gesprekken", {"aanvragers": ["Cem", "Dina"]})
    _do(client, worker, "gesprekPlannen")
    sent = client.post("/engine-rest/message", headers=bearer(tokens["beheer"]), json={
        "messageName": "Ingetrokken", "processInstanceId": str(other["id"])})
    assert sent.status_code in (200, 204), sent.get_data(as_text=True)
    after = case_of(client, person, other["id"])
    assert after["status"] == "completed" and after["open_tasks"] == [], after.get("error")
