"""Handing a task to a colleague without a formal deviation: the person who has it (or a
team lead of its groups) gives it to someone the model lets do it; a team lead assigns
several at once from the inbox. Taking a task outside the model's groups stays a deviation.
Every hand-over is on record, and a task's assignment listeners run for the new assignee."""
from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import (
    BIJSTAND_AANVRAAG,
    actions,
    bearer,
    case_of,
    open_task,
    start,
    upload,
    worker_account,
)
from maatwerk.persistence.database import Database
from test_listeners import ASSIGNED, _do


def _assign(client: FlaskClient, token: str, task_id: str, to: str) -> Any:
    return client.post(f"/api/v1/tasks/{task_id}/assign", headers=bearer(token),
                       json={"assignee": to})


def _task(client: FlaskClient, token: str, case_id: int, element_id: str) -> dict[str, Any]:
    return open_task(case_of(client, token, case_id), element_id)


def test_the_claimant_hands_a_task_to_a_colleague(client: FlaskClient,
                                                  tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = _task(client, tokens["consulent"], case["id"], "Task_Volledigheid")
    assert client.post(f"/api/v1/tasks/{task['id']}/claim",
                       headers=bearer(tokens["consulent"])).status_code == 200
    # a colleague may not take it from the claimant
    taken = _assign(client, tokens["consulent2"], task["id"], "consulent2")
    assert taken.status_code == 403, taken.get_json()
    # nor may it go to someone outside the task's groups: that is a deviation
    outside = _assign(client, tokens["consulent"], task["id"], "vergunning")
    assert outside.status_code == 422
    assert "deviation" in outside.get_json()["error"]
    handed = _assign(client, tokens["consulent"], task["id"], "consulent2")
    assert handed.status_code == 200, handed.get_json()
    assert _task(client, tokens["consulent"], case["id"], "Task_Volledigheid")[
        "assignee"] == "consulent2"
    assert "task_handed_over" in actions(client, tokens["consulent"], case["id"])
    # the new assignee may pass it on, or lay it back
    assert client.post(f"/api/v1/tasks/{task['id']}/unclaim",
                       headers=bearer(tokens["consulent2"])).status_code == 200


def test_a_team_lead_assigns_several_tasks_at_once(app: Flask, client: FlaskClient,
                                                   tokens: dict[str, str]) -> None:
    ids = []
    for _ in range(2):
        case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
        ids.append(_task(client, tokens["consulent"], case["id"], "Task_Volledigheid")["id"])
    lead = app.test_client()
    login(lead, "teamleider")
    page = lead.get("/werk/").get_data(as_text=True)
    assert "Kim Konings" in page  # the colleagues to assign to, by name
    sent = lead.post("/werk/taken/toewijzen", data={
        "csrf_token": csrf_token(page), "taak": ids, "aan": "consulent2"})
    assert sent.status_code == 302
    done = lead.get(sent.headers["Location"]).get_data(as_text=True)
    assert "2 taken toegewezen aan Kim Konings" in done
    # people and steps by their names: the assignee's name, the step filter's step names
    assert "<td>Kim Konings</td>" in done and "<td>consulent2</td>" not in done
    assert ('<option value="Task_Volledigheid" >Volledigheid controleren (Bijzondere '
            'bijstand)</option>') in done
    for task_id in ids:
        found = client.get(f"/api/v1/tasks/{task_id}", headers=bearer(tokens["consulent"]))
        assert found.get_json()["assignee"] == "consulent2"
    # a caseworker is not offered the choice, and may not
    worker_page = app.test_client()
    login(worker_page, "consulent")
    html = worker_page.get("/werk/").get_data(as_text=True)
    assert 'name="aan"' not in html
    refused = worker_page.post("/werk/taken/toewijzen", data={
        "csrf_token": csrf_token(html), "taak": ids[:1], "aan": "consulent"})
    assert refused.status_code == 403


def test_a_hand_over_runs_the_tasks_assignment_listeners(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    assert upload(client, tokens["ontwerper"], [("toewijzen.bpmn", ASSIGNED)]).status_code == 201
    worker = bearer(worker_account(database, "toewijzing", ["toewijzingMelden"]))
    case = start(client, tokens["consulent"], "toewijzen", {})
    task = _task(client, tokens["consulent"], case["id"], "Task_Behandelen")
    handed = _assign(client, tokens["teamleider"], task["id"], "consulent2")
    assert handed.status_code == 200, handed.get_json()
    assert _do(client, worker, "toewijzingMelden")["variables"]["task"]["value"] == \
        "Task_Behandelen"
    assert re.search(r"task_handed_over", " ".join(actions(client, tokens["consulent"],
                                                           case["id"])))
