"""Camunda features as saved by the Modeler: inline forms, assignees, JUEL, timers, scripts."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from flask.testing import FlaskClient

from helpers import actions, bearer, complete, open_task, start
from maatwerk.cli import run_worker_pass
from maatwerk.domain.principal import SYSTEM
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import timers

DATA = Path(__file__).parent / "data"


def _upload_features(client: FlaskClient, token: str) -> None:
    response = client.post("/api/v1/process-models", data={"files": [
        (io.BytesIO((DATA / "features.bpmn").read_bytes()), "features.bpmn")]},
        headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def _due_now(database: Database, case_id: int) -> None:
    with UnitOfWork(database) as uow:
        timers.reschedule(uow, case_id, utcnow() - timedelta(seconds=1), SYSTEM)


def test_inline_forms_assignee_juel_timer_and_script(client: FlaskClient, tokens: dict[str, str],
                                                     database: Database) -> None:
    _upload_features(client, tokens["ontwerper"])
    bad = client.post("/api/v1/cases", json={"process_key": "features", "data": {
        "naam": "A", "leeftijd": -1}}, headers=bearer(tokens["consulent"]))
    assert bad.status_code == 422 and {"naam", "leeftijd"} <= set(bad.get_json()["errors"])
    case = start(client, tokens["consulent"], "features", {"naam": "Ali", "leeftijd": 30,
                                                           "soort": "klein"})
    task = open_task(case, "Task_Toegewezen")  # ${leeftijd ge 18 and not empty naam}
    assert task["assignee"] == "consulent"
    assert client.get("/api/v1/tasks", headers=bearer(tokens["consulent2"])).get_json() == \
        {"tasks": []}
    case = complete(client, tokens["consulent"], case, "Task_Toegewezen", {"oordeel": True})
    assert case["open_tasks"] == [] and case["status"] == "open"
    assert case["next_timer_at"] is not None  # PT1H, written unquoted in the model
    assert run_worker_pass(database) == 0  # not due yet
    _due_now(database, case["id"])
    assert run_worker_pass(database) == 1
    done = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert done.get_json()["status"] == "completed"
    assert done.get_json()["data"]["samenvatting"] == "ALI (30)"
    history = actions(client, tokens["consulent"], case["id"])
    assert "timer_fired" in history and "timer_rescheduled" in history
    assert run_worker_pass(database) == 0  # fired once, never twice


def test_candidate_users_and_default_flow(client: FlaskClient, tokens: dict[str, str]) -> None:
    _upload_features(client, tokens["ontwerper"])
    case = start(client, tokens["consulent"], "features", {"naam": "Bo", "leeftijd": 9})
    task = open_task(case, "Task_Kind")
    visible = client.get("/api/v1/tasks", headers=bearer(tokens["consulent2"])).get_json()
    assert [t["id"] for t in visible["tasks"]] == [task["id"]]
    assert client.get("/api/v1/tasks", headers=bearer(tokens["consulent"])).get_json() == \
        {"tasks": []}
    assert client.get("/api/v1/tasks", headers=bearer(tokens["beheer"])).get_json()["tasks"]


def test_bijstand_missing_information_from_the_resident(client: FlaskClient,
                                                        tokens: dict[str, str]) -> None:
    from helpers import BIJSTAND_AANVRAAG
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "Stuur de offerte van de wasmachine mee."})
    resident_task = open_task(case, "Task_Aanvulling")
    assert resident_task["candidate_groups"] == ["inwoner"]
    # residents' tasks are not in a caseworker's inbox; the resident does them via their link
    inbox = client.get("/api/v1/tasks", headers=bearer(tokens["consulent"])).get_json()["tasks"]
    assert resident_task["id"] not in [t["id"] for t in inbox]


def test_boundary_timer_on_resident_task_moves_the_case_on(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    from helpers import BIJSTAND_AANVRAAG
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "Offerte ontbreekt."})
    with UnitOfWork(database) as uow:
        timers.reschedule(uow, case["id"], utcnow() - timedelta(seconds=1), SYSTEM,
                          element_id="Event_Hersteltermijn")
    assert run_worker_pass(database) == 1
    after = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    open_ids = [t["element_id"] for t in after.get_json()["open_tasks"]]
    assert "Task_Aanvulling" not in open_ids and open_ids  # interrupted, the case moved on
    assert "task_cancelled" in actions(client, tokens["consulent"], case["id"])
