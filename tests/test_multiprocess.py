"""Many processes at once, for real: two gunicorn app processes (4 and 2 workers) and several
`maatwerk worker` processes, started as the README starts them, against one database.

What is checked
- Concurrent completions of one task, spread over both app processes: exactly one 200, the
  others 409, never a 500; the engine state, task rows and audit events show the step once.
- Concurrent completions of *different* tasks of one case (three parallel branches) from
  both processes: no lost update; all three are in the engine state, the data and the record.
- Three workers and fifty due timers: every timer fires exactly once, every case moves on,
  and each worker did part of the work (SKIP LOCKED hands each a different case).
- Crash safety: `kill -9` of a worker, and of a gunicorn worker, in the middle of a step.

How "the middle of a step" is hit without test hooks in production code
Every write transaction ends by locking the audit chain's head row (`audit_head`,
persistence/audit_log.append) to chain its events. The test holds that row lock from its own
connection, so a step runs up to its commit and then waits — with the case row locked and
its engine state, task rows and events already sent to PostgreSQL (the backend has a
transaction id, which proves it wrote). The test sees the waiting backend through
`pg_blocking_pids`, finds the process owning that connection (by its client port, through
/proc), kills it with SIGKILL, and only then releases the lock. PostgreSQL rolls the dead
connection's transaction back, so the case must be exactly as before the step; the step is
then done again: by the next worker (timers), by the user sending the request again (HTTP).

The PostgreSQL tests skip when MAATWERK_TEST_DATABASE_URL is not a PostgreSQL URL; the last
test runs the embedded setup (one SQLite file, two app processes, `maatwerk worker --once`)
in every run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, text

from conftest import TEST_SECRET, csrf_token
from helpers import BIJSTAND_AANVRAAG
from maatwerk import create_app
from maatwerk.config import ConfigError, Settings
from maatwerk.domain.principal import SYSTEM
from maatwerk.domain.process_model import UploadedFile
from maatwerk.engine import runtime
from maatwerk.persistence import audit_log
from maatwerk.persistence.audit_log import AuditHead
from maatwerk.persistence.database import Database, DatabaseBusy
from maatwerk.persistence.models import Case, Task, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, audit, cases, demo, process_models, timers
from processes import (
    BIN,
    ROOT,
    AppProcess,
    WorkerProcess,
    pid_with_local_port,
    process_env,
    race,
    request,
    upload,
    wait_for,
)

DATA = Path(__file__).parent / "data"
TEST_URL = os.environ.get("MAATWERK_TEST_DATABASE_URL", "")
needs_postgresql = pytest.mark.skipif(
    not TEST_URL.startswith("postgresql"),
    reason="real processes against PostgreSQL row locks (FOR UPDATE, SKIP LOCKED): set "
           "MAATWERK_TEST_DATABASE_URL to a postgresql+psycopg:// URL")
CASEWORKERS = ("consulent", "consulent2", "teamleider")  # all in the group consulenten
PARALLEL = ("Task_AdviesA", "Task_AdviesB", "Task_AdviesC")


# --- shared helpers ---------------------------------------------------------------------

def cli(database_url: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "maatwerk"), *args], env=process_env(database_url, tmp),
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def snapshot(database: Database, case_id: int) -> dict[str, Any]:
    """Everything a step may change: the case row, its task rows, its events, the chain."""
    with UnitOfWork(database, readonly=True) as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        rows = uow.session.scalars(select(Task).where(Task.case_id == case_id).order_by(Task.id))
        head = uow.session.get(AuditHead, 1)
        assert head is not None
        return {
            "case": (case.engine_state, case.data, case.status, case.next_timer_at,
                     case.row_version, case.updated_at, case.error),
            "tasks": [(t.id, t.element_id, t.state, t.assignee, t.completed_by) for t in rows],
            "events": [(e.id, e.action, e.hash)
                       for e in audit_log.events_of_case(uow.session, case_id)],
            "head": (head.last_event_id, head.last_hash),
        }


def actions(database: Database, case_id: int) -> Counter[tuple[str, str | None]]:
    """(action, element id) -> how often it is in the case's audit record."""
    with UnitOfWork(database, readonly=True) as uow:
        return Counter((e.action, e.details.get("element_id"))
                       for e in audit_log.events_of_case(uow.session, case_id))


def open_rows(database: Database, case_id: int) -> list[str]:
    with UnitOfWork(database, readonly=True) as uow:
        return sorted(t.element_id for t in uow.session.scalars(
            select(Task).where(Task.case_id == case_id, Task.state == "open")))


def engine_ready(database: Database, case_id: int) -> tuple[list[str], dict[str, Any]]:
    """What the stored engine state itself says: its ready user tasks and its data."""
    with UnitOfWork(database, readonly=True) as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        workflow = runtime.load(process_models.spec_bundle(uow, case.process_model),
                                case.engine_state)
        state = runtime.snapshot(workflow)
        return sorted(t.element_id for t in state.ready), state.data


def chain_ok(database: Database) -> None:
    with UnitOfWork(database, readonly=True) as uow:
        result = audit.verify(uow)
    assert result.ok, f"audit chain broken at {result.first_broken}: {result.reason}"


def make_due(database: Database, case_ids: list[int]) -> None:
    for case_id in case_ids:
        with UnitOfWork(database) as uow:
            timers.reschedule(uow, case_id, utcnow() - timedelta(seconds=1), SYSTEM)


def start_cases(database: Database, key: str, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        with UnitOfWork(database) as uow:
            ids.append(cases.start_case(uow, key, {}, "online", None).case.id)
    return ids


def upload_model(database: Database, filename: str) -> None:
    with UnitOfWork(database) as uow:
        designer = accounts.principal_by_username(uow, "ontwerper")
        assert designer is not None
        uow.rollback()
        process_models.upload(uow, designer, [UploadedFile(filename,
                                                           (DATA / filename).read_bytes())])


def complete_call(port: int, token: str, task_id: str, data: dict[str, Any]) -> Any:
    return lambda: request(port, "POST", f"/api/v1/tasks/{task_id}/complete", token,
                           {"data": data})


def no_server_errors(*logs: Path) -> None:
    for log in logs:
        content = log.read_text()
        assert "Traceback" not in content and "database is locked" not in content, \
            f"{log.name}:\n{content[-3000:]}"


class RowLock:
    """Holds the audit chain's head row lock from the test's own connection, so every
    step stops right before its commit; shows who waits for it."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.conn: Connection = database.engine.connect()
        self.conn.begin()
        self.pid = self.conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        self.conn.execute(text("SELECT id FROM audit_head WHERE id = 1 FOR UPDATE"))

    def waiting(self) -> list[dict[str, Any]]:
        """The backends waiting for this lock, directly or in the queue behind another
        waiter (PostgreSQL queues later waiters for a row behind the first one);
        `xid` set means the backend's transaction has already written."""
        with self.database.engine.connect() as monitor:
            rows = [dict(r) for r in monitor.execute(text(
                "SELECT pid, backend_xid::text AS xid, client_port, application_name, "
                "pg_blocking_pids(pid) AS blockers FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
                .mappings()]
        behind_me, grew = {self.pid}, True
        while grew:
            before = len(behind_me)
            behind_me |= {r["pid"] for r in rows if behind_me & set(r["blockers"])}
            grew = len(behind_me) > before
        return [r for r in rows if r["pid"] in behind_me]

    def case_row_locked(self, case_id: int) -> bool:
        with self.database.engine.connect() as probe:
            probe.execute(text("SET lock_timeout = '50ms'"))
            try:
                probe.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"),
                              {"id": case_id})
            except Exception as exc:
                probe.rollback()
                return isinstance(exc, DatabaseBusy)  # its lock_timeout passed
            probe.rollback()
            return False

    def release(self) -> None:
        if self.conn.in_transaction():
            self.conn.rollback()
        self.conn.close()


def backend_gone(database: Database, pid: int) -> bool:
    with database.engine.connect() as monitor:
        return monitor.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                               {"pid": pid}).scalar_one() == 0


# --- PostgreSQL: two app processes ------------------------------------------------------

@pytest.fixture(scope="module")
def apps(database_url: str, database: Database,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AppProcess, AppProcess]]:
    """Two gunicorn app processes, 4 and 2 workers, on free ports, one PostgreSQL."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    logs = tmp_path_factory.mktemp("apps")
    upgraded = cli(database_url, logs, "db", "upgrade")  # as the README says; a no-op here
    assert upgraded.returncode == 0, upgraded.stderr
    first = AppProcess(database_url, 4, logs, "app-1")
    second = AppProcess(database_url, 2, logs, "app-2")
    try:
        first.wait_ready()
        second.wait_ready()
        yield first, second
    finally:
        first.stop()
        second.stop()
    no_server_errors(first.log, second.log)


@needs_postgresql
def test_concurrent_completions_of_one_task_one_wins(
        apps: tuple[AppProcess, AppProcess], database: Database, tokens: dict[str, str],
        tmp_path: Path) -> None:
    # one more caseworker, made the README's way: with the command line
    created = cli(database.url, tmp_path, "users", "create", "piet", "--role", "caseworker",
                  "--group", "consulenten", "--password", "een-lang-wachtwoord")
    assert created.returncode == 0, created.stderr
    made = cli(database.url, tmp_path, "tokens", "create", "piet")
    assert made.returncode == 0, made.stderr
    people = {name: tokens[name] for name in CASEWORKERS} | {
        "piet": made.stdout.strip().splitlines()[-1]}
    ports = [app.port for app in apps]
    for round_ in range(3):
        status, case = request(ports[round_ % 2], "POST", "/api/v1/cases", tokens["consulent"],
                               {"process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG})
        assert status == 201, case
        task_id = next(t["id"] for t in case["open_tasks"]
                       if t["element_id"] == "Task_Volledigheid")
        names = list(people)  # every person on both app processes
        calls = [(ports[i % 2], names[(i // 2) % len(names)]) for i in range(12)]
        results = race([complete_call(port, people[name], task_id, {"volledig": "ja"})
                        for port, name in calls])
        statuses = sorted(r[0] for r in results if isinstance(r, tuple))
        assert statuses == [200] + [409] * 11, results
        winner = calls[next(i for i, r in enumerate(results)
                            if isinstance(r, tuple) and r[0] == 200)][1]
        for result in results:
            assert isinstance(result, tuple)
            if result[0] == 409:
                assert "no longer open" in result[1]["error"], result
        # the step happened once: in the audit record, the task rows and the engine state
        seen = actions(database, case["id"])
        assert seen[("task_completed", "Task_Volledigheid")] == 1
        assert seen[("task_opened", "Task_Vierogen")] == 1
        assert seen[("automatic_step", "Task_Draagkracht")] == 1, seen
        assert open_rows(database, case["id"]) == ["Task_Vierogen"]
        with UnitOfWork(database, readonly=True) as uow:
            done = uow.session.get(Task, task_id)
            assert done is not None and done.state == "completed"
            assert done.completed_by == winner
        ready, data = engine_ready(database, case["id"])
        assert ready == ["Task_Vierogen"] and data["volledig"] == "ja"
    verified = cli(database.url, tmp_path, "audit", "verify")
    assert verified.returncode == 0 and verified.stdout.startswith("ok:"), verified.stdout


@needs_postgresql
def test_concurrent_different_steps_on_one_case_lose_nothing(
        apps: tuple[AppProcess, AppProcess], database: Database, tokens: dict[str, str]) -> None:
    status, body = upload(apps[0].port, tokens["ontwerper"], DATA / "parallel_steps.bpmn")
    assert status == 201, body
    case_ids = []
    calls = []
    for n in range(4):
        status, case = request(apps[n % 2].port, "POST", "/api/v1/cases", tokens["consulent"],
                               {"process_key": "parallelle_stappen", "data": {}})
        assert status == 201, case
        case_ids.append(case["id"])
        by_element = {t["element_id"]: t["id"] for t in case["open_tasks"]}
        assert sorted(by_element) == list(PARALLEL)
        for i, element in enumerate(PARALLEL):  # each branch from another process and person
            field = "advies_" + element[-1].lower()
            calls.append(complete_call(apps[(n + i) % 2].port, tokens[CASEWORKERS[i]],
                                       by_element[element], {field: f"{element} van zaak {n}"}))
    results = race(calls)
    assert [r[0] if isinstance(r, tuple) else r for r in results] == [200] * 12, results
    for n, case_id in enumerate(case_ids):
        seen = actions(database, case_id)
        for element in PARALLEL:
            assert seen[("task_completed", element)] == 1
        assert seen[("task_opened", "Task_Afronden")] == 1
        assert open_rows(database, case_id) == ["Task_Afronden"]
        ready, data = engine_ready(database, case_id)  # the join saw all three branches
        assert ready == ["Task_Afronden"]
        expected = {f"advies_{e[-1].lower()}": f"{e} van zaak {n}" for e in PARALLEL}
        assert expected.items() <= data.items()
        status, body = request(apps[1].port, "GET", f"/api/v1/cases/{case_id}",
                               tokens["consulent"])
        assert status == 200 and expected.items() <= body["data"].items()
    chain_ok(database)


# --- PostgreSQL: workers ----------------------------------------------------------------

@needs_postgresql
def test_three_workers_fire_each_timer_once(database: Database, demo_loaded: list[str],
                                            tmp_path: Path) -> None:
    upload_model(database, "waiting_timer.bpmn")
    case_ids = start_cases(database, "wachttermijn", 50)
    make_due(database, case_ids)
    lock = RowLock(database)  # all three start before any of them may commit
    workers = []
    try:
        for n in range(3):
            url = f"{database.url}?application_name=maatwerk-worker-{n}"
            workers.append(WorkerProcess(url, tmp_path, f"worker-{n}"))
        # each worker holds a different case (SKIP LOCKED) and waits for the chain head
        wait_for(lambda: len({w["application_name"] for w in lock.waiting() if w["xid"]}) == 3,
                 60, "three workers, each in the middle of a different case")
        lock.release()
        wait_for(lambda: all(open_rows(database, c) == ["Task_NaTermijn"] for c in case_ids),
                 60, "every case past its timer")
        time.sleep(1.0)  # a few more passes each: a timer that fired twice would show
        for worker in workers:
            worker.process.send_signal(signal.SIGTERM)
        for worker in workers:
            assert worker.process.wait(timeout=20) == 0
    finally:
        lock.release()
        for worker in workers:
            worker.stop()
    no_server_errors(*(w.log for w in workers))
    for worker in workers:  # a line per pass that fired, not one per engine task
        assert "spiff" not in worker.log.read_text()
    for case_id in case_ids:
        seen = actions(database, case_id)
        assert seen[("timer_fired", "Timer_Reactietermijn")] == 1, (case_id, seen)
        assert seen[("task_opened", "Task_NaTermijn")] == 1
        assert engine_ready(database, case_id)[0] == ["Task_NaTermijn"]
    fired = [w.fired() for w in workers]
    assert sum(fired) == 50 and all(f >= 1 for f in fired), fired
    chain_ok(database)


@needs_postgresql
def test_killed_worker_leaves_the_case_as_it_was_and_the_next_one_fires(
        database: Database, demo_loaded: list[str], tmp_path: Path) -> None:
    upload_model(database, "waiting_timer.bpmn")
    [case_id] = start_cases(database, "wachttermijn", 1)
    make_due(database, [case_id])
    before = snapshot(database, case_id)
    lock = RowLock(database)
    worker = WorkerProcess(f"{database.url}?application_name=maatwerk-doomed", tmp_path,
                           "doomed")
    try:
        [backend] = wait_for(lambda: [w for w in lock.waiting() if w["xid"]], 60,
                             "the worker in the middle of firing the timer")
        assert lock.case_row_locked(case_id)  # it holds the case and has written
        assert pid_with_local_port(backend["client_port"], [worker.process.pid]) == \
            worker.process.pid
        worker.process.send_signal(signal.SIGKILL)
        assert worker.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        lock.release()
        worker.stop()
    wait_for(lambda: backend_gone(database, backend["pid"]), 30, "the dead worker's backend")
    assert snapshot(database, case_id) == before  # not half: nothing of the step is stored
    chain_ok(database)
    again = cli(database.url, tmp_path, "worker", "--once")
    assert again.returncode == 0, again.stderr
    assert "fired timers of 1 case(s)" in again.stderr
    seen = actions(database, case_id)
    assert seen[("timer_fired", "Timer_Reactietermijn")] == 1
    assert open_rows(database, case_id) == ["Task_NaTermijn"]
    chain_ok(database)


@needs_postgresql
def test_killed_web_worker_mid_completion_changes_nothing_and_can_be_redone(
        apps: tuple[AppProcess, AppProcess], database: Database, tokens: dict[str, str]) -> None:
    upload_model(database, "parallel_steps.bpmn")
    status, case = request(apps[1].port, "POST", "/api/v1/cases", tokens["consulent"],
                           {"process_key": "parallelle_stappen", "data": {}})
    assert status == 201, case
    task_id = next(t["id"] for t in case["open_tasks"] if t["element_id"] == "Task_AdviesA")
    before = snapshot(database, case["id"])
    app = apps[1]
    lock = RowLock(database)
    outcome: Any = None
    try:
        call = complete_call(app.port, tokens["consulent"], task_id, {"advies_a": "positief"})
        pending = in_background(call)
        [backend] = wait_for(lambda: [w for w in lock.waiting() if w["xid"]], 60,
                             "the completion in the middle of its transaction")
        assert lock.case_row_locked(case["id"])
        victim = pid_with_local_port(backend["client_port"], app.worker_pids())
        assert victim is not None, "no gunicorn worker owns the waiting connection"
        os.kill(victim, signal.SIGKILL)
        outcome = pending()
    finally:
        lock.release()
    assert isinstance(outcome, OSError), outcome  # the client sees the connection drop
    wait_for(lambda: backend_gone(database, backend["pid"]), 30, "the dead worker's backend")
    assert snapshot(database, case["id"]) == before
    chain_ok(database)
    wait_for(lambda: victim not in app.worker_pids(), 30, "gunicorn to notice the dead worker")
    app.wait_ready()  # and to start a new one in its place
    status, body = call()  # the person sends it again
    assert status == 200, body
    seen = actions(database, case["id"])
    assert seen[("task_completed", "Task_AdviesA")] == 1
    assert open_rows(database, case["id"]) == ["Task_AdviesB", "Task_AdviesC"]
    assert engine_ready(database, case["id"])[0] == ["Task_AdviesB", "Task_AdviesC"]
    chain_ok(database)


def in_background(call: Any) -> Any:
    """Start `call` in a thread now; the returned function waits for its result."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(call())
        except BaseException as exc:
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> Any:
        thread.join(60)
        assert box, "the request did not finish"
        return box[0]
    return result


# --- SQLite: the embedded setup with several processes ----------------------------------

def test_embedded_sqlite_with_two_app_processes_and_workers(tmp_path: Path) -> None:
    """One SQLite file, two gunicorn processes (2 workers each) and two `maatwerk worker
    --once` at the same time: one completion wins, the others get 409, never a 500 or
    'database is locked'; every due timer fires once."""
    url = f"sqlite:///{tmp_path / 'maatwerk.db'}"
    upgraded = cli(url, tmp_path, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    database = Database(url)
    apps: list[AppProcess] = []
    workers: list[WorkerProcess] = []
    try:
        with UnitOfWork(database) as uow:
            demo.load(uow, ROOT / "workflows", ROOT / "forms")
        with UnitOfWork(database) as uow:
            people = {name: accounts.create_token(uow, name)
                      for name in (*CASEWORKERS, "ontwerper")}
        apps = [AppProcess(url, 2, tmp_path, "sqlite-app-1"),
                AppProcess(url, 2, tmp_path, "sqlite-app-2")]
        for app in apps:
            app.wait_ready()
        status, body = upload(apps[0].port, people["ontwerper"], DATA / "waiting_timer.bpmn")
        assert status == 201, body
        timer_cases = []
        for n in range(10):
            status, case = request(apps[n % 2].port, "POST", "/api/v1/cases",
                                   people["consulent"], {"process_key": "wachttermijn"})
            assert status == 201, case
            timer_cases.append(case["id"])
        make_due(database, timer_cases)
        status, case = request(apps[1].port, "POST", "/api/v1/cases", people["consulent"],
                               {"process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG})
        assert status == 201, case
        task_id = next(t["id"] for t in case["open_tasks"]
                       if t["element_id"] == "Task_Volledigheid")
        calls = [complete_call(apps[i % 2].port, people[CASEWORKERS[i % 3]], task_id,
                               {"volledig": "ja"}) for i in range(8)]

        def run_workers() -> list[int]:
            workers.extend(WorkerProcess(url, tmp_path, f"sqlite-worker-{n}", once=True)
                           for n in range(2))
            return [w.process.wait(timeout=60) for w in workers]

        *results, exit_codes = race([*calls, run_workers])
        assert exit_codes == [0, 0], [w.log.read_text() for w in workers]
        statuses = sorted(r[0] for r in results if isinstance(r, tuple))
        assert statuses == [200] + [409] * 7, results
        assert sum(w.fired() for w in workers) == 10
        for case_id in timer_cases:
            assert actions(database, case_id)[("timer_fired", "Timer_Reactietermijn")] == 1
            assert open_rows(database, case_id) == ["Task_NaTermijn"]
        seen = actions(database, case["id"])
        assert seen[("task_completed", "Task_Volledigheid")] == 1
        assert open_rows(database, case["id"]) == ["Task_Vierogen"]
        chain_ok(database)
    finally:
        for process in (*apps, *workers):
            process.stop()
        database.dispose()
    no_server_errors(*(a.log for a in apps), *(w.log for w in workers))


# --- behind a reverse proxy -------------------------------------------------------------

@pytest.mark.parametrize(("proxies", "expected"), [
    (1, [422, 422, 429, 422]),  # the proxy's X-Forwarded-For tells residents apart
    (0, [422, 422, 429, 429]),  # no proxy trusted: the header is ignored, not believed
])
def test_behind_a_proxy_each_resident_has_their_own_rate_limit(
        database_url: str, demo_loaded: list[str], proxies: int, expected: list[int]) -> None:
    app = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET, testing=True,
                              form_limit=2, trusted_proxies=proxies))
    try:
        client = app.test_client()
        form = "/aanvragen/bijzondere_bijstand"
        token = csrf_token(client.get(form).get_data(as_text=True))
        codes = [client.post(form, data={"csrf_token": token},
                             headers={"X-Forwarded-For": address}).status_code
                 for address in ["203.0.113.7"] * 3 + ["198.51.100.9"]]
        assert codes == expected
    finally:
        app.extensions["maatwerk.db"].dispose()
    with pytest.raises(ConfigError, match="MAATWERK_TRUSTED_PROXIES"):
        Settings(database_url=database_url, secret_key=TEST_SECRET, trusted_proxies=-1)
