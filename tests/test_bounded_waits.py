"""No wait without a bound: a change that is never let go (a leaked session, a stuck
process) makes the next writer fail within the busy timeout with a clear error, on SQLite
and on PostgreSQL, with two real connections; nothing of the failed change is written, and
once the holder lets go the same change goes through."""
from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from conftest import TEST_SECRET, csrf_token, login, row_counts
from helpers import BIJSTAND_AANVRAAG, bearer, open_task, start
from maatwerk import create_app
from maatwerk.cli import run_worker_pass
from maatwerk.config import ConfigError, Settings
from maatwerk.domain.principal import SYSTEM
from maatwerk.persistence.database import Database, DatabaseBusy, Timeouts
from maatwerk.persistence.models import utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, tasks, timers

BUSY = 0.5  # seconds: the bound in these tests


@pytest.fixture
def bounded(database_url: str, database: Database) -> Iterator[Database]:
    """A second connection pool on the test database, with a short busy timeout that
    names the holder (as the test settings do)."""
    db = Database(database_url, Timeouts(busy=BUSY, name_holder=True))
    yield db
    db.dispose()


@contextmanager
def stuck_writer(database: Database, tables: str = "cases, tasks") -> Iterator[None]:
    """A write transaction that is not let go until the block ends: SQLite's writer lock;
    on PostgreSQL a lock on tables (by default the cases and tasks that every change to a
    case waits for)."""
    session = database.writer()
    try:
        if database.is_sqlite:
            session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the database is taken
        else:
            session.execute(text(f"LOCK TABLE {tables} IN EXCLUSIVE MODE"))
        yield
    finally:
        session.rollback()
        session.close()


def in_other_thread(call: Callable[[], Any]) -> tuple[Any, float]:
    """What `call` returned or raised, in a thread of its own (another connection), and how
    long it took."""
    outcome: list[Any] = []

    def run() -> None:
        began = time.monotonic()
        try:
            outcome.append(call())
        except Exception as exc:  # the test looks at what it was
            outcome.append(exc)
        outcome.append(time.monotonic() - began)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(BUSY + 20)
    assert not thread.is_alive(), "the waiting writer did not give up"
    return outcome[0], outcome[1]


def _complete(database: Database, task_id: str) -> object:
    with UnitOfWork(database) as uow:
        who = accounts.principal_by_username(uow, "consulent")
        return tasks.complete(uow, task_id, {"volledig": "ja"}, who)


def test_a_stuck_writer_makes_the_next_fail_within_the_bound(
        client: FlaskClient, tokens: dict[str, str], bounded: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    before = row_counts(bounded)
    with stuck_writer(bounded):
        failed, took = in_other_thread(lambda: _complete(bounded, task["id"]))
    assert isinstance(failed, DatabaseBusy), failed
    assert BUSY * 0.9 <= took < BUSY + 5, took
    assert "The database is busy" in str(failed) and f"{BUSY:g} s" in str(failed)
    # the test settings name where the holder took the database
    assert "stuck_writer" in str(failed), str(failed)
    assert row_counts(bounded) == before
    still = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert [t["element_id"] for t in still.get_json()["open_tasks"]] == ["Task_Volledigheid"]
    # let go: the same change goes through at once, on the same pool
    done, took = in_other_thread(lambda: _complete(bounded, task["id"]))
    assert not isinstance(done, Exception), done
    assert took < BUSY


def test_a_second_writer_in_the_same_thread_fails_too(bounded: Database,
                                                      demo_loaded: list[str]) -> None:
    """A thread that already writes cannot queue behind itself; SQLite's busy timeout (and
    PostgreSQL's lock_timeout) bound that wait as well."""
    with stuck_writer(bounded), UnitOfWork(bounded) as uow:
        began = time.monotonic()
        with pytest.raises(DatabaseBusy, match="The database is busy"):
            uow.session.execute(text("UPDATE cases SET row_version = row_version"))
    assert time.monotonic() - began < BUSY + 5


def _busy_app(database_url: str) -> Any:
    return create_app(Settings(database_url=database_url, secret_key=TEST_SECRET,
                               testing=True, db_busy_timeout=BUSY))


def test_the_api_answers_503_with_retry_after(client: FlaskClient, tokens: dict[str, str],
                                              database_url: str, bounded: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    app = _busy_app(database_url)
    try:
        api = app.test_client()
        with stuck_writer(bounded):
            response, _ = in_other_thread(lambda: api.post(
                f"/api/v1/tasks/{task['id']}/complete", headers=bearer(tokens["consulent"]),
                json={"data": {"volledig": "ja"}}))
        assert response.status_code == 503, response.get_data(as_text=True)
        assert response.headers["Retry-After"] == "5"
        assert response.get_json()["error"].startswith("The database is busy")
        assert "stuck_writer" not in response.get_json()["error"]  # no code paths to clients
    finally:
        app.extensions["maatwerk.db"].dispose()


def test_a_page_says_so_in_dutch_with_retry_after(client: FlaskClient, tokens: dict[str, str],
                                                  database_url: str, bounded: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    app = _busy_app(database_url)
    try:
        browser = app.test_client()
        login(browser, "consulent")
        token = csrf_token(browser.get(f"/werk/taken/{task['id']}").get_data(as_text=True))
        with stuck_writer(bounded):
            page, _ = in_other_thread(lambda: browser.post(
                f"/werk/taken/{task['id']}/oppakken", data={"csrf_token": token}))
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "5"
        html = page.get_data(as_text=True)
        assert "Het is nu erg druk; uw wijziging is niet opgeslagen" in html
        claimed = browser.post(f"/werk/taken/{task['id']}/oppakken",
                               data={"csrf_token": token})
        assert claimed.status_code == 302  # let go: it works
    finally:
        app.extensions["maatwerk.db"].dispose()


def test_postgresql_sessions_carry_their_bounds(bounded: Database) -> None:
    if bounded.is_sqlite:
        with bounded.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY * 1000
        return
    with bounded.engine.connect() as conn:
        shown = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in (
            "lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")}
    assert shown == {"lock_timeout": "500ms", "statement_timeout": "1min",
                     "idle_in_transaction_session_timeout": "1min"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"db_busy_timeout": 0}, "MAATWERK_DB_BUSY_TIMEOUT"),
    ({"db_busy_timeout": 90, "db_statement_timeout": 60}, "MAATWERK_DB_BUSY_TIMEOUT"),
    ({"db_idle_timeout": -1}, "MAATWERK_DB_IDLE_TIMEOUT"),
])
def test_impossible_bounds_are_refused_at_start(changes: dict[str, float], field: str) -> None:
    with pytest.raises(ConfigError, match=field):
        Settings(database_url="sqlite:///x.db", secret_key=TEST_SECRET, **changes)


def test_the_worker_logs_it_and_fires_the_timer_on_its_next_pass(
        client: FlaskClient, tokens: dict[str, str], bounded: Database,
        caplog: pytest.LogCaptureFixture) -> None:
    features = Path(__file__).parent / "data" / "features.bpmn"
    assert client.post("/api/v1/process-models", data={"files": [
        (io.BytesIO(features.read_bytes()), "features.bpmn")]}, headers=bearer(
        tokens["ontwerper"]), content_type="multipart/form-data").status_code == 201
    case = start(client, tokens["consulent"], "features", {"naam": "Ali", "leeftijd": 30,
                                                           "soort": "klein"})
    done = client.post(f"/api/v1/tasks/{open_task(case, 'Task_Toegewezen')['id']}/complete",
                       json={"data": {"oordeel": True}}, headers=bearer(tokens["consulent"]))
    assert done.status_code == 200, done.get_json()
    with UnitOfWork(bounded) as uow:
        timers.reschedule(uow, case["id"], utcnow() - timedelta(seconds=1), SYSTEM)
    with caplog.at_level(logging.WARNING, logger="maatwerk"), stuck_writer(bounded):
        fired, _ = in_other_thread(lambda: run_worker_pass(bounded))
    assert fired == 0
    assert f"timers of case {case['id']} wait for the next pass: The database is busy" \
        in caplog.text
    assert run_worker_pass(bounded) == 1  # let go: the next pass fires it


def test_a_command_exits_non_zero_with_the_message(database_url: str, bounded: Database,
                                                   demo_loaded: list[str]) -> None:
    env = dict(os.environ, MAATWERK_DATABASE_URL=database_url, MAATWERK_SECRET_KEY="x" * 32,
               MAATWERK_DB_BUSY_TIMEOUT=str(BUSY))
    with stuck_writer(bounded, "users"):
        run = subprocess.run(
            [sys.executable, "-m", "maatwerk.cli", "users", "create", "piet", "--role",
             "caseworker", "--password", "geheim-wachtwoord"],
            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 3, run.stderr
    assert "error: The database is busy" in run.stderr
    with UnitOfWork(bounded, readonly=True) as uow:
        assert accounts.principal_by_username(uow, "piet") is None
