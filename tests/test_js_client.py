"""The real camunda-external-task-client-js (npm), unchanged, in a Node.js process of its own
against a running server: it fetches and completes, reports a failure, and throws a BPMN
error, as it does against Camunda 7. Its package is locked in tests/clients/ and installed
by `make test`."""
from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from helpers import actions, bearer, open_elements, start, upload, worker_account
from maatwerk.persistence.database import Database
from test_external_tasks import ERROR_MODEL, MODEL, TOPIC, wait_while

CLIENTS = Path(__file__).parent / "clients"


@contextmanager
def js_worker_running(base_url: str, username: str, token: str, topic: str,
                      mode: str) -> Iterator[subprocess.Popen[str]]:
    """tests/clients/worker.mjs on one topic (mode complete, fail or bpmnError)."""
    node = shutil.which("node")
    assert node, "Node.js is needed for the JavaScript client (apt-get install nodejs)"
    assert (CLIENTS / "node_modules" / "camunda-external-task-client-js").is_dir(), \
        "the JavaScript client is not installed: run `make test` (or `make clients`)"
    process = subprocess.Popen(
        [node, str(CLIENTS / "worker.mjs"), f"{base_url}/engine-rest", username, token,
         topic, mode], cwd=CLIENTS, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    try:
        yield process
    finally:
        process.kill()
        process.communicate(timeout=10)
        time.sleep(1.0)  # its last long poll may still run in the server (as with Camunda)


def _upload(client: FlaskClient, token: str, model: Path) -> None:
    response = upload(client, token, [(model.name, model.read_bytes())])
    assert response.status_code == 201, response.get_json()


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return {"username": "js-rekenaar",
            "token": worker_account(database, "js-rekenaar", [TOPIC, "brp-opvragen"])}



def test_the_js_client_completes_with_typed_variables(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str],
        live_server: str) -> None:
    _upload(client, tokens["ontwerper"], MODEL)
    case = start(client, tokens["consulent"], "toeslag_berekenen", {"naam": "Fatima"})
    with js_worker_running(live_server, worker["username"], worker["token"], TOPIC,
                           "complete") as process:
        wait_while(lambda: open_elements(client, tokens["consulent"], case["id"]) == [
            "Task_Berekenen"], process, "the JavaScript worker did not complete the task")
    data = client.get(f"/api/v1/cases/{case['id']}",
                      headers=bearer(tokens["consulent"])).get_json()["data"]
    assert data["bedrag"] == 120 and data["berekend_voor"] == "Fatima"
    assert data["regels"] == ["art. 3", "art. 4"]  # the client sends a list as Json
    assert open_elements(client, tokens["consulent"], case["id"]) == ["Task_Beoordelen"]


def test_the_js_client_reports_a_failure_that_becomes_an_incident(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str],
        live_server: str) -> None:
    _upload(client, tokens["ontwerper"], MODEL)
    case = start(client, tokens["consulent"], "toeslag_berekenen", {"naam": "Ali"})
    with js_worker_running(live_server, worker["username"], worker["token"], TOPIC,
                           "fail") as process:
        wait_while(lambda: not client.get(f"/api/v1/cases/{case['id']}", headers=bearer(
            tokens["consulent"])).get_json()["incidents"], process,
            "the JavaScript worker reported no failure")
    [incident] = client.get(f"/api/v1/cases/{case['id']}",
                            headers=bearer(tokens["consulent"])).get_json()["incidents"]
    assert incident["error_message"] == "Rekenservice onbereikbaar voor Ali"
    assert "external_task_incident" in actions(client, tokens["consulent"], case["id"])


def test_the_js_clients_bpmn_error_takes_the_boundary_path(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str],
        live_server: str) -> None:
    _upload(client, tokens["ontwerper"], ERROR_MODEL)
    case = start(client, tokens["consulent"], "brp_controle", {"naam": "Ali"})
    with js_worker_running(live_server, worker["username"], worker["token"], "brp-opvragen",
                           "bpmnError") as process:
        wait_while(lambda: open_elements(client, tokens["consulent"], case["id"]) == [
            "Task_BrpOpvragen"], process, "the JavaScript worker threw no BPMN error")
    after = client.get(f"/api/v1/cases/{case['id']}",
                       headers=bearer(tokens["consulent"])).get_json()
    assert [t["element_id"] for t in after["open_tasks"]] == ["Task_Handmatig"]
    assert after["data"]["brp_resultaat"] == "onbekend"
    assert after["data"]["foutmelding"] == "Geen inschrijving gevonden"
