"""The team lead's dashboard (issue 16): open work per team and person, cases near or past
their decision date (in working days), throughput per week, waiting time per step and
the deviation requests waiting for a decision, as server-drawn charts with tables of the
same figures. Checked against cases made here; trial cases stay out."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, BIJSTAND_FORM, bearer, complete, open_task, sign_in, start
from maatwerk.domain.workdays import add_working_days, amsterdam_today
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import Case, Deviation, Task, TaskCandidate
from maatwerk.persistence.uow import UnitOfWork
from test_accessibility import SHOTS, _violations

REASON = "De standaard past hier niet: de situatie van deze inwoner is echt anders."


def _set(database: Database, case_id: int, due_in: timedelta, task_age: timedelta) -> None:
    """Move a case's decision date (its open task's too) and its open task's age, in the
    task rows and their inbox copies."""
    now = datetime.now(UTC)
    task_values = {"created_at": now - task_age, "due_at": now + due_in}
    with UnitOfWork(database) as uow:
        uow.session.execute(update(Case).where(Case.id == case_id).values(due_at=now + due_in))
        opened = Task.case_id == case_id
        uow.session.execute(update(Task).where(opened, Task.state == "open").values(
            **task_values))
        uow.session.execute(update(TaskCandidate).where(
            TaskCandidate.case_id == case_id, TaskCandidate.state == "open").values(
            **task_values))
        uow.commit()


def _cases(client: FlaskClient, tokens: dict[str, str], database: Database) -> dict[str, Any]:
    """One case decided; one past its date with its task held by consulent (overdue);
    one due in three working days, not picked up, with a reassignment asked four days
    ago; one due in two months; and a trial case (not counted)."""
    worker, lead = tokens["consulent"], tokens["teamleider"]
    decided = start(client, worker, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    decided = complete(client, worker, decided, "Task_Volledigheid", {"volledig": "ja"})
    decided = complete(client, lead, decided, "Task_Vierogen", {
        "akkoord": True, "vierogen_toelichting": "Akkoord."})
    assert decided["status"] == "completed"
    late = start(client, worker, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    assert client.post(f"/api/v1/tasks/{open_task(late, 'Task_Volledigheid')['id']}/claim",
                       headers=bearer(worker)).status_code == 200
    _set(database, late["id"], -timedelta(days=3), timedelta(days=10))
    soon = start(client, worker, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    soon_date = add_working_days(amsterdam_today(), 3)
    _set(database, soon["id"], datetime.combine(soon_date, datetime.min.time(), UTC)
         + timedelta(hours=12) - datetime.now(UTC), timedelta(days=2))
    asked = client.post(f"/api/v1/cases/{soon['id']}/deviations", headers=bearer(worker),
                        json={"type": "reassign", "values": {"assignee": "consulent2"},
                              "task_id": open_task(soon, "Task_Volledigheid")["id"],
                              "reason": REASON, "legal_basis": "art. 4:84 Awb"})
    assert asked.status_code == 201, asked.get_json()
    with UnitOfWork(database) as uow:
        uow.session.execute(update(Deviation).where(Deviation.id == asked.get_json()["id"])
                            .values(requested_at=datetime.now(UTC) - timedelta(days=4)))
        uow.commit()
    later = start(client, worker, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    _set(database, later["id"], timedelta(days=60), timedelta(hours=1))
    login(client, "ontwerper")
    form = client.get("/ontwerp/bijzondere_bijstand/1/proefzaak").get_data(as_text=True)
    assert client.post("/ontwerp/bijzondere_bijstand/1/proefzaak",
                       data=dict(BIJSTAND_FORM, csrf_token=csrf_token(form))).status_code == 302
    return {"decided": decided, "late": late, "soon": soon, "later": later}


def _tables(html: str) -> dict[str, list[list[str]]]:
    """Each table of the page by its heading (or caption), as rows of cell texts."""
    found: dict[str, list[list[str]]] = {}
    for title, table in re.findall(
            r'aria-labelledby="([\w-]+)">\s*<table class="data-table">(.*?)</table>', html, re.S):
        found[title] = [[" ".join(re.sub(r"<[^>]+>", " ", c).split())
                         for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
                        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
                        if "<td" in row]
    return found


def test_the_dashboard_figures_match_the_cases(client: FlaskClient, tokens: dict[str, str],
                                               database: Database) -> None:
    made = _cases(client, tokens, database)
    login(client, "teamleider")
    page = client.get("/werk/team").get_data(as_text=True)
    assert "<h1>Teamoverzicht consulenten</h1>" in page
    tables = _tables(page)
    assert tables["teams-title"] == [["consulenten", "3", "2", "1"],  # no trial task
                                     ["teamleiders", "0", "0", "0"]]
    people = {row[0]: row[1:] for row in tables["people-title"]}
    assert people["Chris Consulent"] == ["1", "1"]
    assert people["Niet opgepakt"] == ["2", "0"]
    assert [row[0] for row in tables["overdue-title"]] == [made["late"]["reference"]]
    assert [row[0] for row in tables["soon-title"]] == [made["soon"]["reference"]]
    assert tables["soon-title"][0][3] == "3"
    this_week = tables["weeks-title"][-1]
    assert this_week[1:] == ["4", "1"]  # started (no trial), decided
    assert len(tables["weeks-title"]) == 8
    steps = tables["steps-title"]
    assert [row[:3] for row in steps] == [["Volledigheid controleren", "Bijzondere bijstand",
                                           "3"]]
    assert steps[0][3:] == ["2,0 dagen", "10,0 dagen"]
    assert [row[0] for row in tables["approvals-title"]] == [made["soon"]["reference"]]
    assert tables["approvals-title"][0][1:3] == ["Taak anders toewijzen", "Chris Consulent"]
    assert 'aria-labelledby="ages-chart-title"' in page and "3 tot 7 dagen" in page
    other = _tables(client.get("/werk/team?groep=teamleiders").get_data(as_text=True))
    assert other["overdue-title"][0][0] == made["late"]["reference"]  # bijstand names both
    assert other["weeks-title"][-1][1:] == ["4", "1"]
    assert _tables(client.get("/werk/team?groep=onbekend").get_data(as_text=True))[
        "teams-title"][0][0] == "consulenten"  # a team not theirs: their first one


def test_the_api_gives_the_same_figures(client: FlaskClient, tokens: dict[str, str],
                                       database: Database) -> None:
    made = _cases(client, tokens, database)
    answer = client.get("/api/v1/team?group=consulenten",
                        headers=bearer(tokens["teamleider"])).get_json()
    assert answer["group"] == "consulenten"
    assert answer["teams"][0] == {"group": "consulenten", "open": 3, "unassigned": 2,
                                  "overdue": 1}
    assert {"username": "consulent", "open": 1, "overdue": 1} in answer["people"]
    assert answer["people"][-1] == {"username": None, "open": 2, "overdue": 0}
    assert [c["reference"] for c in answer["overdue"]] == [made["late"]["reference"]]
    assert answer["overdue_count"] == 1 and answer["due_soon_count"] == 1
    assert answer["due_soon"][0]["working_days"] == 3
    assert datetime.fromisoformat(answer["due_soon"][0]["due_at"]).tzinfo is not None
    assert answer["weeks"][-1]["started"] == 4 and len(answer["weeks"]) == 8
    assert answer["steps"][0]["element_id"] == "Task_Volledigheid"
    assert answer["steps"][0]["waiting"] == 3 and answer["steps"][0]["median_days"] == 2.0
    assert answer["approvals"][0]["type"] == "reassign"
    assert {"age": "3 tot 7 dagen", "count": 1} in answer["approval_ages"]
    assert client.get("/api/v1/team?group=teamleiders", headers=bearer(
        tokens["teamleider"])).get_json()["teams"][1]["group"] == "teamleiders"
    refused = client.get("/api/v1/team", headers=bearer(tokens["consulent"]))
    assert refused.status_code == 403 and "team lead" in refused.get_json()["error"]


def test_the_dashboard_is_drawn(client: FlaskClient, tokens: dict[str, str],
                                database: Database, live_server: str, browser: Any) -> None:
    _cases(client, tokens, database)
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, "teamleider")
    page.get_by_role("link", name="Team", exact=True).click()
    page.get_by_role("heading", name="Teamoverzicht consulenten").wait_for()
    assert page.get_by_role("img", name="Open taken van het team per persoon").count() == 1
    assert page.locator("#people-chart-title ~ rect").count() >= 3
    assert _violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "team-dashboard.png"), full_page=True)
    page.get_by_label("Team", exact=True).select_option("teamleiders")
    page.get_by_role("button", name="Tonen").click()
    page.get_by_role("heading", name="Teamoverzicht teamleiders").wait_for()
    page.context.close()
