"""Long-running cases through the real database and the HTTP API (issue "Ready for real
use"): a case whose loop ran 2,000 times still works and can be completed, its stored state
stays small, its history is all in the task rows and the audit record, and the deviations
that need the engine's old history say so.

The 2,000 rounds run through the service layer (one unit of work a step, as a request
does); the last steps, a deviation and the case's end go over HTTP. A second case loops
inside a subprocess with a repair term on the resident's step and the 8-week decision term
on the subprocess, over HTTP only, past the point where SpiffWorkflow alone crashed (about
190 rounds).
"""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select

from helpers import actions, bearer, complete, open_task, start
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, Case, Task
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, cases, tasks

DATA = Path(__file__).parent / "data"
ROUNDS = 2000
MAX_STATE_BYTES = 80_000  # about 35 KiB whatever the number of rounds (ENGINE.md: 753 KiB
                          # for 1,000 rounds without compaction)
REASON = "De inwoner vraagt om een nieuwe intake omdat de situatie sterk veranderd is."


def _upload(client: FlaskClient, tokens: dict[str, str], name: str) -> None:
    response = client.post("/api/v1/process-models", data={"files": [
        (io.BytesIO((DATA / name).read_bytes()), name)]},
        headers=bearer(tokens["ontwerper"]), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def _stored(database: Database, case_id: int) -> tuple[Case, int]:
    with UnitOfWork(database, readonly=True) as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        rows = uow.session.scalar(select(func.count()).select_from(Task)
                                  .where(Task.case_id == case_id))
        uow.session.expunge(case)
        return case, int(rows or 0)


def _get(client: FlaskClient, token: str, case_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_a_case_whose_loop_ran_2000_times_still_works(client: FlaskClient,
                                                      tokens: dict[str, str],
                                                      database: Database) -> None:
    _upload(client, tokens, "loop_steps.bpmn")
    case = start(client, tokens["consulent"], "lus_stappen", {"rondes": 0})
    case = complete(client, tokens["consulent"], case, "Task_Intake",
                    {"onderwerp": "Bezwaar tegen de aanslag"})
    case_id = case["id"]
    with UnitOfWork(database, readonly=True) as uow:
        actor = accounts.principal_by_username(uow, "consulent")
        assert actor is not None
        task_id = cases.open_tasks(uow, case_id)[0].id
    sizes = []
    for n in range(1, ROUNDS + 1):
        with UnitOfWork(database) as uow:  # one step, as one request does it
            stored = tasks.complete(uow, task_id, {"opnieuw": True, "opmerking": f"ronde {n}"},
                                    actor).case
            assert stored.status == "open"
            (task,) = cases.open_tasks(uow, case_id)
            assert task.element_id == "Task_Beoordelen" and task.id != task_id
            task_id = task.id
        if n % 250 == 0:
            sizes.append(len(_stored(database, case_id)[0].engine_state))
    assert max(sizes) < MAX_STATE_BYTES, sizes

    stored_case, task_rows = _stored(database, case_id)
    assert task_rows == ROUNDS + 2  # the intake, every round, and the open one: all kept
    assert stored_case.data["rondes"] == ROUNDS
    assert stored_case.data["onderwerp"] == "Bezwaar tegen de aanslag"
    assert json.loads(stored_case.engine_state)["v"] == "maatwerk-1"
    with UnitOfWork(database, readonly=True) as uow:
        completed = uow.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == "task_completed"))
    assert completed == ROUNDS + 1  # the history the engine let go of is in the record

    # the case over HTTP: the intake is too long ago for the engine, the latest round not
    case = _get(client, tokens["consulent"], case_id)
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Beoordelen"]
    refused = _deviation(client, tokens, case_id, "Task_Intake", expect=422)  # when asked
    assert "Task_Intake was last done too long ago" in refused["error"]
    assert _get(client, tokens["consulent"], case_id)["open_tasks"] == case["open_tasks"]
    back = _deviation(client, tokens, case_id, "Task_Beoordelen", expect=200)
    assert [t["element_id"] for t in back["case"]["open_tasks"]] == ["Task_Beoordelen"]
    assert back["case"]["data"]["opmerking"] == f"ronde {ROUNDS}"

    case = complete(client, tokens["consulent"], back["case"], "Task_Beoordelen",
                    {"opnieuw": False, "opmerking": "Afgerond na lange behandeling."})
    assert case["data"]["rondes"] == ROUNDS + 1
    case = complete(client, tokens["consulent"], case, "Task_Afronden", {})
    assert case["status"] == "completed" and case["open_tasks"] == []
    assert case["data"]["opmerking"] == "Afgerond na lange behandeling."
    assert actions(client, tokens["consulent"], case_id)[-1] == "case_completed"
    verified = client.get("/api/v1/audit/verify", headers=bearer(tokens["teamleider"]))
    assert verified.status_code == 200 and verified.get_json()["ok"] is True


def _deviation(client: FlaskClient, tokens: dict[str, str], case_id: int, target: str,
               expect: int) -> dict[str, Any]:
    """return_to, requested by a caseworker and approved by a team lead (`expect` 422: the
    request itself is refused, tried on a copy of the case)."""
    requested = client.post(f"/api/v1/cases/{case_id}/deviations", json={
        "type": "return_to", "target_element_id": target, "reason": REASON,
        "legal_basis": "art. 4:84 Awb"}, headers=bearer(tokens["consulent"]))
    if expect == 422:
        assert requested.status_code == 422, requested.get_json()
        refused: dict[str, Any] = requested.get_json()
        return refused
    assert requested.status_code == 201, requested.get_json()
    approved = client.post(f"/api/v1/deviations/{requested.get_json()['id']}/approve",
                           json={"comment": "Akkoord."}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == expect, approved.get_json()
    body: dict[str, Any] = approved.get_json()
    return body


def test_requests_for_information_in_a_subprocess_over_http(client: FlaskClient,
                                                            tokens: dict[str, str],
                                                            database: Database) -> None:
    _upload(client, tokens, "loop_subprocess.bpmn")
    case = start(client, tokens["consulent"], "lus_in_deelproces", {})
    term = case["next_timer_at"]
    assert term is not None
    for n in range(1, 251):
        case = complete(client, tokens["consulent"], case, "Task_Controleren",
                        {"volledig": False})
        assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Aanvullen"]
        assert datetime.fromisoformat(case["next_timer_at"]) < datetime.fromisoformat(term)
        case = complete(client, tokens["consulent"], case, "Task_Aanvullen",
                        {"aanvulling": f"stuk {n}"})
        assert case["next_timer_at"] == term  # the decision term runs on, untouched
    assert len(_stored(database, case["id"])[0].engine_state) < MAX_STATE_BYTES
    case = complete(client, tokens["consulent"], case, "Task_Controleren", {"volledig": True})
    assert open_task(case, "Task_Besluit") and case["next_timer_at"] is None
    case = complete(client, tokens["consulent"], case, "Task_Besluit", {"bezwaar": False})
    assert case["status"] == "completed" and case["data"]["aanvulling"] == "stuk 250"
