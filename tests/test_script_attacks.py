"""A designer's script that blows up inside one C call (hashing a tuple that shares itself
31 levels deep: 20 s of CPU that no check between Python steps can interrupt) ends as an
error of that case only, because designer code runs in sandbox processes the kernel
bounds: over real HTTP the server keeps answering /healthz within 1 s and starts other
cases, and `maatwerk worker` fires the timers behind it."""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from helpers import bearer, upload
from maatwerk.domain.principal import SYSTEM
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import Case, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import cases, timers
from processes import WorkerProcess

HOSTILE = "t = (1,)\nfor i in range(31):\n    t = (t, t)\ns = {t}"
MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    {wait}
    <bpmn:scriptTask id="Reken" name="Rekenen" scriptFormat="python">
      <bpmn:incoming>{into_script}</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Beoordelen"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="{first}" />
    <bpmn:sequenceFlow id="f3" sourceRef="Reken" targetRef="Beoordelen" />
    <bpmn:sequenceFlow id="f4" sourceRef="Beoordelen" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""
TIMER = """<bpmn:intermediateCatchEvent id="Wacht"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:timerEventDefinition>
      <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">P1D</bpmn:timeDuration>
      </bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="Wacht" targetRef="Reken" />"""


def model(key: str, script: str, timer: bool) -> tuple[str, str]:
    """Start, (a day's timer,) the script task Reken, a user task, end."""
    wait = TIMER if timer else ""
    return (f"{key}.bpmn", MODEL.format(key=key, wait=wait, script=script,
                                        first="Wacht" if timer else "Reken",
                                        into_script="f2" if timer else "f1"))


def _post_case(base: str, token: str, key: str, answers: list[Any]) -> None:
    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    connection.request("POST", "/api/v1/cases", body=json.dumps({"process_key": key}),
                       headers={**bearer(token), "Content-Type": "application/json"})
    answer = connection.getresponse()
    answers.append((answer.status, json.loads(answer.read())))
    connection.close()


def _healthz_within_a_second(base: str) -> None:
    host = urllib.parse.urlsplit(base)
    health = http.client.HTTPConnection(host.hostname, host.port, timeout=1)
    health.request("GET", "/healthz")
    assert health.getresponse().status == 200
    health.close()


def test_a_runaway_script_is_an_error_of_its_case_and_the_server_answers(
        client: FlaskClient, tokens: dict[str, str], live_server: str) -> None:
    for file in [model("vijandig", HOSTILE, timer=False), model("gewoon", "n = 1", timer=False)]:
        response = upload(client, tokens["ontwerper"], [file])
        assert response.status_code == 201, response.get_json()
    answers: list[Any] = []
    posts = [threading.Thread(target=_post_case,
                              args=(live_server, tokens["consulent"], "vijandig", answers))
             for _ in range(2)]
    began = time.monotonic()
    for post in posts:
        post.start()
    time.sleep(0.2)
    _healthz_within_a_second(live_server)
    ordinary: list[Any] = []
    _post_case(live_server, tokens["consulent"], "gewoon", ordinary)
    assert ordinary[0][0] == 201 and ordinary[0][1]["status"] == "open", ordinary
    for post in posts:
        post.join(timeout=30)
    assert time.monotonic() - began < 10
    assert [status for status, _ in answers] == [201, 201], answers
    for _, case in answers:  # the case says where and why; retry is open to it
        assert case["status"] == "error" and case["open_tasks"] == []
        assert case["error"].startswith("Reken: The script took too long"), case["error"]
    retried = client.post(f"/api/v1/cases/{answers[0][1]['id']}/retry",
                          headers=bearer(tokens["consulent"]))
    assert retried.status_code == 200 and retried.get_json()["status"] == "error"


def test_the_timer_worker_goes_on_past_a_runaway_script(
        database: Database, client: FlaskClient, tokens: dict[str, str],
        tmp_path: Path) -> None:
    for file in [model("vijandig_later", HOSTILE, timer=True),
                 model("gewoon_later", "n = 1", timer=True)]:
        response = upload(client, tokens["ontwerper"], [file])
        assert response.status_code == 201, response.get_json()
    started: dict[str, list[int]] = {"vijandig_later": [], "gewoon_later": []}
    for key in ["vijandig_later", "gewoon_later"] * 2:
        with UnitOfWork(database) as uow:
            case_id = cases.start_case(uow, key, {}, "online", None).case.id
            timers.reschedule(uow, case_id, utcnow(), SYSTEM)
        started[key].append(case_id)
    worker = WorkerProcess(database.url, tmp_path, "worker", once=True)
    try:
        assert worker.process.wait(timeout=60) == 0, worker.log.read_text()
    finally:
        worker.stop()
    assert worker.fired() == 4, worker.log.read_text()
    with UnitOfWork(database, readonly=True) as uow:
        for case_id in started["gewoon_later"]:
            assert uow.session.get(Case, case_id).status == "open"
        for case_id in started["vijandig_later"]:
            case = uow.session.get(Case, case_id)
            assert case.status == "error" and "took too long" in (case.error or ""), case.error
