"""The inbox with many open tasks: the page's own query, and the full page over HTTP."""
from __future__ import annotations

import http.client
import re
import secrets
import time
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import insert, select

from ..persistence.database import Database
from ..persistence.models import Case, ProcessModel, Task, TaskCandidate, utcnow
from ..persistence.uow import UnitOfWork
from ..services import accounts, tasks
from .http_runs import Gunicorn
from .setup import PASSWORD

USER = "bench-inbox"
CHUNK = 5000


def fill(database: Database, count: int, groups: int) -> None:
    """`count` open tasks spread over `groups` candidate groups, ten per case."""
    with database.engine.begin() as conn:
        model_id = conn.execute(select(ProcessModel.id).limit(1)).scalar_one()
        now = utcnow()
        case_ids: list[int] = []
        for start in range(0, count // 10, CHUNK):
            rows = [{"reference": f"BE-{start + i:07d}", "process_model_id": model_id,
                     "status": "open", "data": {}, "channel": "online",
                     "resident_name": f"Inwoner {start + i}",
                     "status_token_hash": secrets.token_hex(32), "engine_state": "",
                     "engine_version": "bench", "created_at": now, "updated_at": now,
                     "row_version": 1, "due_at": now + timedelta(days=(start + i) % 60)}
                    for i in range(min(CHUNK, count // 10 - start))]
            conn.execute(insert(Case), rows)
        case_ids = list(conn.execute(select(Case.id).where(Case.engine_version == "bench"))
                        .scalars())
        task_rows, candidate_rows = [], []
        for n in range(count):
            task_id = str(uuid.uuid4())
            group = f"groep-{n % groups:02d}"
            case_id = case_ids[n // 10 % len(case_ids)]
            task_rows.append({"id": task_id, "case_id": case_id, "element_id": f"Task_{n % 10}",
                              "name": f"Stap {n % 10}", "state": "open", "kind": "bpmn",
                              "candidate_groups": group, "candidate_users": "",
                              "created_at": now - timedelta(seconds=count - n),
                              "due_at": now + timedelta(days=n % 60)})
            candidate_rows.append({"task_id": task_id, "principal": f"group:{group}"})
            if len(task_rows) >= CHUNK:
                conn.execute(insert(Task), task_rows)
                conn.execute(insert(TaskCandidate), candidate_rows)
                task_rows, candidate_rows = [], []
        if task_rows:
            conn.execute(insert(Task), task_rows)
            conn.execute(insert(TaskCandidate), candidate_rows)
    if database.url.startswith("postgresql"):
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def run(url: str, env: dict[str, Any], tasks: int, groups: int) -> dict[str, Any]:
    from .__main__ import summary
    database = Database(url)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, USER, ["caseworker"], ["groep-07"], PASSWORD)
    fill(database, tasks, groups)
    result = {"tasks": tasks, "groups": groups,
              "query": summary(_query_times(database, "created")),
              "query_deadline": summary(_query_times(database, "deadline"))}
    database.dispose()
    with Gunicorn(url, 1) as server:
        result["page"] = summary(_page_times(server.port))
    return result


def _query_times(database: Database, sort: str, repeats: int = 60) -> list[float]:
    times = []
    with UnitOfWork(database, readonly=True) as uow:
        actor = accounts.principal_by_username(uow, USER)
        assert actor is not None
    for i in range(repeats):
        with UnitOfWork(database, readonly=True) as uow:
            t0 = time.perf_counter()
            page = tasks_inbox(uow, actor, sort)
            elapsed = 1000 * (time.perf_counter() - t0)
        assert page.total == 0 or page.tasks
        if i >= 5:  # the first few warm the caches
            times.append(elapsed)
    return times


def tasks_inbox(uow: UnitOfWork, actor: Any, sort: str) -> tasks.InboxPage:
    return tasks.inbox(uow, actor, tasks.InboxFilter(sort=sort), page=1)


def _page_times(port: int, repeats: int = 60) -> list[float]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/inloggen")
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
    assert csrf
    conn.request("POST", "/inloggen", urlencode({"csrf_token": csrf.group(1), "username": USER,
                                                 "password": PASSWORD}),
                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    cookie = (response.getheader("Set-Cookie") or cookie).split(";")[0]
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        conn.request("GET", "/werk/", headers={"Cookie": cookie})
        response = conn.getresponse()
        body = response.read()
        elapsed = 1000 * (time.perf_counter() - t0)
        if response.status != 200 or b"Werkvoorraad" not in body:
            raise RuntimeError(f"inbox page answered {response.status}")
        if i >= 5:
            times.append(elapsed)
    return times
