"""Timer start events of a process, as Camunda 7 runs them: the clock of the newest version
starts a new case at each moment of its date, duration, ISO 8601 cycle or (Quartz) cron
expression; the case takes the path from that start event. The worker starts each case
once, even with several workers; a plain start event beside it is where caseworkers start
cases by hand; a new version replaces the clocks of the old."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from conftest import login
from corpus_driver import drive
from helpers import bearer, case_of, complete, start, upload, worker_account
from maatwerk.cli import run_worker_pass
from maatwerk.engine import start_clock
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, Case, StartClock
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import timers

MODEL = Path(__file__).parent / "data" / "start_clocks.bpmn"
ORDERS = Path(__file__).parent / "data" / "corpus" / "camunda-examples" / "order-handling" / \
    "order-handling.bpmn"
KEY = "herbeoordeling"
MONDAY_0745 = datetime(2026, 12, 7, 7, 45, tzinfo=UTC)  # 08:45 in Amsterdam


def _clock(database: Database) -> StartClock:
    with UnitOfWork(database, readonly=True) as uow:
        clocks = list(uow.session.scalars(select(StartClock)))
        assert len(clocks) == 1
        uow.session.expunge(clocks[0])
        return clocks[0]


def _fire(database: Database, clock_id: int, now: datetime) -> bool:
    with UnitOfWork(database) as uow:
        return timers.fire_clock(uow, clock_id, now)


def _cases(database: Database) -> list[Case]:
    with UnitOfWork(database, readonly=True) as uow:
        found = list(uow.session.scalars(select(Case).order_by(Case.id)))
        uow.session.expunge_all()
        return found


def _with_clock(value: str, plain: bool = True, extra: str = "") -> str:
    text = MODEL.read_text(encoding="utf-8").replace("0 0 9 ? * 2-6", value)
    if not plain:
        text = text.replace('<bpmn:startEvent id="Start_Hand" name="Met de hand">',
                            '<bpmn:startEvent id="Start_Hand" name="Met de hand">'
                            '<bpmn:timerEventDefinition><bpmn:timeDate>2027-01-04T09:00:00'
                            '</bpmn:timeDate></bpmn:timerEventDefinition>')
    return text.replace("</bpmn:process>", extra + "</bpmn:process>")


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_the_clock_starts_a_case_on_the_timer_path_each_weekday_at_nine(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        model: dict[str, Any]) -> None:
    assert any(n["element_id"] == "Start_Werkdag" and "cron schedule '0 0 9 ? * 2-6'" in
               n["message"] for n in model["notes"])
    clock = _clock(database)
    assert clock.due_at > datetime.now(UTC) and clock.remaining is None
    assert clock.due_at.astimezone(start_clock._LOCAL).hour == 9
    assert clock.due_at.astimezone(start_clock._LOCAL).isoweekday() <= 5  # 2-6: MON-FRI
    with UnitOfWork(database) as uow:  # as if it was published on Monday before nine
        uow.session.execute(update(StartClock).values(due_at=MONDAY_0745 + timedelta(
            minutes=15)))
        uow.commit()
    assert _fire(database, clock.id, MONDAY_0745) is False  # not due yet
    assert _fire(database, clock.id, MONDAY_0745 + timedelta(minutes=15)) is True
    assert _fire(database, clock.id, MONDAY_0745 + timedelta(minutes=15)) is False  # moved on
    [case] = _cases(database)
    assert case.started_by is None
    body = case_of(client, tokens["consulent"], case.id)
    assert [t["element_id"] for t in body["open_tasks"]] == ["Task_Selecteren"]
    with UnitOfWork(database, readonly=True) as uow:
        started = uow.session.scalar(select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.action == "case_started"))
        assert started is not None and started.actor == "systeem"
        assert started.details["timer"] == "Start_Werkdag"
    moved = _clock(database)
    assert moved.due_at == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)  # Tuesday, nine o'clock
    assert moved.started == 1
    # fallen behind until Saturday: one case for what was missed, then Monday at nine
    assert _fire(database, clock.id, datetime(2026, 12, 12, 10, 0, tzinfo=UTC)) is True
    assert _clock(database).due_at == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    assert len(_cases(database)) == 2
    body = complete(client, tokens["consulent"], body, "Task_Selecteren", {})
    assert body["status"] == "completed"


def test_by_hand_a_case_takes_the_plain_start_and_the_timer_never_fires_in_it(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        model: dict[str, Any]) -> None:
    case = start(client, tokens["consulent"], KEY, {})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Dossier"]
    assert case["next_timer_at"] is None
    case = complete(client, tokens["consulent"], case, "Task_Dossier", {})
    assert case["status"] == "completed"


def test_the_worker_starts_a_due_case_once_and_a_cycle_runs_out(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, _with_clock("R2/PT1H"))])
    assert response.status_code == 201, response.get_json()
    clock = _clock(database)
    assert clock.remaining == 1
    assert timedelta(minutes=59) < clock.due_at - datetime.now(UTC) <= timedelta(hours=1)
    assert run_worker_pass(database) == 0
    with UnitOfWork(database) as uow:  # an hour later
        uow.session.execute(update(StartClock).values(
            due_at=datetime.now(UTC) - timedelta(seconds=1)))
        uow.commit()
    assert run_worker_pass(database) == 1
    assert run_worker_pass(database) == 0
    assert _clock(database).remaining == 0
    assert _fire(database, clock.id, datetime.now(UTC) + timedelta(hours=2)) is True
    with UnitOfWork(database, readonly=True) as uow:  # twice, and done
        assert uow.session.scalar(select(func.count()).select_from(StartClock)) == 0
    assert [c.status for c in _cases(database)] == ["open", "open"]


def test_several_workers_start_one_case_per_moment(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        model: dict[str, Any]) -> None:
    clock = _clock(database)
    outcomes: list[Any] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait()
        try:
            outcomes.append(_fire(database, clock.id, clock.due_at))
        except Exception as exc:  # a busy database counts as not started
            outcomes.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count(True) == 1, outcomes
    assert len(_cases(database)) == 1


def test_a_new_version_replaces_the_clocks_and_a_clock_only_process_is_not_started_by_hand(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        model: dict[str, Any]) -> None:
    old = _clock(database)
    response = upload(client, tokens["ontwerper"], [(MODEL.name, _with_clock(
        "R/2027-01-01T09:00:00+01:00/P1D", plain=False))])
    assert response.status_code == 201, response.get_json()
    with UnitOfWork(database, readonly=True) as uow:
        clocks = {c.element_id: c for c in uow.session.scalars(select(StartClock))}
        uow.session.expunge_all()
    assert set(clocks) == {"Start_Werkdag", "Start_Hand"}
    assert {c.process_model_id for c in clocks.values()} == {old.process_model_id + 1}
    assert clocks["Start_Werkdag"].due_at == datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    assert clocks["Start_Hand"].due_at == datetime(2027, 1, 4, 8, 0, tzinfo=UTC)
    assert clocks["Start_Hand"].remaining == 0
    assert _fire(database, clocks["Start_Hand"].id, datetime(2027, 1, 4, 8, 0, tzinfo=UTC))
    [case] = _cases(database)
    assert [t["element_id"] for t in case_of(client, tokens["consulent"], case.id)[
        "open_tasks"]] == ["Task_Dossier"]
    refused = client.post("/api/v1/cases", json={"process_key": KEY, "data": {},
                                                 "channel": "online"},
                          headers=bearer(tokens["consulent"]))
    assert refused.status_code == 422
    assert "started by its clock" in str(refused.get_json()), refused.get_json()


@pytest.mark.parametrize(("change", "element", "message"), [
    ({"value": "${volgendeMaandag}"}, "Start_Werkdag", "read when the model is published"),
    ({"value": "0 15 10 ? * 6L"}, "Start_Werkdag", "L, W and # in the day fields"),
    ({"value": "0 0 25 * * ?"}, "Start_Werkdag", "can't be read"),
    ({"value": "0 0 9 * *"}, "Start_Werkdag", "six or seven fields"),
    ({"value": "R0/PT1H"}, "Start_Werkdag", "never starts a case"),
    ({"value": "R/PT1H/2027-01-01T00:00:00Z"}, "Start_Werkdag", "ends at a moment"),
    ({"extra": '<bpmn:startEvent id="Start_Bericht"><bpmn:messageEventDefinition '
               'messageRef="M"/></bpmn:startEvent>'}, "Start_Werkdag",
     "no other start events"),
    ({"form": True}, "Start_Werkdag", "has no form"),
])
def test_a_clock_that_cannot_start_cases_is_refused_with_the_reason(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        change: dict[str, Any], element: str, message: str) -> None:
    text = _with_clock(change.get("value", "0 0 9 ? * 2-6"), extra=change.get("extra", ""))
    if change.get("form"):
        text = text.replace('<bpmn:startEvent id="Start_Werkdag"',
                            '<bpmn:startEvent id="Start_Werkdag" camunda:formKey="form:x"')
    response = upload(client, tokens["ontwerper"], [(MODEL.name, text)])
    assert response.status_code == 422, response.get_json()
    problems = response.get_json()["errors"]
    assert any(p["element_id"] == element and message in p["message"] for p in problems), \
        problems
    with UnitOfWork(database, readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(StartClock)) == 0


def test_quartz_cron_reads_as_camunda_7_does() -> None:
    published = datetime(2026, 12, 7, 4, 45, 3, tzinfo=UTC)  # a Monday
    every_five = start_clock.first("timeCycle", "0/5 0/1 * 1/1 * ?", published)
    assert every_five == start_clock.Due(datetime(2026, 12, 7, 4, 45, 5, tzinfo=UTC), None)
    sunday = start_clock.first("timeCycle", "0 30 12 ? * 1", published)
    assert sunday is not None and sunday.at == datetime(2026, 12, 13, 11, 30, tzinfo=UTC)
    # summer time: nine o'clock in Amsterdam is seven in UTC
    summer = start_clock.first("timeCycle", "0 0 9 1 7 ? 2027", published)
    assert summer is not None and summer.at == datetime(2027, 7, 1, 7, 0, tzinfo=UTC)
    once = start_clock.first("timeDuration", "P1D", published)
    assert once == start_clock.Due(published + timedelta(days=1), 0)
    assert start_clock.following("timeDuration", "P1D", once, once.at) is None
    began = start_clock.first("timeCycle", "R/2026-12-01T09:00:00+01:00/P1D", published)
    assert began == start_clock.Due(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), None)


def test_camundas_order_example_starts_an_order_every_five_seconds_and_runs_to_its_end(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    response = upload(client, tokens["ontwerper"], [(ORDERS.name, ORDERS.read_bytes())])
    assert response.status_code == 201, response.get_json()
    clock = _clock(database)
    assert (clock.element_id, clock.value) == ("StartEvent_1", "0/5 0/1 * 1/1 * ?")
    assert clock.due_at.second % 5 == 0
    assert _fire(database, clock.id, clock.due_at)
    assert _clock(database).due_at == clock.due_at + timedelta(seconds=5)
    [case] = _cases(database)
    worker = bearer(worker_account(database, "facturatie", ["invoiceCreator",
                                                            "invoiceArchiver"]))
    done = drive(client, tokens["consulent"], worker, case.id,
                 {"Task_06z99p1": {"invoiceId": "A123"}})
    # the invoice id set by the worker meets the subprocess's condition: it is archived
    assert done.trail == ["Task_06z99p1", "Task_1yjkccw"]
    assert case_of(client, tokens["consulent"], case.id)["data"]["invoiceId"] == "A123"
    # five seconds later the next order; without an invoice id (no such variable: the
    # condition is not met, as in Camunda) its subprocess just ends
    assert _fire(database, clock.id, clock.due_at + timedelta(seconds=5))
    second = _cases(database)[1]
    done = drive(client, tokens["consulent"], worker, second.id, {})
    assert done.trail == ["Task_06z99p1"]
    assert case_of(client, tokens["consulent"], second.id)["status"] == "completed"


def test_the_designer_sees_when_the_clock_starts_the_next_case(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        model: dict[str, Any]) -> None:
    login(client, "ontwerper")
    page = client.get(f"/ontwerp/{KEY}/1").get_data(as_text=True)
    assert "Start op de klok" in page
    assert "Elke werkdag om 9 uur: de volgende zaak start" in page
    assert "en daarna steeds weer. Tot nu toe gestart: 0." in page
    response = upload(client, tokens["ontwerper"], [(MODEL.name, _with_clock("R2/PT1H"))])
    assert response.status_code == 201
    page = client.get(f"/ontwerp/{KEY}/1").get_data(as_text=True)
    assert "de klok start alleen zaken van de nieuwste versie" in page
    page = client.get(f"/ontwerp/{KEY}/2").get_data(as_text=True)
    assert "daarna nog 1 keer. Tot nu toe gestart: 0." in page
