"""External service tasks (camunda:type="external"): the case waits until a worker fetches,
locks and completes the task through Camunda 7's REST API (/engine-rest). The worker here is
the real camunda-external-task-client-python3, unchanged, in a process of its own against
a running server."""
from __future__ import annotations

import base64
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import actions, bearer, case_of, open_elements, start, upload, worker_account
from maatwerk.persistence.database import Database
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts

MODEL = Path(__file__).parent / "data" / "external_task.bpmn"
TOPIC = "toeslag-berekenen"
PYTHON_WORKER = '''
import sys
from camunda.external_task.external_task_worker import ExternalTaskWorker

base_url, username, token = sys.argv[1:4]


def handle(task):
    naam = task.get_variable("naam")
    return {handler}


ExternalTaskWorker(worker_id="{worker_id}", base_url=base_url, config={{
    "auth_basic": {{"username": username, "password": token}}, "maxTasks": 1,
    "lockDuration": 10000, "asyncResponseTimeout": 500, "sleepSeconds": 0.2,
}}).subscribe("{topic}", handle)
'''
COMPLETES = 'task.complete({"bedrag": 120, "berekend_voor": naam, "regels": ["art. 3", "art. 4"]})'


@contextmanager
def python_worker_running(base_url: str, username: str, token: str, tmp_path: Path,
                          topic: str = TOPIC, handler: str = COMPLETES,
                          worker_id: str = "rekenaar-1") -> Iterator[subprocess.Popen[str]]:
    """The real camunda-external-task-client-python3 in a process of its own, subscribed
    to a topic with a handler (a Python expression on `task`); stopped when the block ends."""
    script = tmp_path / f"worker_{topic}_{worker_id}.py"
    script.write_text(PYTHON_WORKER.format(topic=topic, handler=handler, worker_id=worker_id))
    process = subprocess.Popen(
        [sys.executable, str(script), f"{base_url}/engine-rest", username, token],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield process
    finally:
        process.kill()
        process.communicate(timeout=10)  # reads and closes its output pipe
        # its last long poll (asyncResponseTimeout) may still run in the server: let it
        # end, or it would lock the next test's task for this worker (as Camunda would)
        time.sleep(1.0)


def wait_while(busy: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    """Poll until `busy()` is false; fail with the worker's output if it stopped, or after
    30 s with `what`."""
    deadline = time.monotonic() + 30
    while busy():
        assert process.poll() is None, process.stdout.read()  # type: ignore[union-attr]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    """A worker account for the topic, and its token."""
    return {"username": "rekenaar", "token": worker_account(database, "rekenaar", [TOPIC])}


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def python_worker(live_server: str, worker: dict[str, str], tmp_path: Path
                  ) -> Iterator[subprocess.Popen[str]]:
    with python_worker_running(live_server, worker["username"], worker["token"],
                               tmp_path) as process:
        yield process




def test_the_real_python_client_completes_the_task_and_the_case_runs_on(
        client: FlaskClient, tokens: dict[str, str], model: None,
        python_worker: subprocess.Popen[str]) -> None:
    case = start(client, tokens["consulent"], "toeslag_berekenen", {"naam": "Fatima"})
    # the case waits for the worker: its step is open, of kind external, in nobody's inbox
    assert [(t["element_id"], t["kind"]) for t in case["open_tasks"]] == [
        ("Task_Berekenen", "external")]
    for who in ("consulent", "beheer"):
        inbox = client.get("/api/v1/tasks", headers=bearer(tokens[who])).get_json()["tasks"]
        assert "Task_Berekenen" not in {t["element_id"] for t in inbox}, who
    wait_while(lambda: open_elements(client, tokens["consulent"], case["id"]) == ["Task_Berekenen"],
               python_worker, "the worker did not complete the task")
    after = case_of(client, tokens["consulent"], case["id"])
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Beoordelen"]
    assert after["data"]["bedrag"] == 120 and after["data"]["berekend_voor"] == "Fatima"
    assert after["data"]["regels"] == ["art. 3", "art. 4"]  # a list arrives as Json
    history = actions(client, tokens["consulent"], case["id"])
    assert history.index("external_task_locked") < history.index("external_task_completed")
    events = client.get(f"/api/v1/cases/{case['id']}/audit",
                        headers=bearer(tokens["consulent"])).get_json()["events"]
    done = next(e for e in events if e["action"] == "external_task_completed")
    assert done["actor"] == "rekenaar"
    assert done["details"]["worker_id"] == "rekenaar-1"


def _fetch(client: FlaskClient, auth: dict[str, str], worker_id: str = "w1",
           lock_ms: int = 60_000, topic: str = TOPIC) -> Any:
    return client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
        "workerId": worker_id, "maxTasks": 5, "topics": [
            {"topicName": topic, "lockDuration": lock_ms, "variables": ["naam"]}]})


def test_fetch_lock_and_complete_as_camunda_answers(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "toeslag_berekenen",
                 {"naam": "Ali", "geheim": "x"})
    auth = bearer(worker["token"])
    fetched = _fetch(client, auth)
    assert fetched.status_code == 200
    [task] = fetched.get_json()
    assert task["topicName"] == TOPIC and task["workerId"] == "w1"
    assert task["activityId"] == "Task_Berekenen"
    assert task["processInstanceId"] == str(case["id"])
    assert task["processDefinitionKey"] == "toeslag_berekenen"
    assert task["variables"] == {"naam": {"type": "String", "value": "Ali", "valueInfo": {}}}
    assert len(task["lockExpirationTime"]) == len("2026-12-06T21:14:05.000+0000")
    assert _fetch(client, auth).get_json() == []  # locked: nobody else gets it
    # a worker that does not hold the lock may not complete it
    other = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=auth,
                        json={"workerId": "w2", "variables": {}})
    assert other.status_code == 400
    assert other.get_json()["type"] == "InvalidRequestException"
    assert "locked by worker 'w1'" in other.get_json()["message"]
    # a person cannot complete it through the platform's own API
    person = client.post(f"/api/v1/tasks/{task['id']}/complete",
                         headers=bearer(tokens["beheer"]), json={"data": {}})
    assert person.status_code == 409
    bad = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=auth,
                      json={"workerId": "w1", "variables": {"bedrag": {
                          "value": "veel", "type": "Integer"}}})
    assert bad.status_code == 400 and "bedrag" in bad.get_json()["message"]
    assert open_elements(client, tokens["consulent"], case["id"]) == ["Task_Berekenen"]  # unchanged
    basic = "Basic " + base64.b64encode(f"rekenaar:{worker['token']}".encode()).decode()
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete",
                       headers={"Authorization": basic}, json={
                           "workerId": "w1", "variables": {"bedrag": {"value": 0,
                                                                      "type": "Integer"}}})
    assert done.status_code == 204, done.get_data(as_text=True)
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["status"] == "completed"  # bedrag 0: no allowance, the case ends
    again = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=auth,
                        json={"workerId": "w1"})
    assert again.status_code == 404


def test_an_expired_lock_lets_another_worker_take_the_task(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    start(client, tokens["consulent"], "toeslag_berekenen", {"naam": "Ali"})
    auth = bearer(worker["token"])
    [first] = _fetch(client, auth, "w1", lock_ms=1).get_json()
    time.sleep(0.05)
    [second] = _fetch(client, auth, "w2").get_json()
    assert second["id"] == first["id"] and second["workerId"] == "w2"


def test_workers_are_held_to_their_topics(client: FlaskClient, tokens: dict[str, str],
                                          model: None, worker: dict[str, str]) -> None:
    refused = _fetch(client, bearer(worker["token"]), topic="iets-anders")
    assert refused.status_code == 403
    assert refused.get_json() == {
        "type": "RestException",
        "message": "This worker may not work on the topic(s) iets-anders."}
    caseworker = _fetch(client, bearer(tokens["consulent"]))
    assert caseworker.status_code == 403
    assert client.post("/engine-rest/external-task/fetchAndLock", json={}).status_code == 401
    wrong_basic = "Basic " + base64.b64encode(f"consulent:{worker['token']}".encode()).decode()
    assert _fetch(client, {"Authorization": wrong_basic}).status_code == 401


SERVICE_TASK = '''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="status_zetten" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:serviceTask id="Task_Status" {attributes}><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:serviceTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Status" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Status" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>'''


@pytest.mark.parametrize(("attributes", "message"), [
    ('camunda:expression="${status == \'klaar\'}"', "is not a call of a bean"),
    ('camunda:expression="${zaak.zet(execution, onbekend(1))}"',
     "argument 2 'onbekend(1)': Function calls"),
    ('camunda:expression="${execution.getVariable(\'a\')}"', "calls on 'execution'"),
    ('camunda:delegateExpression="${statusDelegate.maak()}"', "must name a bean"),
    ('camunda:class="nl.gemeente..Status"', "is not a Java class name"),
    ('camunda:class="nl.gemeente.Status" camunda:resultVariable="x"',
     "camunda:resultVariable goes with camunda:expression only"),
    ('camunda:class="a.B" camunda:delegateExpression="${b}"', "more than one implementation"),
    ("", "the task has no implementation"),
    ('camunda:type="external"', "the external task has no topic"),
    ('camunda:type="external" camunda:topic="${onderwerp}"', "not an expression"),
])
def test_service_tasks_a_worker_cannot_do_are_refused_by_name(
        client: FlaskClient, tokens: dict[str, str], attributes: str, message: str) -> None:
    bpmn = SERVICE_TASK.replace("{attributes}", attributes)
    response = upload(client, tokens["ontwerper"], [("status.bpmn", bpmn.encode())])
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["file"] == "status.bpmn" and problem["element_id"] == "Task_Status"
    assert message in problem["message"]


# -- failures, retries, incidents, locks and queries ------------------------------------

def _post(client: FlaskClient, auth: dict[str, str], task_id: str, action: str,
          body: dict[str, Any]) -> Any:
    return client.post(f"/engine-rest/external-task/{task_id}/{action}", headers=auth,
                       json=body)


def _locked(client: FlaskClient, tokens: dict[str, str], worker: dict[str, str],
            lock_ms: int = 60_000) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    case = start(client, tokens["consulent"], "toeslag_berekenen", {"naam": "Ali"})
    auth = bearer(worker["token"])
    [task] = _fetch(client, auth, "w1", lock_ms=lock_ms).get_json()
    return case, task, auth


def test_a_failure_with_retries_waits_then_is_fetched_again(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case, task, auth = _locked(client, tokens, worker)
    assert _post(client, auth, task["id"], "failure", {
        "workerId": "w2", "errorMessage": "x", "retries": 1, "retryTimeout": 0}
                 ).status_code == 400  # only the holder reports
    failed = _post(client, auth, task["id"], "failure", {
        "workerId": "w1", "errorMessage": "Het rekensysteem antwoordt niet",
        "errorDetails": "Traceback ...\nTimeoutError", "retries": 2, "retryTimeout": 300})
    assert failed.status_code == 204, failed.get_data(as_text=True)
    assert _fetch(client, auth, "w1").get_json() == []  # waits its retryTimeout
    time.sleep(0.35)
    [again] = _fetch(client, auth, "w1").get_json()
    assert again["id"] == task["id"] and again["retries"] == 2
    assert again["errorMessage"] == "Het rekensysteem antwoordt niet"
    details = client.get(f"/engine-rest/external-task/{task['id']}/errorDetails", headers=auth)
    assert details.get_data(as_text=True) == "Traceback ...\nTimeoutError"
    assert "external_task_failed" in actions(client, tokens["consulent"], case["id"])


def test_no_retries_left_is_an_incident_until_someone_sets_retries(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case, task, auth = _locked(client, tokens, worker)
    assert _post(client, auth, task["id"], "failure", {
        "workerId": "w1", "errorMessage": "Rekenregel ontbreekt", "retries": 0,
        "retryTimeout": 0}).status_code == 204
    assert _fetch(client, auth, "w1").get_json() == []  # an incident: no worker gets it
    found = client.get("/engine-rest/external-task?noRetriesLeft=true&processInstanceId="
                       f"{case['id']}", headers=auth).get_json()
    assert [(t["id"], t["retries"], t["errorMessage"]) for t in found] == [
        (task["id"], 0, "Rekenregel ontbreekt")]
    assert client.get("/engine-rest/external-task?withRetriesLeft=true",
                      headers=auth).get_json() == []
    # a caseworker may not, an administrator may set the retries again
    assert client.put(f"/engine-rest/external-task/{task['id']}/retries", json={"retries": 1},
                      headers=bearer(tokens["consulent"])).status_code == 403
    assert client.put(f"/engine-rest/external-task/{task['id']}/retries", json={"retries": 1},
                      headers=bearer(tokens["beheer"])).status_code == 204
    [again] = _fetch(client, auth, "w1").get_json()
    assert again["id"] == task["id"]
    history = actions(client, tokens["consulent"], case["id"])
    assert history.index("external_task_incident") < history.index("external_task_retries_set")


def test_the_python_client_reports_a_failure(
        client: FlaskClient, tokens: dict[str, str], model: None, worker: dict[str, str],
        live_server: str, tmp_path: Path) -> None:
    """The real client's task.failure(...) lands as a failure with its retries."""
    case = start(client, tokens["consulent"], "toeslag_berekenen", {"naam": "Ali"})
    failing = ('task.failure("Geen verbinding", "details van de fout", max_retries=3, '
               'retry_timeout=60000)')
    with python_worker_running(live_server, worker["username"], worker["token"], tmp_path,
                               handler=failing) as process:
        wait_while(lambda: "external_task_failed" not in actions(
            client, tokens["consulent"], case["id"]), process, "the worker reported no failure")
    [task] = client.get(f"/engine-rest/external-task?processInstanceId={case['id']}",
                        headers=bearer(worker["token"])).get_json()
    assert task["errorMessage"] == "Geen verbinding" and task["retries"] == 3


def test_a_lock_is_extended_by_its_holder_and_can_be_let_go(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    _, task, auth = _locked(client, tokens, worker)
    assert _post(client, auth, task["id"], "extendLock", {
        "workerId": "w2", "newDuration": 1000}).status_code == 400
    assert _post(client, auth, task["id"], "extendLock", {
        "workerId": "w1", "newDuration": 600_000}).status_code == 204
    shown = client.get(f"/engine-rest/external-task/{task['id']}", headers=auth).get_json()
    assert shown["workerId"] == "w1" and shown["lockExpirationTime"] > \
        task["lockExpirationTime"]
    assert client.get("/engine-rest/external-task?locked=true&workerId=w1",
                      headers=auth).get_json()[0]["id"] == task["id"]
    assert _post(client, auth, task["id"], "unlock", {}).status_code == 204
    [taken] = _fetch(client, auth, "w2").get_json()
    assert taken["id"] == task["id"]
    assert client.get("/engine-rest/external-task/nope", headers=auth).status_code == 404


# -- BPMN errors --------------------------------------------------------------------------

ERROR_MODEL = Path(__file__).parent / "data" / "external_task_error.bpmn"


@pytest.fixture
def error_model(client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    response = upload(client, tokens["ontwerper"], [(ERROR_MODEL.name, ERROR_MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()
    with UnitOfWork(database) as unit:
        accounts.create_user(unit, "brp", ["worker"], ["brp-opvragen"], "brp-wachtwoord")
        unit.commit()


def test_the_python_clients_bpmn_error_takes_the_boundary_path(
        client: FlaskClient, tokens: dict[str, str], error_model: None, database: Database,
        live_server: str, tmp_path: Path) -> None:
    with UnitOfWork(database) as unit:
        token = accounts.create_token(unit, "brp")
    case = start(client, tokens["consulent"], "brp_controle", {"naam": "Ali"})
    raising = ('task.bpmn_error("NIET_GEVONDEN", "Geen inschrijving gevonden", '
               '{"brp_resultaat": "onbekend"})')
    with python_worker_running(live_server, "brp", token, tmp_path, topic="brp-opvragen",
                               handler=raising) as process:
        wait_while(lambda: open_elements(client, tokens["consulent"], case["id"]) == [
            "Task_BrpOpvragen"], process, "the worker reported no BPMN error")
    after = case_of(client, tokens["consulent"], case["id"])
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Handmatig"]
    assert after["data"]["brp_resultaat"] == "onbekend"
    # camunda:errorCodeVariable and errorMessageVariable keep what was caught
    assert after["data"]["foutcode"] == "NIET_GEVONDEN"
    assert after["data"]["foutmelding"] == "Geen inschrijving gevonden"
    history = actions(client, tokens["consulent"], case["id"])
    assert "external_task_bpmn_error" in history


def test_an_error_code_the_model_does_not_catch_changes_nothing(
        client: FlaskClient, tokens: dict[str, str], error_model: None,
        database: Database) -> None:
    with UnitOfWork(database) as unit:
        auth = bearer(accounts.create_token(unit, "brp"))
    case = start(client, tokens["consulent"], "brp_controle", {"naam": "Ali"})
    [task] = _fetch(client, auth, "w1", topic="brp-opvragen").get_json()
    refused = _post(client, auth, task["id"], "bpmnError", {
        "workerId": "w1", "errorCode": "ONBEKEND", "errorMessage": "?"})
    assert refused.status_code == 400
    assert "No boundary error event catches error code 'ONBEKEND' at Task_BrpOpvragen" in \
        refused.get_json()["message"]
    assert open_elements(client, tokens["consulent"], case["id"]) == ["Task_BrpOpvragen"]
    assert "external_task_bpmn_error" not in actions(client, tokens["consulent"], case["id"])
    caught = _post(client, auth, task["id"], "bpmnError", {
        "workerId": "w1", "errorCode": "NIET_GEVONDEN"})
    assert caught.status_code == 204
    assert open_elements(client, tokens["consulent"], case["id"]) == ["Task_Handmatig"]


@pytest.mark.parametrize(("attribute", "message"), [
    ('camunda:errorCodeVariable="fout code"', "'fout code' is not a variable name"),
    ('camunda:errorMessageVariable=""', "camunda:errorMessageVariable '' is not a variable"),
    ('camunda:asyncBefore="true"', "camunda:asyncBefore on an error event is not supported"),
])
def test_error_variables_that_cannot_be_kept_are_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str], attribute: str, message: str) -> None:
    bpmn = ERROR_MODEL.read_text().replace(
        'camunda:errorCodeVariable="foutcode" camunda:errorMessageVariable="foutmelding"',
        attribute)
    response = upload(client, tokens["ontwerper"], [("brp.bpmn", bpmn.encode())])
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["element_id"] == "Event_NietGevonden"
    assert message in problem["message"]


SUBPROCESS_ERROR = '''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="toets_met_fout" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:subProcess id="Sub_Toets"><bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing>
      <bpmn:startEvent id="Sub_Start"><bpmn:outgoing>S1</bpmn:outgoing></bpmn:startEvent>
      <bpmn:endEvent id="Sub_Fout"><bpmn:incoming>S1</bpmn:incoming>
        <bpmn:errorEventDefinition errorRef="Error_Te_Hoog" /></bpmn:endEvent>
      <bpmn:sequenceFlow id="S1" sourceRef="Sub_Start" targetRef="Sub_Fout" />
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="Event_Fout" attachedToRef="Sub_Toets"><bpmn:outgoing>F3</bpmn:outgoing>
      <bpmn:errorEventDefinition camunda:errorCodeVariable="foutcode" camunda:errorMessageVariable="foutmelding" /></bpmn:boundaryEvent>
    <bpmn:userTask id="Task_Fout" name="Fout bekijken"><bpmn:incoming>F3</bpmn:incoming><bpmn:outgoing>F4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="EndEvent_2"><bpmn:incoming>F4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Sub_Toets" />
    <bpmn:sequenceFlow id="F2" sourceRef="Sub_Toets" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="F3" sourceRef="Event_Fout" targetRef="Task_Fout" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_Fout" targetRef="EndEvent_2" />
  </bpmn:process>
  <bpmn:error id="Error_Te_Hoog" name="Te hoog" errorCode="TE_HOOG" />
</bpmn:definitions>'''


def test_an_error_thrown_in_the_model_is_kept_in_the_catchers_variables(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [("toets.bpmn", SUBPROCESS_ERROR.encode())])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "toets_met_fout", {})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Fout"]
    assert case["data"]["foutcode"] == "TE_HOOG"
    assert case["data"]["foutmelding"] is None  # an end event's error carries no message


def test_an_incident_shows_on_the_case_and_a_caseworker_retries_it(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case, task, auth = _locked(client, tokens, worker)
    assert case_of(client, tokens["consulent"], case["id"])["incidents"] == []
    assert _post(client, auth, task["id"], "failure", {
        "workerId": "w1", "errorMessage": "Rekenservice <offline>", "retries": 0,
        "retryTimeout": 0}).status_code == 204
    shown = case_of(client, tokens["consulent"], case["id"])["incidents"]
    assert shown == [{"task_id": task["id"], "element_id": "Task_Berekenen",
                      "name": "Toeslag berekenen", "topic": TOPIC,
                      "error_message": "Rekenservice <offline>"}]
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Storing bij een extern systeem" in page
    assert "Rekenservice &lt;offline&gt;" in page  # escaped
    assert f'href="/werk/taken/{task["id"]}"' not in page  # no form for a worker's task
    retried = client.post(f"/werk/zaken/{case['id']}/opnieuw",
                          data={"csrf_token": csrf_token(page)})
    assert retried.status_code == 302
    after = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Het externe systeem krijgt de taak opnieuw." in after
    assert "Storing bij een extern systeem" not in after
    [again] = _fetch(client, auth, "w2").get_json()
    assert again["id"] == task["id"] and again["retries"] == 1
    events = client.get(f"/api/v1/cases/{case['id']}/audit",
                        headers=bearer(tokens["consulent"])).get_json()["events"]
    resolved = [e for e in events if e["action"] == "external_task_retries_set"]
    assert [(e["actor"], e["details"]["incident_resolved"]) for e in resolved] == [
        ("consulent", True)]
