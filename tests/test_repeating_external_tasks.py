"""An external task that repeats (multi-instance over a collection): each round is a task of
its own, and the worker that fetches it is told the item that round is for (the element
variable), as Camunda 7 tells it, besides the case's variables."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="documenten_koppelen" name="Documenten koppelen" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Koppelen" />
    <bpmn:serviceTask id="Koppelen" name="Document koppelen" camunda:type="external"
        camunda:topic="document-koppelen">
      <bpmn:multiInstanceLoopCharacteristics{sequential} camunda:collection="documentUrls"
          camunda:elementVariable="documentUrl" />
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="Koppelen" targetRef="Einde" />
    <bpmn:endEvent id="Einde" />
  </bpmn:process>
</bpmn:definitions>
"""
URLS = ["https://documenten.example/1", "https://documenten.example/2",
        "https://documenten.example/3"]


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "documenten", ["document-koppelen"]))


def _fetch(client: FlaskClient, worker: dict[str, str]) -> list[dict[str, Any]]:
    response = client.post("/engine-rest/external-task/fetchAndLock", headers=worker, json={
        "workerId": "w1", "maxTasks": 10, "topics": [
            {"topicName": "document-koppelen", "lockDuration": 60_000}]})
    assert response.status_code == 200, response.get_json()
    fetched: list[dict[str, Any]] = response.get_json()
    return fetched


@pytest.mark.parametrize("sequential", [False, True])
def test_each_round_tells_the_worker_its_item(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str],
        sequential: bool) -> None:
    bpmn = BPMN.replace("{sequential}", ' isSequential="true"' if sequential else "")
    response = upload(client, tokens["ontwerper"], [("koppelen.bpmn", bpmn)])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "documenten_koppelen", {"documentUrls": URLS})
    seen = []
    for _ in range(len(URLS)):
        fetched = _fetch(client, worker)
        assert fetched and len(fetched) == (1 if sequential else len(URLS) - len(seen))
        task = fetched[0]
        variables = {k: v["value"] for k, v in task["variables"].items()}
        assert variables["documentUrls"] == URLS or isinstance(variables["documentUrls"], str)
        seen.append(variables["documentUrl"])
        done = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=worker,
                           json={"workerId": "w1", "variables": {}})
        assert done.status_code == 204, done.get_json()
        if not sequential:  # the others stay locked by this worker: let them go
            for other in fetched[1:]:
                client.post(f"/engine-rest/external-task/{other['id']}/unlock", headers=worker)
    assert sorted(seen) == URLS
    assert case_of(client, tokens["consulent"], case["id"])["status"] == "completed"
