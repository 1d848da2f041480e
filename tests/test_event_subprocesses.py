"""Event subprocesses as Camunda 7 runs them: one that starts on a message, an error or an
escalation; an interrupting one ends everything else the case was doing, a non-interrupting
one runs beside it and what it changes is case data; each starts with the case's data of
that moment. What can't run here is refused by name."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import actions, bearer, case_of, complete, start, upload, worker_account
from maatwerk.cli import run_worker_pass
from maatwerk.domain.principal import SYSTEM
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import timers

MODEL = Path(__file__).parent / "data" / "event_subprocesses.bpmn"
KEY = "bezwaar_behandelen"


@pytest.fixture
def system(client: FlaskClient, tokens: dict[str, str], database: Database) -> dict[str, str]:
    """The model, and the Bearer headers of a system that sends its messages and does its
    BRP lookups."""
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()
    return bearer(worker_account(database, "zaaksysteem", [
        "BezwaarIngetrokken", "AanvullingOntvangen", "brp_opvragen"]))


def _open(case: dict[str, Any]) -> list[str]:
    return sorted(t["element_id"] for t in case["open_tasks"])


def _send(client: FlaskClient, headers: dict[str, str], case_id: int, name: str,
          variables: dict[str, Any]) -> None:
    response = client.post("/engine-rest/message", headers=headers, json={
        "messageName": name, "processInstanceId": str(case_id),
        "processVariables": {k: {"value": v} for k, v in variables.items()}})
    assert response.status_code == 204, response.get_data(as_text=True)


def _fetch(client: FlaskClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/engine-rest/external-task/fetchAndLock", headers=headers, json={
        "workerId": "brp", "maxTasks": 1, "topics": [{"topicName": "brp_opvragen",
                                                     "lockDuration": 60_000}]})
    assert response.status_code == 200, response.get_json()
    [task] = response.get_json()
    result: dict[str, Any] = task
    return result


def test_an_interrupting_message_ends_the_rest_of_the_case(
        client: FlaskClient, tokens: dict[str, str], system: dict[str, str]) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, {"indiener": "J. de Vries"})
    assert _open(case) == ["Task_Beoordelen"]
    assert sorted((w["name"], w["element_id"]) for w in case["waiting_for_messages"]) == [
        ("AanvullingOntvangen", "Start_Aanvulling"), ("BezwaarIngetrokken", "Start_Ingetrokken")]
    _send(client, system, case["id"], "BezwaarIngetrokken", {"reden": "opgelost aan de balie"})
    after = case_of(client, person, case["id"])
    assert _open(after) == ["Task_IntrekkingVastleggen"]  # the assessment is gone
    assert "task_cancelled" in actions(client, person, case["id"])  # and on record
    assert after["data"]["indiener"] == "J. de Vries"
    assert after["data"]["reden"] == "opgelost aan de balie"
    assert after["waiting_for_messages"] == []  # nothing else can start any more
    done = complete(client, person, after, "Task_IntrekkingVastleggen", {})
    done = case_of(client, person, case["id"])
    assert done["status"] == "completed"
    assert done["data"]["reden"] == "opgelost aan de balie"
    # the next case runs the standard path to its end (the shared model is untouched)
    again = start(client, person, KEY, {"indiener": "A. Bakker"})
    assert _open(again) == ["Task_Beoordelen"]
    complete(client, person, again, "Task_Beoordelen", {"ontvankelijk": True})
    task = _fetch(client, system)
    assert client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=system,
                       json={"workerId": "brp"}).status_code == 204
    complete(client, person, case_of(client, person, again["id"]), "Task_Beslissen", {})
    assert case_of(client, person, again["id"])["status"] == "completed"


def test_a_non_interrupting_message_runs_beside_the_case_and_shares_its_data(
        client: FlaskClient, tokens: dict[str, str], system: dict[str, str]) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, {"indiener": "J. de Vries"})
    _send(client, system, case["id"], "AanvullingOntvangen", {"stuk": "loonstrook"})
    after = case_of(client, person, case["id"])
    assert _open(after) == ["Task_AanvullingBekijken", "Task_Beoordelen"]
    # it may come again while the case runs
    assert "AanvullingOntvangen" in [w["name"] for w in after["waiting_for_messages"]]
    after = complete(client, person, after, "Task_Beoordelen", {"ontvankelijk": True})
    after = case_of(client, person, case["id"])
    assert after["data"]["stuk"] == "loonstrook"
    complete(client, person, after, "Task_AanvullingBekijken", {"aanvulling_compleet": True})
    task = _fetch(client, system)
    assert task["activityId"] == "Task_BrpOpvragen"
    assert client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=system,
                       json={"workerId": "brp"}).status_code == 204
    after = case_of(client, person, case["id"])
    assert _open(after) == ["Task_Beslissen"]
    # what the side path decided is known where the case now is
    assert after["data"]["aanvulling_compleet"] is True
    assert after["data"]["ontvankelijk"] is True and after["data"]["stuk"] == "loonstrook"
    complete(client, person, after, "Task_Beslissen", {})
    assert case_of(client, person, case["id"])["status"] == "completed"


def test_a_workers_bpmn_error_starts_the_error_event_subprocess(
        client: FlaskClient, tokens: dict[str, str], system: dict[str, str]) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, {"indiener": "J. de Vries"})
    complete(client, person, case, "Task_Beoordelen", {"ontvankelijk": True})
    task = _fetch(client, system)
    uncaught = client.post(f"/engine-rest/external-task/{task['id']}/bpmnError",
                           headers=system, json={"workerId": "brp", "errorCode": "ONBEKEND"})
    assert uncaught.status_code == 400  # no event catches it: nothing changed
    response = client.post(f"/engine-rest/external-task/{task['id']}/bpmnError",
                           headers=system, json={"workerId": "brp",
                                                 "errorCode": "BRP_ONBEREIKBAAR",
                                                 "errorMessage": "time-out na 30 s"})
    assert response.status_code == 204, response.get_data(as_text=True)
    after = case_of(client, person, case["id"])
    assert _open(after) == ["Task_HandmatigControleren"]
    assert after["data"]["foutcode"] == "BRP_ONBEREIKBAAR"
    assert after["data"]["foutmelding"] == "time-out na 30 s"
    assert after["data"]["ontvankelijk"] is True
    assert after["waiting_for_messages"] == []
    complete(client, person, after, "Task_HandmatigControleren", {})
    assert case_of(client, person, case["id"])["status"] == "completed"


ESCALATION = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="termijn_bewaken" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Beoordelen" camunda:candidateGroups="consulenten">
      <bpmn:incoming>F1</bpmn:incoming><bpmn:outgoing>F2</bpmn:outgoing></bpmn:userTask>
    <bpmn:intermediateThrowEvent id="Event_TermijnKrap" name="Termijn wordt krap">
      <bpmn:incoming>F2</bpmn:incoming><bpmn:outgoing>F3</bpmn:outgoing>
      <bpmn:escalationEventDefinition escalationRef="Escalation_Termijn" />
    </bpmn:intermediateThrowEvent>
    <bpmn:userTask id="Task_Beslissen" camunda:candidateGroups="consulenten">
      <bpmn:incoming>F3</bpmn:incoming><bpmn:outgoing>F4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>F4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Beoordelen" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Beoordelen" targetRef="Event_TermijnKrap" />
    <bpmn:sequenceFlow id="F3" sourceRef="Event_TermijnKrap" targetRef="Task_Beslissen" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_Beslissen" targetRef="EndEvent_1" />
    <bpmn:subProcess id="Sub_Teamleider" triggeredByEvent="true">
      <bpmn:startEvent id="Start_Termijn" isInterrupting="false">
        <bpmn:outgoing>S1</bpmn:outgoing>
        <bpmn:escalationEventDefinition escalationRef="Escalation_Termijn" />
      </bpmn:startEvent>
      <bpmn:userTask id="Task_TeamleiderInlichten" camunda:candidateGroups="consulenten">
        <bpmn:incoming>S1</bpmn:incoming><bpmn:outgoing>S2</bpmn:outgoing></bpmn:userTask>
      <bpmn:endEvent id="End_Teamleider"><bpmn:incoming>S2</bpmn:incoming></bpmn:endEvent>
      <bpmn:sequenceFlow id="S1" sourceRef="Start_Termijn" targetRef="Task_TeamleiderInlichten" />
      <bpmn:sequenceFlow id="S2" sourceRef="Task_TeamleiderInlichten" targetRef="End_Teamleider" />
    </bpmn:subProcess>
  </bpmn:process>
  <bpmn:escalation id="Escalation_Termijn" name="Termijn krap" escalationCode="TERMIJN_KRAP" />
</bpmn:definitions>
"""


def test_an_escalation_starts_a_non_interrupting_event_subprocess(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    person = tokens["consulent"]
    response = upload(client, tokens["ontwerper"], [("termijn.bpmn", ESCALATION)])
    assert response.status_code == 201, response.get_json()
    case = start(client, person, "termijn_bewaken", {})
    after = complete(client, person, case, "Task_Beoordelen", {})
    after = case_of(client, person, case["id"])
    assert _open(after) == ["Task_Beslissen", "Task_TeamleiderInlichten"]
    complete(client, person, after, "Task_Beslissen", {})
    after = case_of(client, person, case["id"])
    assert after["status"] == "open"  # the side path is still under way
    complete(client, person, after, "Task_TeamleiderInlichten", {})
    assert case_of(client, person, case["id"])["status"] == "completed"


NESTED = ESCALATION.replace(
    '<bpmn:subProcess id="Sub_Teamleider" triggeredByEvent="true">',
    '<bpmn:subProcess id="Sub_Buiten"><bpmn:subProcess id="Sub_Teamleider" '
    'triggeredByEvent="true">').replace(
    "</bpmn:subProcess>\n  </bpmn:process>", "</bpmn:subProcess></bpmn:subProcess>\n"
    "  </bpmn:process>")


@pytest.mark.parametrize(("bpmn", "element_id", "message"), [
    (NESTED, "Start_Termijn", ("an event subprocess inside a subprocess that starts on an "
                              "escalation is not supported yet")),
    (ESCALATION.replace('<bpmn:escalationEventDefinition escalationRef="Escalation_Termijn" />'
                        '\n      </bpmn:startEvent>',
                        '<bpmn:errorEventDefinition />\n      </bpmn:startEvent>'),
     "Start_Termijn", "an error start event always interrupts"),
    (ESCALATION.replace('<bpmn:startEvent id="StartEvent_1">',
                        '<bpmn:startEvent id="StartEvent_1"><bpmn:errorEventDefinition />'),
     "StartEvent_1", "a start event that starts on an error belongs in an event subprocess"),
    (ESCALATION.replace('<bpmn:escalationEventDefinition escalationRef="Escalation_Termijn" />'
                        '\n      </bpmn:startEvent>',
                        '<bpmn:compensateEventDefinition />\n      </bpmn:startEvent>'),
     "Start_Termijn", "an event subprocess that starts on compensation is not supported"),
])
def test_event_subprocesses_that_cannot_run_are_refused_by_name(
        client: FlaskClient, tokens: dict[str, str], bpmn: str, element_id: str,
        message: str) -> None:
    response = upload(client, tokens["ontwerper"], [("termijn.bpmn", bpmn)])
    assert response.status_code == 422, response.get_json()
    assert any(p["element_id"] == element_id and message in p["message"]
               for p in response.get_json()["errors"]), response.get_json()


ERROR_END = (Path(__file__).parent / "data" / "error_end_event_subprocess.bpmn").read_text()


def test_an_error_end_event_in_a_subprocess_starts_the_processes_event_subprocess(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    person = tokens["consulent"]
    response = upload(client, tokens["ontwerper"], [("fout.bpmn", ERROR_END)])
    assert response.status_code == 201, response.get_json()
    case = start(client, person, "fout_in_deelproces", {"a": 1})
    complete(client, person, case, "T1", {})
    after = case_of(client, person, case["id"])
    assert _open(after) == ["TE"] and after["data"]["code"] == "FOUT"
    complete(client, person, after, "TE", {})
    assert case_of(client, person, case["id"])["status"] == "completed"


TIMER = ESCALATION.replace(
    '<bpmn:escalationEventDefinition escalationRef="Escalation_Termijn" />\n      '
    '</bpmn:startEvent>',
    "<bpmn:timerEventDefinition><bpmn:timeDuration>P28D</bpmn:timeDuration>"
    "</bpmn:timerEventDefinition>\n      </bpmn:startEvent>").replace(
    'isInterrupting="false"', "").replace('id="termijn_bewaken"', 'id="termijn_verlopen"')


def test_an_interrupting_timer_event_subprocess_ends_the_rest_with_the_data_of_then(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    person = tokens["consulent"]
    assert "timerEventDefinition" in TIMER
    response = upload(client, tokens["ontwerper"], [("termijn.bpmn", TIMER)])
    assert response.status_code == 201, response.get_json()
    case = start(client, person, "termijn_verlopen", {"stap": 1})
    complete(client, person, case, "Task_Beoordelen", {"stap": 2})
    assert _open(case_of(client, person, case["id"])) == ["Task_Beslissen"]
    with UnitOfWork(database) as uow:  # the term has run out
        timers.reschedule(uow, case["id"], utcnow() - timedelta(seconds=1), SYSTEM,
                          element_id="Start_Termijn")
    assert run_worker_pass(database) == 1
    after = case_of(client, person, case["id"])
    assert _open(after) == ["Task_TeamleiderInlichten"]  # the decision is withdrawn
    assert after["data"]["stap"] == 2  # what the case knew when the term ran out
    complete(client, person, after, "Task_TeamleiderInlichten", {})
    assert case_of(client, person, case["id"])["status"] == "completed"


def test_an_event_subprocess_of_a_called_process_that_waits_for_an_error_is_refused(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    data = Path(__file__).parent / "data"
    called = (data / "call_building_block.bpmn").read_text().replace("</bpmn:process>", (
        '<bpmn:subProcess id="Sub_Fout" triggeredByEvent="true">'
        '<bpmn:startEvent id="Start_Fout"><bpmn:errorEventDefinition /></bpmn:startEvent>'
        "</bpmn:subProcess></bpmn:process>"))
    response = upload(client, tokens["ontwerper"], [
        ("hoofdproces.bpmn", (data / "call_main.bpmn").read_text()),
        ("bouwsteen.bpmn", called)])
    assert response.status_code == 422
    assert any(p["file"] == "bouwsteen.bpmn" and p["element_id"] == "Start_Fout"
               and "an event subprocess of a called process that starts on an error" in
               p["message"] for p in response.get_json()["errors"]), response.get_json()
