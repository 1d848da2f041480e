"""The step times behind the heatmap (issue 16, migration 0030): a trigger on the tasks
table counts each completed task of a real case in per step, week of completion and
duration bucket, and counts it out again when its row changes; trial cases and added
steps stay out; the migration fills them from the tasks already done. (Every test's
teardown also checks that the step times agree with the tasks: conftest.)"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import select, update

from conftest import csrf_token, login, step_times_from_tasks
from helpers import BIJSTAND_AANVRAAG, BIJSTAND_FORM, bearer, complete, open_task, start
from maatwerk.persistence.database import Database
from maatwerk.persistence.migrate import alembic_config
from maatwerk.persistence.models import Case, StepTime, Task, TaskCandidate
from maatwerk.persistence.uow import UnitOfWork


def _rows(database: Database) -> dict[tuple[str, int], tuple[int, float]]:
    with UnitOfWork(database, readonly=True) as uow:
        return {(row.element_id, row.bucket): (row.count, round(row.minutes, 3))
                for row in uow.session.scalars(select(StepTime)) if row.count}


def _took(database: Database, task_id: str, created: datetime, completed: datetime) -> None:
    """Set a done task's times (and its inbox copy of the start)."""
    with UnitOfWork(database) as uow:
        uow.session.execute(update(Task).where(Task.id == task_id).values(
            created_at=created, completed_at=completed))
        uow.session.execute(update(TaskCandidate).where(TaskCandidate.task_id == task_id)
                            .values(created_at=created))
        uow.commit()


def _added_step_done(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
            "type": "add_task", "task_id": open_task(case, "Task_Volledigheid")["id"],
            "legal_basis": "art. 4:84 Awb", "reason": "Eerst de woning zien, dan beslissen.",
            "values": {"title": "Huisbezoek", "instructions": "Bekijk de woonsituatie."}})
    case = client.post(f"/api/v1/deviations/{asked.get_json()['id']}/approve", json={},
                       headers=bearer(tokens["teamleider"])).get_json()["case"]
    added = next(t for t in case["open_tasks"] if t["kind"] == "adhoc")
    assert client.post(f"/api/v1/tasks/{added['id']}/complete", json={"data": {
        "bevindingen": "De woning is bezocht; de aanvraag klopt."}},
                       headers=bearer(tokens["consulent"])).status_code == 200


def _trial_task_done(client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    login(client, "ontwerper")
    form = client.get("/ontwerp/bijzondere_bijstand/1/proefzaak").get_data(as_text=True)
    assert client.post("/ontwerp/bijzondere_bijstand/1/proefzaak",
                       data=dict(BIJSTAND_FORM, csrf_token=csrf_token(form))).status_code == 302
    with UnitOfWork(database, readonly=True) as uow:
        task_id = uow.session.scalar(select(Task.id).join(Case, Case.id == Task.case_id).where(
            Case.trial.is_(True), Task.state == "open"))
    assert client.post(f"/api/v1/tasks/{task_id}/complete", json={"data": {"volledig": "ja"}},
                       headers=bearer(tokens["consulent"])).status_code == 200


def test_completed_tasks_of_real_cases_are_counted(client: FlaskClient,
                                                   tokens: dict[str, str],
                                                   database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    _added_step_done(client, tokens)
    _trial_task_done(client, tokens, database)
    rows = _rows(database)
    assert [key[0] for key in rows] == ["Task_Volledigheid"]
    assert sum(count for count, _ in rows.values()) == 1  # no added step, no trial case
    # the task's times change: it is counted out of its bucket and into the new one
    started = datetime.now(UTC) - timedelta(hours=30)
    _took(database, task["id"], started, started + timedelta(hours=6, minutes=30))
    assert _rows(database) == {("Task_Volledigheid", 390): (1, 390.0)}


def test_the_migration_fills_them_from_the_tasks_done(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        database_url: str) -> None:
    for hours in (2, 10, 10):
        case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
        task = open_task(case, "Task_Volledigheid")
        complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
        _took(database, task["id"], datetime.now(UTC) - timedelta(hours=hours),
              datetime.now(UTC))
    kept = _rows(database)
    assert {count for count, _ in kept.values()} == {1, 2}
    config = alembic_config(database_url)
    command.downgrade(config, "0029")
    command.upgrade(config, "head")
    assert _rows(database) == kept
    assert step_times_from_tasks(database) != {}
