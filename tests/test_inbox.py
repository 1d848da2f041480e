"""The inbox: every view (my groups', mine, filtered, searched, sorted, paged) lists the
right open tasks once each, with the decision date the case has now; the candidate rows
the inbox reads (copies of their task's columns) keep up with every change of a task."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from conftest import assert_entries_match_tasks, csrf_token, login
from helpers import BIJSTAND_AANVRAAG, KAP_AANVRAAG, bearer, complete, open_task, start
from maatwerk.persistence.database import Database
from maatwerk.persistence.migrate import alembic_config
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, tasks
from maatwerk.web.i18n import dutch_datetime

REASON = "De inwoner wacht op een medisch advies; dat laat op zich wachten."


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    login(client, username)
    return client


def _inbox(client: FlaskClient, **args: str) -> tuple[str, list[str]]:
    """The inbox page and the case references of its rows, in order."""
    response = client.get("/werk/", query_string=args)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return page, re.findall(r'href="/werk/zaken/\d+">([^<]+)</a>', body)


def _deadline_cell(page: str, reference: str) -> str:
    row = next(r for r in page.split("<tr>") if f">{reference}</a>" in r)
    return re.findall(r"<td>(.*?)</td>", row, re.DOTALL)[5]


def _extend(client: FlaskClient, tokens: dict[str, str], case_id: int, weeks: int
            ) -> dict[str, Any]:
    requested = client.post(f"/api/v1/cases/{case_id}/deviations", headers=bearer(
        tokens["consulent"]), json={
        "type": "extend_deadline", "values": {"weeks": weeks}, "reason": REASON,
        "legal_basis": "art. 4:84 Awb",
        "resident_message": "Wij wachten op een medisch advies. Daarom beslissen wij later."})
    assert requested.status_code == 201, requested.get_json()
    approved = client.post(f"/api/v1/deviations/{requested.get_json()['id']}/approve",
                           json={"comment": "Akkoord"}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == 200, approved.get_json()
    case: dict[str, Any] = approved.get_json()["case"]
    return case


def test_views_filters_and_search(app: Flask, client: FlaskClient, tokens: dict[str, str],
                                  database: Database) -> None:
    jan = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    els = start(client, tokens["consulent"], "bijzondere_bijstand",
                dict(BIJSTAND_AANVRAAG, naam="Els de Vries_%"))
    petra = start(client, tokens["consulent"], "kapvergunning", KAP_AANVRAAG)
    consulent = _client(app, "consulent")
    page, refs = _inbox(consulent)
    assert refs == [jan["reference"], els["reference"]] and "2 open taken" in page
    assert _inbox(_client(app, "vergunning"))[1] == [petra["reference"]]
    # an administrator sees every open task (from the tasks themselves)
    assert _inbox(_client(app, "beheer"))[1] == [jan["reference"], els["reference"],
                                                 petra["reference"]]
    assert _inbox(consulent, proces="kapvergunning")[1] == []
    assert "met deze filters" in _inbox(consulent, proces="kapvergunning")[0]
    assert _inbox(consulent, proces="bijzondere_bijstand")[1] == [jan["reference"],
                                                                 els["reference"]]
    assert _inbox(consulent, stap="Task_Volledigheid")[1] == [jan["reference"],
                                                             els["reference"]]
    assert _inbox(consulent, stap="Task_Besluit")[1] == []
    assert _inbox(consulent, zoek=els["reference"])[1] == [els["reference"]]
    assert _inbox(consulent, zoek="  jAnSeN ")[1] == [jan["reference"]]
    assert _inbox(consulent, zoek="_%")[1] == [els["reference"]]  # just characters
    assert _inbox(consulent, zoek="%")[1] == [els["reference"]]
    assert _inbox(consulent, opgepakt="ja")[1] == []
    claimed = client.post(f"/api/v1/tasks/{open_task(els, 'Task_Volledigheid')['id']}/claim",
                          headers=bearer(tokens["consulent2"]))
    assert claimed.status_code == 200
    assert _inbox(consulent, opgepakt="ja")[1] == [els["reference"]]
    assert _inbox(consulent, opgepakt="nee")[1] == [jan["reference"]]
    assert _inbox(consulent, weergave="mijn")[1] == []
    assert _inbox(_client(app, "consulent2"), weergave="mijn")[1] == [els["reference"]]
    assert _inbox(consulent, proces="bijzondere_bijstand", stap="Task_Volledigheid",
                  opgepakt="nee", zoek="Jan", sorteer="termijn")[1] == [jan["reference"]]
    # the API lists the same tasks, oldest first
    listed = client.get("/api/v1/tasks", headers=bearer(tokens["consulent"])).get_json()
    assert [t["case_id"] for t in listed["tasks"]] == [jan["id"], els["id"]]
    assert assert_entries_match_tasks(database) >= 3


def test_sort_and_shown_date_follow_an_extension(app: Flask, client: FlaskClient,
                                                 tokens: dict[str, str],
                                                 database: Database) -> None:
    first = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    second = start(client, tokens["consulent"], "bijzondere_bijstand",
                   dict(BIJSTAND_AANVRAAG, naam="Els de Vries"))
    consulent = _client(app, "consulent")
    assert _inbox(consulent, sorteer="termijn")[1] == [first["reference"], second["reference"]]
    extended = _extend(client, tokens, first["id"], weeks=4)
    due = datetime.fromisoformat(extended["due_at"])
    assert due - datetime.fromisoformat(first["due_at"]) == timedelta(weeks=4)
    page, refs = _inbox(consulent, sorteer="termijn")
    assert refs == [second["reference"], first["reference"]]
    assert dutch_datetime(due, False) in _deadline_cell(page, first["reference"])
    assert dutch_datetime(datetime.fromisoformat(second["due_at"]), False) in \
        _deadline_cell(page, second["reference"])
    assert _inbox(consulent)[1] == [first["reference"], second["reference"]]  # by age
    assert assert_entries_match_tasks(database) >= 2


def test_shown_date_follows_a_suspension(app: Flask, client: FlaskClient,
                                         tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    token = case["status_url"].split("/status/")[1]
    other = start(client, tokens["consulent"], "bijzondere_bijstand",
                  dict(BIJSTAND_AANVRAAG, naam="Els de Vries"))
    due = datetime.fromisoformat(case["due_at"])
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "Stuur de offerte mee."})
    consulent = _client(app, "consulent")
    assert _inbox(consulent, sorteer="termijn")[1] == [other["reference"]]  # resident's turn
    with database.engine.begin() as conn:  # the resident took ten days
        conn.execute(text("UPDATE cases SET suspended_since = :s WHERE id = :id"), {
            "s": _suspended_since(database, case["id"]) - timedelta(days=10),
            "id": case["id"]})
    status = client.get(f"/status/{token}").get_data(as_text=True)
    field = re.search(r'name="(t[0-9a-f]{8}-aanvulling)"', status)
    assert field, "the resident's form for the missing information"
    task = open_task(case, "Task_Aanvulling")
    sent = client.post(f"/status/{token}/taken/{task['id']}", data={
        f"{field.group(1).split('-')[0]}-csrf_token": csrf_token(status),
        field.group(1): "Hierbij de offerte van de wasmachine."})
    assert sent.status_code == 302
    now = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    moved = datetime.fromisoformat(now.get_json()["due_at"])
    assert timedelta(days=10) <= moved - due < timedelta(days=10, minutes=5)
    # the new step's row was made in the same step that moved the date: it has the new one
    page, refs = _inbox(consulent, sorteer="termijn")
    assert refs == [other["reference"], case["reference"]]
    assert dutch_datetime(moved, False) in _deadline_cell(page, case["reference"])
    with UnitOfWork(database, readonly=True) as uow:
        actor = accounts.principal_by_username(uow, "consulent")
        assert actor is not None
        listed = tasks.inbox(uow, actor, tasks.InboxFilter(sort="deadline"))
        assert [t.due_at for t in listed.tasks] == [
            datetime.fromisoformat(other["due_at"]), moved]
    assert assert_entries_match_tasks(database) >= 3


def _suspended_since(database: Database, case_id: int) -> datetime:
    with database.engine.connect() as conn:
        value = conn.execute(text("SELECT suspended_since FROM cases WHERE id = :id"),
                             {"id": case_id}).scalar_one()
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_a_task_seen_twice_is_listed_once(app: Flask, client: FlaskClient,
                                          tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    later = start(client, tokens["consulent"], "bijzondere_bijstand",
                  dict(BIJSTAND_AANVRAAG, naam="Els de Vries"))
    task = open_task(case, "Task_Volledigheid")
    requested = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={"type": "reassign", "task_id": task["id"],
                                    "values": {"assignee": "consulent"}, "reason": REASON,
                                    "legal_basis": "art. 4:84 Awb"})
    assert requested.status_code == 201, requested.get_json()
    approved = client.post(f"/api/v1/deviations/{requested.get_json()['id']}/approve",
                           json={"comment": "Akkoord"}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == 200
    with database.engine.connect() as conn:  # consulent sees it as consulenten and by name
        principals = conn.execute(text("SELECT principal, shared FROM task_candidates "
                                       "WHERE task_id = :id ORDER BY principal"),
                                  {"id": task["id"]}).all()
    assert [(p, bool(s)) for p, s in principals] == [("group:consulenten", True),
                                                     ("user:consulent", True)]
    consulent = _client(app, "consulent")
    for args in ({}, {"sorteer": "termijn"}, {"opgepakt": "ja"}, {"zoek": "Jansen"},
                 {"proces": "bijzondere_bijstand"}, {"stap": "Task_Volledigheid"}):
        expected = [case["reference"], later["reference"]] if not args.get("opgepakt") and \
            not args.get("zoek") else [case["reference"]]
        page, refs = _inbox(consulent, **args)
        assert refs == expected, args
        assert f"{len(expected)} open {'taak' if len(expected) == 1 else 'taken'}" in page
    assert _inbox(consulent, weergave="mijn")[1] == [case["reference"]]
    listed = client.get("/api/v1/tasks", headers=bearer(tokens["consulent"])).get_json()
    assert [t["id"] for t in listed["tasks"]].count(task["id"]) == 1
    # the other caseworker of the group still sees it, claimed by consulent
    assert _inbox(_client(app, "consulent2"), opgepakt="ja")[1] == [case["reference"]]
    assert assert_entries_match_tasks(database) >= 3
    complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    assert _inbox(consulent)[1] == [later["reference"]]
    assert assert_entries_match_tasks(database) >= 3


def test_handed_to_another_group(app: Flask, client: FlaskClient, tokens: dict[str, str],
                                 database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    requested = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={"type": "reassign", "task_id": task["id"],
                                    "values": {"candidate_group": "vergunningverleners"},
                                    "reason": REASON, "legal_basis": "art. 4:84 Awb"})
    assert requested.status_code == 201, requested.get_json()
    assert client.post(f"/api/v1/deviations/{requested.get_json()['id']}/approve",
                       json={"comment": "Akkoord"},
                       headers=bearer(tokens["teamleider"])).status_code == 200
    assert _inbox(_client(app, "consulent"))[1] == []
    assert _inbox(_client(app, "vergunning"), sorteer="termijn")[1] == [case["reference"]]
    assert assert_entries_match_tasks(database) >= 1


def test_pages_of_the_inbox(client: FlaskClient, tokens: dict[str, str],
                            database: Database) -> None:
    started = [start(client, tokens["consulent"], "bijzondere_bijstand",
                     dict(BIJSTAND_AANVRAAG, naam=f"Inwoner {n}")) for n in range(5)]
    with UnitOfWork(database, readonly=True) as uow:
        actor = accounts.principal_by_username(uow, "consulent")
        assert actor is not None
        pages = [tasks.inbox(uow, actor, page=n, per_page=2) for n in (1, 2, 3, 4)]
        assert [p.total for p in pages] == [5, 5, 5, 5] and pages[0].pages == 3
        assert [[t.case_id for t in p.tasks] for p in pages] == [
            [started[0]["id"], started[1]["id"]], [started[2]["id"], started[3]["id"]],
            [started[4]["id"]], []]
        nothing = tasks.inbox(uow, actor, tasks.InboxFilter(search="niemand"))
        assert (nothing.total, nothing.tasks) == (0, [])


def test_the_migration_fills_the_entries_of_existing_tasks(tmp_path: Path) -> None:
    """Upgrading a database with open tasks gives their candidate rows the copies."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = alembic_config(url)
    command.upgrade(config, "0006")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO process_models (id, key, version, name, description, content_hash, "
            "forms, elements, uploaded_by, created_at) VALUES (7, 'p', 1, 'P', '', 'x', '{}', "
            "'{}', 'ik', '2026-11-01 10:00:00.000000')"))
        conn.execute(text(
            "INSERT INTO cases (id, reference, process_model_id, status, data, channel, "
            "status_token_hash, engine_state, engine_version, created_at, updated_at, "
            "row_version, due_at) VALUES (3, 'P-1', 7, 'open', '{}', 'online', 'h', '', '1', "
            "'2026-11-01 10:00:00.000000', '2026-11-01 10:00:00.000000', 1, "
            "'2026-12-27 10:00:00.000000')"))
        for task_id, state, assignee, principals in (
                ("t-open", "open", "piet", ["group:a", "user:piet"]),
                ("t-done", "completed", None, ["group:a"])):
            conn.execute(text(
                "INSERT INTO tasks (id, case_id, element_id, name, state, candidate_groups, "
                "candidate_users, assignee, kind, due_at, created_at) VALUES (:id, 3, 'T', "
                "'T', :state, 'a', '', :assignee, 'bpmn', '2026-12-27 10:00:00.000000', "
                "'2026-11-02 10:00:00.000000')"), {"id": task_id, "state": state,
                                                   "assignee": assignee})
            for principal in principals:
                conn.execute(text("INSERT INTO task_candidates (task_id, principal) "
                                  "VALUES (:id, :p)"), {"id": task_id, "p": principal})
    engine.dispose()
    command.upgrade(config, "head")
    database = Database(url)
    try:
        assert assert_entries_match_tasks(database) == 3
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT task_id, principal, state, shared, "
                                     "process_model_id FROM task_candidates "
                                     "ORDER BY task_id, principal")).all()
        assert [tuple(r) for r in rows] == [("t-done", "group:a", "completed", 0, 7),
                                            ("t-open", "group:a", "open", 1, 7),
                                            ("t-open", "user:piet", "open", 1, 7)]
    finally:
        database.dispose()
