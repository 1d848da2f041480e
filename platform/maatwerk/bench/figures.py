"""The figures at scale (issue 16): the team dashboard, the heatmap and the deviation
register with 100,000 cases of a year and their 1,000,000 task rows, measured as the
services answer them (one read-only unit each) and as full pages through gunicorn."""
from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from ..persistence.database import Database
from ..persistence.models import Case, Deviation, ProcessModel, Task, TaskCandidate, utcnow
from ..persistence.uow import UnitOfWork
from ..services import accounts, deviation_register, heatmap, team_dashboard
from .http_runs import Gunicorn
from .inbox import log_in, page_times
from .setup import PASSWORD, analyze

LEAD = "bench-lead"
GROUP = "bench"  # the ten-task model's candidate group
CHUNK = 5000
STEPS = 10
OPEN_EVERY = 10  # one case in ten is still open, at step (case number % 10)
DEVIATION_EVERY = 50  # one case in fifty had a step skipped (approved)
REQUESTED_EVERY = 500  # one in five hundred has a request waiting


def _hours(n: int) -> float:
    """A task's time spent, spread from a quarter of an hour to some days."""
    return 0.25 + (n * 7919 % 997) / 10


def _case_rows(model_id: int, first: int, count: int, total: int, now: datetime
               ) -> list[dict[str, Any]]:
    rows = []
    for i in range(first, first + count):
        created = now - timedelta(days=365 * (total - i) / total)
        done = i % OPEN_EVERY != 0
        rows.append({"reference": f"FG-{i:07d}", "process_model_id": model_id,
                     "status": "completed" if done else "open", "data": {},
                     "channel": "online", "resident_name": f"Inwoner {i}",
                     "status_token_hash": secrets.token_hex(32), "engine_state": "",
                     "engine_version": "figures", "created_at": created, "updated_at": created,
                     "completed_at": created + timedelta(days=20) if done else None,
                     "row_version": 1, "due_at": created + timedelta(weeks=8)})
    return rows


def _task_rows(model_id: int, case_id: int, number: int, created: datetime,
               due_at: datetime, done: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A case's ten tasks one after another (an open case: up to its open step)."""
    tasks, entries = [], []
    moment = created
    last = STEPS if done else number // OPEN_EVERY % STEPS + 1
    for step in range(last):
        spent = timedelta(hours=_hours(number * STEPS + step))
        is_open = not done and step == last - 1
        copied = {"case_id": case_id, "element_id": f"Task_{step}",
                  "state": "open" if is_open else "completed",
                  "assignee": f"medewerker-{number % 7}" if number % 3 else None,
                  "due_at": due_at if is_open else None, "created_at": moment}
        task_id = str(uuid.uuid4())
        tasks.append({"id": task_id, **copied, "name": f"Stap {step}", "kind": "bpmn",
                      "candidate_groups": GROUP, "candidate_users": "",
                      "completed_at": None if is_open else moment + spent,
                      "completed_by": None if is_open else copied["assignee"]})
        entries.append({"task_id": task_id, "principal": f"group:{GROUP}", **copied,
                        "process_model_id": model_id, "shared": False})
        moment += spent
    return tasks, entries


def _deviation_rows(model_id: int, cases: list[tuple[int, datetime, str]]
                    ) -> list[dict[str, Any]]:
    rows = []
    for number, (case_id, created, status) in enumerate(cases):
        if number % DEVIATION_EVERY and number % REQUESTED_EVERY != 1:
            continue
        requested = number % REQUESTED_EVERY == 1 and status == "open"
        rows.append({"case_id": case_id, "process_model_id": model_id, "type": "skip_step",
                     "status": "requested" if requested else "approved",
                     "element_id": f"Task_{number % STEPS}", "values": {}, "before": {},
                     "after": {}, "reason": "De standaard past hier niet.",
                     "legal_basis": "art. 4:84 Awb", "requested_by": "medewerker-1",
                     "requested_at": created + timedelta(days=2),
                     "decided_by": None if requested else LEAD,
                     "decided_at": None if requested else created + timedelta(days=3)})
    return rows


def fill(database: Database, count: int) -> int:
    """`count` cases of the last year with their task rows and inbox entries (ten per
    finished case), and their deviations; returns how many task rows there are."""
    now = utcnow()
    with database.engine.begin() as conn:
        model_id = conn.execute(select(ProcessModel.id).limit(1)).scalar_one()
        for first in range(0, count, CHUNK):
            conn.execute(insert(Case), _case_rows(model_id, first, min(CHUNK, count - first),
                                                  count, now))
        cases = [(case_id, created, status) for case_id, created, status in conn.execute(
            select(Case.id, Case.created_at, Case.status)
            .where(Case.engine_version == "figures").order_by(Case.id))]
        tasks: list[dict[str, Any]] = []
        entries: list[dict[str, Any]] = []
        written = 0
        for number, (case_id, created, status) in enumerate(cases):
            more, more_entries = _task_rows(model_id, case_id, number, created,
                                            created + timedelta(weeks=8),
                                            status == "completed")
            tasks += more
            entries += more_entries
            if len(tasks) >= CHUNK:
                conn.execute(insert(Task), tasks)
                conn.execute(insert(TaskCandidate), entries)
                written += len(tasks)
                tasks, entries = [], []
        if tasks:
            conn.execute(insert(Task), tasks)
            conn.execute(insert(TaskCandidate), entries)
            written += len(tasks)
        conn.execute(insert(Deviation), _deviation_rows(model_id, cases))
    analyze(database)
    return written


def _times(database: Database, read: Any, repeats: int = 15) -> list[float]:
    times = []
    for i in range(repeats + 3):
        with UnitOfWork(database, readonly=True) as uow:
            t0 = time.perf_counter()
            read(uow)
            elapsed = 1000 * (time.perf_counter() - t0)
        if i >= 3:  # the first few warm the caches
            times.append(elapsed)
    return times


PAGES = {"dashboard": "/werk/team", "heatmap_year": "/ontwerp/bench_ten_tasks/1?periode=365",
         "heatmap_month": "/ontwerp/bench_ten_tasks/1?periode=30",
         "register": "/werk/afwijkingen"}


def run(url: str, count: int) -> dict[str, Any]:
    from .__main__ import summary
    database = Database(url)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, LEAD, ["teamlead", "designer"], [GROUP], PASSWORD)
    started = time.perf_counter()
    rows = fill(database, count)
    result: dict[str, Any] = {"cases": count, "tasks": rows,
                              "fill_seconds": round(time.perf_counter() - started, 1)}
    with UnitOfWork(database, readonly=True) as uow:
        lead = accounts.principal_by_username(uow, LEAD)
        model = uow.session.scalars(select(ProcessModel)).one()
        uow.session.expunge(model)
    assert lead is not None
    now = utcnow()
    reads = {
        "dashboard": lambda uow: team_dashboard.of(uow, GROUP, [GROUP]),
        "heatmap_year": lambda uow: heatmap.of(uow, [model], now - timedelta(days=365)),
        "heatmap_month": lambda uow: heatmap.of(uow, [model], now - timedelta(days=30)),
        "register": lambda uow: deviation_register.register(  # a page of the register
            uow, lead, deviation_register.RegisterFilter(), limit=100),
    }
    result["services"] = {name: summary(_times(database, read)) for name, read in reads.items()}
    database.dispose()
    with Gunicorn(url, 1) as server:
        conn, cookie = log_in(server.port, LEAD)
        result["pages"] = {name: summary(page_times(conn, cookie, path, b"<h1>", repeats=20))
                           for name, path in PAGES.items()}
    return result


HEADER = f"{'database':<11}{'figures, p95 ms (target 200)':<34}{'service':>10}{'page':>10}"


def report_lines(database: str, result: dict[str, Any]) -> list[str]:
    lines = [(f"{database:<11}{result['cases']} cases, {result['tasks']} task rows "
              f"(filled in {result['fill_seconds']} s)")]
    for name in PAGES:
        service = result["services"][name]["p95_ms"]
        page = result["pages"][name]["p95_ms"]
        lines.append(f"{database:<11}{name:<34}{service:>10.1f}{page:>10.1f}")
    return lines
