"""Service and send tasks bound to Java code, as Camunda 7 and GZAC models save them
(camunda:expression, camunda:delegateExpression, camunda:class), run as external tasks: each
bean becomes a topic that a worker does. The expression worker is the real
camunda-external-task-client-python3, unchanged, against a running server."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import actions, bearer, case_of, complete, start, upload, worker_account
from maatwerk.persistence.database import Database
from test_external_tasks import python_worker_running, wait_while

MODEL = Path(__file__).parent / "data" / "bean_service_tasks.bpmn"
KEY = "melding_openbare_ruimte"
STATUS = "zaakService.zetStatus"  # camunda:expression="${zaakService.zetStatus(...)}"
CONFIRM = "bevestigingVersturen"  # a send task's camunda:delegateExpression="${...}"
ARCHIVE = "nl.gemeente.archief.Archiveren"  # camunda:class
STATUS_URL = ('task.complete({"statusUrl": "https://zaken.example/" + "/".join('
              'str(task.get_variable(f"arg{i}")) for i in range(4))})')


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    """A worker account for the three beans' topics, and its token."""
    return {"username": "beans",
            "token": worker_account(database, "beans", [STATUS, CONFIRM, ARCHIVE])}


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()



def _fetch(client: FlaskClient, auth: dict[str, str], topic: str) -> Any:
    response = client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
        "workerId": "w1", "maxTasks": 5, "topics": [{"topicName": topic,
                                                     "lockDuration": 60_000}]})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _complete(client: FlaskClient, auth: dict[str, str], task_id: str,
              variables: dict[str, Any] | None = None) -> None:
    response = client.post(f"/engine-rest/external-task/{task_id}/complete", headers=auth,
                           json={"workerId": "w1", "variables": variables or {}})
    assert response.status_code == 204, response.get_data(as_text=True)


def test_a_gzac_style_model_runs_with_its_beans_done_by_workers(
        client: FlaskClient, tokens: dict[str, str], model: None, worker: dict[str, str],
        live_server: str, tmp_path: Path) -> None:
    case = start(client, tokens["consulent"], KEY, {"melder": "Fatima", "prioriteit": 3})
    assert [(t["element_id"], t["kind"]) for t in case["open_tasks"]] == [
        ("Task_StatusOntvangen", "external")]
    # the expression's bean is a topic; its arguments arrive as arg0.. (execution: the case)
    with python_worker_running(live_server, worker["username"], worker["token"], tmp_path,
                               topic=STATUS, handler=STATUS_URL) as process:
        wait_while(lambda: [t["element_id"] for t in case_of(
            client, tokens["consulent"], case["id"])["open_tasks"]] == ["Task_StatusOntvangen"],
            process, "the worker did not set the status")
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["data"]["statusUrl"] == (
        f"https://zaken.example/{case['id']}/Ontvangen/Fatima/True")
    assert "arg0" not in after["data"]  # the arguments are the task's own, not the case's
    # the send task's delegate expression names its topic
    auth = bearer(worker["token"])
    [confirm] = _fetch(client, auth, CONFIRM)
    assert confirm["activityId"] == "Task_Bevestiging"
    assert "arg0" not in confirm["variables"]  # no expression call, no arguments
    assert confirm["variables"]["melder"]["value"] == "Fatima"
    _complete(client, auth, confirm["id"])
    case = complete(client, tokens["consulent"], case_of(client, tokens["consulent"], case["id"]),
                    "Task_Afhandelen", {})
    # the Java class is the topic of the last step
    [archive] = _fetch(client, auth, ARCHIVE)
    assert archive["activityId"] == "Task_Archiveren"
    _complete(client, auth, archive["id"])
    assert case_of(client, tokens["consulent"], case["id"])["status"] == "completed"
    assert actions(client, tokens["consulent"], case["id"]).count(
        "external_task_completed") == 3


def test_a_result_the_worker_does_not_return_is_null_as_in_camunda(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], KEY, {"melder": "Ali", "prioriteit": 1,
                                                    "statusUrl": "oud"})
    auth = bearer(worker["token"])
    [task] = _fetch(client, auth, STATUS)
    assert {name: task["variables"][name]["value"] for name in
            ("arg0", "arg1", "arg2", "arg3")} == {
        "arg0": str(case["id"]), "arg1": "Ontvangen", "arg2": "Ali", "arg3": False}
    _complete(client, auth, task["id"])
    assert case_of(client, tokens["consulent"], case["id"])["data"]["statusUrl"] is None


def test_an_argument_that_cannot_be_evaluated_is_an_incident_not_a_task(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], KEY, {"prioriteit": 1})  # no 'melder'
    auth = bearer(worker["token"])
    assert _fetch(client, auth, STATUS) == []
    [incident] = case_of(client, tokens["consulent"], case["id"])["incidents"]
    assert incident["element_id"] == "Task_StatusOntvangen"
    assert "argument 3 'melder' could not be evaluated" in incident["error_message"]
    assert "external_task_incident" in actions(client, tokens["consulent"], case["id"])
    assert _fetch(client, auth, STATUS) == []  # an incident waits for a person


def test_a_worker_may_ask_for_the_calls_own_variables_only(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    start(client, tokens["consulent"], KEY, {"melder": "Ali", "prioriteit": 1})
    auth = bearer(worker["token"])
    filtered = client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
        "workerId": "w1", "maxTasks": 1, "topics": [{
            "topicName": STATUS, "lockDuration": 60_000, "processDefinitionId": "x:1:1"}]})
    assert filtered.status_code == 400  # a filter we do not offer is refused, not ignored
    assert "processDefinitionId is not supported" in filtered.get_json()["message"]
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
        "workerId": "w1", "maxTasks": 1, "topics": [{
            "topicName": STATUS, "lockDuration": 60_000, "localVariables": True}]})
    [task] = fetched.get_json()
    assert sorted(task["variables"]) == ["arg0", "arg1", "arg2", "arg3"]


def test_a_worker_may_narrow_a_fetch_as_in_camunda(
        client: FlaskClient, tokens: dict[str, str], model: None,
        worker: dict[str, str]) -> None:
    first = start(client, tokens["consulent"], KEY, {"melder": "Ali", "prioriteit": 1})
    second = start(client, tokens["consulent"], KEY, {"melder": "Fatima", "prioriteit": 4})
    auth = bearer(worker["token"])

    def fetch(**narrowing: Any) -> list[str]:
        response = client.post("/engine-rest/external-task/fetchAndLock", headers=auth, json={
            "workerId": "w1", "maxTasks": 5, "topics": [{
                "topicName": STATUS, "lockDuration": 1, **narrowing}]})
        assert response.status_code == 200, response.get_json()
        return [task["processInstanceId"] for task in response.get_json()]

    assert fetch(processDefinitionKey="iets_anders") == []
    assert fetch(businessKey=second["reference"]) == [str(second["id"])]
    assert fetch(processVariables={"melder": "Ali", "prioriteit": 1}) == [str(first["id"])]
    assert fetch(processVariables={"prioriteit": 4}, processDefinitionKeyIn=[KEY]) == [
        str(second["id"])]


@pytest.mark.parametrize(("expression", "kept"), [
    ("${true}", True),  # GZAC's placeholder for a plugin action linked outside the model
    ("true", "true"),   # a literal without ${}: Camunda 7 evaluates it to the text itself
    ("${prioriteit * 2}", 6),  # an expression that only computes the result variable
])
def test_a_service_task_whose_expression_calls_nothing_passes_with_a_note(
        client: FlaskClient, tokens: dict[str, str], expression: str, kept: Any) -> None:
    bpmn = MODEL.read_text().replace(
        "${zaakService.zetStatus(execution, 'Ontvangen', melder, prioriteit &gt; 2)}",
        expression)
    response = upload(client, tokens["ontwerper"], [(MODEL.name, bpmn)])
    assert response.status_code == 201, response.get_json()
    [note] = [n for n in response.get_json()["notes"]
              if n["element_id"] == "Task_StatusOntvangen"]
    assert note["message"].startswith(f"camunda:expression '{expression}' calls no bean")
    case = start(client, tokens["consulent"], KEY, {"melder": "Bram", "prioriteit": 3})
    assert case["data"]["statusUrl"] == kept
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Bevestiging"]
