"""Topics bound to the platform's own connectors (MAATWERK_TOPIC_BINDINGS): `maatwerk worker`
does a ported GZAC bean call by an HTTP JSON call to a system the operator allows, and a
topic bound to `inwoner-bericht` by a message to the resident through the outbox, in the
task's own step. Against a real HTTP server; failures are tried again or are incidents."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, start, upload
from maatwerk.cli import run_worker_pass
from maatwerk.persistence.database import Database
from maatwerk.services.http_connector import Allowed
from maatwerk.services.topic_bindings import BindingProblem, Bindings

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="melding_ontvangen" name="Melding" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:serviceTask id="Task_Status" name="Status zetten"
      camunda:expression="${zaakService.zetStatus(execution, &#34;ontvangen&#34;, melder)}" />
    <bpmn:serviceTask id="Task_Informeren" name="Inwoner informeren"
      camunda:type="external" camunda:topic="inwoner-informeren">
      <bpmn:extensionElements>
        <camunda:inputOutput>
          <camunda:inputParameter name="onderwerp">Uw melding is ontvangen</camunda:inputParameter>
          <camunda:inputParameter name="bericht">Beste ${melder}, wij hebben uw melding
ontvangen. Zaak: ${statusNummer}.</camunda:inputParameter>
        </camunda:inputOutput>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:userTask id="Task_Behandelen" camunda:candidateGroups="consulenten" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Status" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Status" targetRef="Task_Informeren" />
    <bpmn:sequenceFlow id="F3" sourceRef="Task_Informeren" targetRef="Task_Behandelen" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_Behandelen" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


class Zaken(BaseHTTPRequestHandler):
    """A case system: POST /api/status answers with the status's number; /api/kapot 500,
    /api/fout 400."""

    received: list[dict[str, Any]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        Zaken.received.append({"path": self.path, "type": self.headers.get("Content-Type"),
                               "body": json.loads(self.rfile.read(length))})
        status, body = {"/api/status": (201, {"statusNummer": "S-17"}),
                        "/api/kapot": (503, {"fout": "onderhoud"}),
                        "/api/fout": (400, {"fout": "status onbekend"})}[self.path]
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def zaken() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Zaken)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Zaken.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [("melding.bpmn", BPMN)])
    assert response.status_code == 201, response.get_json()


def _bindings(zaken: str, path: str = "/api/status") -> Bindings:
    return Bindings.read([f"zaakService.zetStatus={zaken}{path}",
                          "inwoner-informeren=inwoner-bericht"],
                         Allowed((f"{zaken}/api/",), timeout=5))


def test_the_worker_does_the_bound_topics_itself(
        client: FlaskClient, tokens: dict[str, str], database: Database, model: None,
        zaken: str) -> None:
    person = tokens["consulent"]
    case = start(client, person, "melding_ontvangen", {"melder": "Fatima",
                                                      "email": "fatima@example.nl",
                                                      "bsn": "999993653"})
    bindings = _bindings(zaken)
    run_worker_pass(database, bindings=bindings)  # the status call
    [call] = Zaken.received
    assert call["type"] == "application/json"
    body = call["body"]
    assert (body["topicName"], body["activityId"], body["processInstanceId"]) == (
        "zaakService.zetStatus", "Task_Status", str(case["id"]))
    assert body["businessKey"] == case["reference"]
    # only the call's own variables leave: its arguments, not the whole case
    assert body["variables"]["arg1"] == "ontvangen" and body["variables"]["arg2"] == "Fatima"
    assert "bsn" not in body["variables"] and "email" not in body["variables"]
    after = case_of(client, person, case["id"])
    assert after["data"]["statusNummer"] == "S-17"  # the answer's members
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Informeren"]
    run_worker_pass(database, bindings=bindings)  # the message to the resident
    after = case_of(client, person, case["id"])
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Behandelen"]
    messages = client.get(f"/api/v1/cases/{case['id']}/messages",
                          headers=bearer(person)).get_json()["messages"]
    [sent] = [m for m in messages if m["kind"] == "process"]
    assert sent["subject"] == "Uw melding is ontvangen"
    assert "wij hebben uw melding" in sent["text"] and "Zaak: S-17." in sent["text"]
    assert "/status/" in sent["text"]  # with the private link (cut short for staff)


def test_a_bound_call_that_fails_is_tried_again_or_an_incident(
        client: FlaskClient, tokens: dict[str, str], database: Database, model: None,
        zaken: str) -> None:
    person = tokens["consulent"]
    busy = start(client, person, "melding_ontvangen", {"melder": "Ali"})
    run_worker_pass(database, bindings=_bindings(zaken, "/api/kapot"))
    after = case_of(client, person, busy["id"])
    assert after["incidents"] == []  # a 503: tried again later
    assert after["open_tasks"][0]["element_id"] == "Task_Status"
    refused = start(client, person, "melding_ontvangen", {"melder": "Bo"})
    run_worker_pass(database, bindings=_bindings(zaken, "/api/fout"))
    [incident] = case_of(client, person, refused["id"])["incidents"]
    assert incident["element_id"] == "Task_Status"
    assert "answered 400" in incident["error_message"]
    assert "status onbekend" in incident["error_message"]


def test_a_message_without_its_text_is_an_incident_that_names_it(
        client: FlaskClient, tokens: dict[str, str], database: Database, zaken: str) -> None:
    bpmn = BPMN.replace('<camunda:inputParameter name="onderwerp">Uw melding is ontvangen'
                        '</camunda:inputParameter>', "")
    assert upload(client, tokens["ontwerper"], [("melding.bpmn", bpmn)]).status_code == 201
    person = tokens["consulent"]
    case = start(client, person, "melding_ontvangen", {"melder": "Cem"})
    run_worker_pass(database, bindings=_bindings(zaken))
    run_worker_pass(database, bindings=_bindings(zaken))
    [incident] = case_of(client, person, case["id"])["incidents"]
    assert incident["element_id"] == "Task_Informeren"
    assert "gives no onderwerp" in incident["error_message"]


@pytest.mark.parametrize(("pairs", "message"), [
    (["zaakService.zetStatus"], "is not topic=connector"),
    (["a=https://elders.example/api"], "under a base of MAATWERK_HTTP_CONNECTOR_ALLOW"),
    (["a=inwoner-bericht", "a=inwoner-bericht"], "bound twice"),
    (["http-connector=inwoner-bericht"], "bound twice (or is the built-in"),
    (["a=mail"], "neither 'inwoner-bericht' nor a URL"),
])
def test_a_binding_that_cannot_work_is_refused(pairs: list[str], message: str) -> None:
    with pytest.raises(BindingProblem, match=message.replace("(", r"\(")):
        Bindings.read(pairs, Allowed(("https://zaken.example/api/",)))


def test_the_worker_will_not_start_with_a_binding_that_cannot_work(
        database_url: str, database: Database) -> None:
    env = dict(os.environ, MAATWERK_DATABASE_URL=database_url, MAATWERK_SECRET_KEY="x" * 32,
               MAATWERK_TOPIC_BINDINGS="zaakService.zetStatus=https://elders.example/api")
    done = subprocess.run([sys.executable, "-m", "maatwerk.cli", "worker", "--once"], env=env,
                          capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "MAATWERK_TOPIC_BINDINGS" in done.stderr and "elders.example" in done.stderr
