"""The heatmap on a designer's model page (issue 16): per step how often it was done, how
many cases wait there, the median and 90th percentile of the time spent on it and the
approved deviations by type, in a period; the diagram coloured by the measure chosen, the
same figures in a table; trial cases stay out. Checked against cases made here."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import update

from conftest import csrf_token, login
from helpers import (
    BIJSTAND_AANVRAAG,
    BIJSTAND_FORM,
    bearer,
    bijstand_with,
    complete,
    open_task,
    sign_in,
    start,
    upload,
)
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import Task, TaskCandidate
from maatwerk.persistence.uow import UnitOfWork
from test_accessibility import SHOTS, _violations

REASON = "De standaard past hier niet: de situatie van deze inwoner is echt anders."
FORM = BIJSTAND_FORM


def _took(database: Database, task_id: str, started: datetime, hours: float) -> None:
    with UnitOfWork(database) as uow:
        uow.session.execute(update(Task).where(Task.id == task_id).values(
            created_at=started, completed_at=started + timedelta(hours=hours)))
        uow.session.execute(update(TaskCandidate).where(  # the inbox's copy
            TaskCandidate.task_id == task_id).values(created_at=started))
        uow.commit()


def _cases(client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    """Three applications: two checked (in 2 hours, and in 10 hours 100 days ago), one
    waiting whose task went to a colleague by an approved deviation; and a trial case."""
    token = tokens["consulent"]
    now = datetime.now(UTC)
    for hours, started in ((2.0, now - timedelta(hours=3)), (10.0, now - timedelta(days=100))):
        case = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
        task = open_task(case, "Task_Volledigheid")
        complete(client, token, case, "Task_Volledigheid", {"volledig": "ja"})
        _took(database, task["id"], started, hours)
    waiting = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    asked = client.post(f"/api/v1/cases/{waiting['id']}/deviations", headers=bearer(token),
                        json={"type": "reassign", "values": {"assignee": "consulent2"},
                              "task_id": open_task(waiting, "Task_Volledigheid")["id"],
                              "reason": REASON, "legal_basis": "art. 4:84 Awb"})
    assert client.post(f"/api/v1/deviations/{asked.get_json()['id']}/approve",
                       headers=bearer(tokens["teamleider"]), json={}).status_code == 200
    login(client, "ontwerper")
    form = client.get("/ontwerp/bijzondere_bijstand/1/proefzaak").get_data(as_text=True)
    assert client.post("/ontwerp/bijzondere_bijstand/1/proefzaak",
                       data=dict(FORM, csrf_token=csrf_token(form))).status_code == 302


def _table(html: str) -> dict[str, list[str]]:
    table = re.search(r'id="heat-table-title".*?</table>', html, re.S)
    assert table is not None
    return {cells[0]: cells[1:] for cells in (
        [" ".join(re.sub(r"<[^>]+>", " ", c).split())
         for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)) if cells}


def _shown(html: str) -> dict[str, Any]:
    found = re.search(r"data-heat='([^']*)'", html)
    assert found is not None
    import json
    shown: dict[str, Any] = json.loads(found.group(1).replace("&#34;", '"'))
    return shown


def test_the_heatmap_figures_match_the_cases(client: FlaskClient, tokens: dict[str, str],
                                             database: Database) -> None:
    _cases(client, tokens, database)
    page = client.get("/ontwerp/bijzondere_bijstand/1").get_data(as_text=True)
    rows = _table(page)
    assert rows["Volledigheid controleren"] == [
        "2", "1", "6,0 uur", "10,0 uur",
        "Taak anders toewijzen: 1 ( in het register : Volledigheid controleren )"]  # no trial
    assert rows["Vierogencontrole besluit"] == ["0", "2", "—", "—", "—"]
    register = "/werk/afwijkingen?process_key=bijzondere_bijstand&element_id=Task_Volledigheid"
    assert _shown(page) == {"Task_Vierogen": {"level": 5, "label": "2", "link": None},
                            "Task_Volledigheid": {"level": 3, "label": "1", "link": register}}
    assert f'href="{register.replace("&", "&amp;")}"' in page  # the table's link too
    recent = client.get("/ontwerp/bijzondere_bijstand/1?maat=median&periode=30"
                        ).get_data(as_text=True)
    assert _table(recent)["Volledigheid controleren"][:4] == ["1", "1", "2,0 uur", "2,0 uur"]
    assert _shown(recent) == {"Task_Volledigheid": {"level": 5, "label": "2,0 uur",
                                                    "link": register}}
    assert _shown(client.get("/ontwerp/bijzondere_bijstand/1?maat=deviations").get_data(
        as_text=True))["Task_Volledigheid"]["level"] == 5
    odd = client.get("/ontwerp/bijzondere_bijstand/1?maat=x&periode=7")
    assert odd.status_code == 200 and _shown(odd.get_data(as_text=True)) == _shown(page)

    files = [(n, c if isinstance(c, bytes) else c.encode()) for n, c in bijstand_with()]
    assert upload(client, tokens["ontwerper"], [  # version 2, published, with one case
        (n, c + b"<!-- 2 -->" if n.endswith(".bpmn") else c) for n, c in files]
        ).status_code == 201
    assert start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)[
        "process_version"] == 2
    assert _table(client.get("/ontwerp/bijzondere_bijstand/1").get_data(as_text=True))[
        "Volledigheid controleren"][:2] == ["2", "1"]  # this version
    assert _table(client.get("/ontwerp/bijzondere_bijstand/1?versies=alle").get_data(
        as_text=True))["Volledigheid controleren"][:2] == ["2", "2"]  # and version 2's


def test_the_heatmap_is_drawn(client: FlaskClient, tokens: dict[str, str],
                              database: Database, live_server: str, browser: Any) -> None:
    _cases(client, tokens, database)
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, "ontwerper")
    page.goto(f"{live_server}/ontwerp/bijzondere_bijstand/1")
    page.get_by_label("Kleur naar").select_option(label="Gedaan")
    page.get_by_role("button", name="Tonen").click()
    page.locator(".diagram--ready").wait_for()
    assert page.locator('[data-element-id="Task_Volledigheid"].heat-5').count() == 1
    assert _violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "heatmap.png"), full_page=True)
    page.locator('[data-element-id="Task_Volledigheid"]').click()  # its deviations
    page.wait_for_url(re.compile(r"/werk/afwijkingen\?.*element_id=Task_Volledigheid"))
    assert page.get_by_role("cell", name="Taak anders toewijzen").count() >= 1
    page.context.close()
