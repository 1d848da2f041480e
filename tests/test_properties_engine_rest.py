"""Property-based tests (hypothesis) of the Camunda 7 REST surface that outside workers and
systems call: fetchAndLock, complete (with variables of every Camunda type, right or
wrong), failure, bpmnError and message correlation.

Whatever arrives: never a 500, always Camunda's error shape ({"type", "message"}), and a
refused call changes nothing."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st

from conftest import row_counts
from helpers import bearer, start, upload, worker_account
from maatwerk.persistence.database import Database
from test_properties import JSON, PROPERTY, api_bodies, right_or_junk

MODEL = Path(__file__).parent / "data" / "external_task.bpmn"
TOPIC = "toeslag-berekenen"
TYPES = ["String", "Integer", "Long", "Short", "Double", "Boolean", "Json", "Object", "Date",
         "Null", "Bytes", "File", "Xml", "iets"]
VARIABLE = st.fixed_dictionaries(
    {"value": JSON}, optional={"type": st.sampled_from(TYPES), "valueInfo": JSON})
VARIABLES = st.one_of(st.dictionaries(st.sampled_from(["bedrag", "regels", "naam", "x y", ""]),
                                      VARIABLE, max_size=3), JSON)


class Worker:
    """An external-task worker with an open task of the test model to work on."""

    def __init__(self, client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
        self.client, self.tokens = client, tokens
        assert upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())]) \
            .status_code == 201
        self.auth = bearer(worker_account(database, "rekenaar", [TOPIC]))
        self.locked: list[str] = []

    def fetch_body(self) -> dict[str, Any]:
        return {"workerId": "w1", "maxTasks": 1,
                "topics": [{"topicName": TOPIC, "lockDuration": 600_000}]}

    def task(self) -> str:
        """A task locked by worker w1 (a new case when the last one was used up)."""
        if not self.locked:
            start(self.client, self.tokens["consulent"], "toeslag_berekenen", {"naam": "Ali"})
            fetched = self.client.post("/engine-rest/external-task/fetchAndLock",
                                       headers=self.auth, json=self.fetch_body())
            self.locked.append(fetched.get_json()[0]["id"])
        return self.locked[0]

    def post(self, url: str, body: tuple[bytes, str]) -> Any:
        data, content_type = body
        return self.client.post(url, data=data, content_type=content_type, headers=self.auth)


def _camunda_answer(response: Any, ok: set[int]) -> None:
    assert response.status_code < 500, (response.status_code,
                                        response.get_data(as_text=True)[:300])
    if response.status_code not in ok:
        answer = response.get_json()
        assert isinstance(answer, dict) and answer.get("type") and answer.get("message"), \
            response.get_data(as_text=True)[:300]


def test_fetch_and_lock_takes_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    worker = Worker(app.test_client(), tokens, database)
    start(worker.client, tokens["consulent"], "toeslag_berekenen", {"naam": "Ali"})
    seen: set[int] = set()
    bodies = right_or_junk({
        "workerId": "w1", "maxTasks": st.sampled_from([1, 2, 0, -1, 10**9]),
        "topics": st.lists(right_or_junk({
            "topicName": st.sampled_from([TOPIC, TOPIC, "iets-anders", ""]),
            "lockDuration": st.sampled_from([600_000, 1, 0, -1, 10**15]),
            "variables": st.sampled_from([["naam"], None, "naam"])}), min_size=1, max_size=2)},
        at_most=1)

    @PROPERTY
    @given(api_bodies(bodies))
    def post(body: tuple[bytes, str]) -> None:
        before = row_counts(database)
        response = worker.post("/engine-rest/external-task/fetchAndLock", body)
        seen.add(response.status_code)
        _camunda_answer(response, {200})
        if response.status_code == 200:
            assert isinstance(response.get_json(), list)
        else:
            assert row_counts(database) == before

    post()
    assert {200, 400} <= seen, seen


def test_complete_takes_any_variables_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    worker = Worker(app.test_client(), tokens, database)
    seen: set[int] = set()

    @PROPERTY
    @given(api_bodies(right_or_junk({"workerId": st.sampled_from(["w1", "w2"]),
                                     "variables": VARIABLES, "localVariables": VARIABLES})))
    def post(body: tuple[bytes, str]) -> None:
        task_id = worker.task()
        before = row_counts(database)
        response = worker.post(f"/engine-rest/external-task/{task_id}/complete", body)
        seen.add(response.status_code)
        _camunda_answer(response, {204})
        if response.status_code == 204:
            worker.locked.clear()
        else:
            assert row_counts(database) == before

    post()
    assert {204, 400} <= seen, seen


def test_failure_and_bpmn_error_take_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    worker = Worker(app.test_client(), tokens, database)
    seen: set[tuple[str, int]] = set()
    failure = right_or_junk({
        "workerId": "w1", "errorMessage": st.sampled_from(["Time-out", "", "x" * 5000]),
        "errorDetails": st.sampled_from(["stack", None]),
        "retries": st.sampled_from([2, 0, -1, 10**12]),
        "retryTimeout": st.sampled_from([1000, 0, -5, 10**15])})
    bpmn_error = right_or_junk({
        "workerId": "w1", "errorCode": st.sampled_from(["GEEN_RECHT", "", "onbekend"]),
        "errorMessage": st.sampled_from(["Geen recht", None]), "variables": VARIABLES})

    @PROPERTY
    @given(st.sampled_from(["failure", "bpmnError"]).flatmap(
        lambda kind: st.tuples(st.just(kind), api_bodies(
            failure if kind == "failure" else bpmn_error))))
    def post(call: tuple[str, tuple[bytes, str]]) -> None:
        kind, body = call
        task_id = worker.task()
        before = row_counts(database)
        response = worker.post(f"/engine-rest/external-task/{task_id}/{kind}", body)
        seen.add((kind, response.status_code))
        _camunda_answer(response, {204})
        if response.status_code == 204:
            worker.locked.clear()  # failed with a wait, or handed to the error path
        else:
            assert row_counts(database) == before

    post()
    assert {("failure", 204), ("failure", 400)} <= seen, seen


def test_message_correlation_takes_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    worker = Worker(app.test_client(), tokens, database)
    seen: set[int] = set()
    bodies = right_or_junk({
        "messageName": st.sampled_from(["LegesBetaald", "", "Onbekend"]),
        "businessKey": st.sampled_from(["1", "", None, "Z-2026-000001"]),
        "correlationKeys": st.one_of(st.dictionaries(st.sampled_from(["zaak", ""]), VARIABLE,
                                                     max_size=2), JSON),
        "processVariables": VARIABLES, "all": st.booleans(),
        "resultEnabled": st.booleans()})

    @PROPERTY
    @given(api_bodies(bodies))
    def post(body: tuple[bytes, str]) -> None:
        before = row_counts(database)
        response = worker.post("/engine-rest/message", body)
        seen.add(response.status_code)
        _camunda_answer(response, {200, 204})
        if response.status_code >= 400:
            assert row_counts(database) == before

    post()
    assert 400 in seen, seen
