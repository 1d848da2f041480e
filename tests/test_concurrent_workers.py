"""Several real workers at once against several app processes on one PostgreSQL: each
external task is locked by one worker and completed once (FOR UPDATE SKIP LOCKED), and
every case runs on. The workers are the real camunda-external-task-client-python3."""
from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

from maatwerk.persistence import audit_log
from maatwerk.persistence.database import Database
from maatwerk.persistence.uow import UnitOfWork
from processes import AppProcess, wait_for
from test_external_tasks import python_worker_running
from test_multiprocess import (
    actions,
    apps,  # noqa: F401 - the fixture: two gunicorn app processes
    chain_ok,
    cli,
    needs_postgresql,
    open_rows,
    start_cases,
    upload_model,
)

CASES = 24
WORKERS = 4


@needs_postgresql
def test_four_workers_complete_each_external_task_once(
        apps: tuple[AppProcess, AppProcess], database: Database,  # noqa: F811
        demo_loaded: list[str], tmp_path: Path) -> None:
    upload_model(database, "external_task.bpmn")
    made = cli(database.url, tmp_path, "users", "create", "rekenaar", "--role", "worker",
               "--group", "toeslag-berekenen", "--password", "een-lang-wachtwoord")
    assert made.returncode == 0, made.stderr
    token = cli(database.url, tmp_path, "tokens", "create", "rekenaar").stdout.strip() \
        .splitlines()[-1]
    case_ids = start_cases(database, "toeslag_berekenen", CASES)
    started = time.monotonic()
    with ExitStack() as stack:
        workers = [stack.enter_context(python_worker_running(
            f"http://127.0.0.1:{apps[i % 2].port}", "rekenaar", token, tmp_path,
            worker_id=f"rekenaar-{i + 1}")) for i in range(WORKERS)]
        wait_for(lambda: all(open_rows(database, case_id) == ["Task_Beoordelen"]
                             for case_id in case_ids), 90, "every case past the worker's step",
                 interval=0.5)
        for process in workers:
            assert process.poll() is None  # no worker gave up
    assert time.monotonic() - started < 90
    for case_id in case_ids:
        seen = actions(database, case_id)
        assert seen[("external_task_completed", "Task_Berekenen")] == 1, (case_id, seen)
        assert seen[("task_opened", "Task_Beoordelen")] == 1, (case_id, seen)
    with UnitOfWork(database, readonly=True) as uow:
        by_worker = {event.details["worker_id"] for case_id in case_ids
                     for event in audit_log.events_of_case(uow.session, case_id)
                     if event.action == "external_task_completed"}
    assert len(by_worker) > 1, by_worker  # the work was shared
    chain_ok(database)
