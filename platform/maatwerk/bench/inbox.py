"""The inbox with many open tasks: the page's own query, and the full page over HTTP, for
every view a caseworker has (their groups', their own, filtered, searched, sorted)."""
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
from .setup import PASSWORD, analyze

USER = "bench-inbox"
GROUP = 7  # the bench user's group: groep-07
CHUNK = 5000
PROCESS_KEY = "bench_ten_tasks"

# name: (the service's filter, the page's query string); the first three are the headline
VARIANTS: dict[str, tuple[tasks.InboxFilter, dict[str, str]]] = {
    "groups": (tasks.InboxFilter(), {}),
    "groups_deadline": (tasks.InboxFilter(sort="deadline"), {"sorteer": "termijn"}),
    "mine": (tasks.InboxFilter(mine_only=True), {"weergave": "mijn"}),
    "mine_deadline": (tasks.InboxFilter(mine_only=True, sort="deadline"),
                      {"weergave": "mijn", "sorteer": "termijn"}),
    "process": (tasks.InboxFilter(process_key=PROCESS_KEY), {"proces": PROCESS_KEY}),
    "process_deadline": (tasks.InboxFilter(process_key=PROCESS_KEY, sort="deadline"),
                         {"proces": PROCESS_KEY, "sorteer": "termijn"}),
    "step": (tasks.InboxFilter(element_id="Task_3"), {"stap": "Task_3"}),
    "step_deadline": (tasks.InboxFilter(element_id="Task_3", sort="deadline"),
                      {"stap": "Task_3", "sorteer": "termijn"}),
    "unclaimed": (tasks.InboxFilter(claimed=False), {"opgepakt": "nee"}),
    "claimed_deadline": (tasks.InboxFilter(claimed=True, sort="deadline"),
                         {"opgepakt": "ja", "sorteer": "termijn"}),
    "search_reference": (tasks.InboxFilter(search="BE-00012"), {"zoek": "BE-00012"}),
    "search_name_deadline": (tasks.InboxFilter(search="Inwoner 42", sort="deadline"),
                             {"zoek": "Inwoner 42", "sorteer": "termijn"}),
    "search_nothing": (tasks.InboxFilter(search="Jansen"), {"zoek": "Jansen"}),
    "all_filters_deadline": (
        tasks.InboxFilter(process_key=PROCESS_KEY, element_id="Task_3", claimed=False,
                          search="Inwoner", sort="deadline"),
        {"proces": PROCESS_KEY, "stap": "Task_3", "opgepakt": "nee", "zoek": "Inwoner",
         "sorteer": "termijn"}),
}


def fill(database: Database, count: int, groups: int) -> None:
    """`count` open tasks spread over `groups` candidate groups, ten per case; every group
    sees all ten steps, one task in seven is claimed (some by the bench user), some of the
    bench user's tasks are offered to them by name as well (two candidate rows), each task
    carries its case's decision date and each candidate row (the inbox entry) copies of its
    task's columns, as the services keep them."""
    with database.engine.begin() as conn:
        model_id = conn.execute(select(ProcessModel.id).limit(1)).scalar_one()
        now = utcnow()
        for start in range(0, count // 10, CHUNK):
            rows = [{"reference": f"BE-{start + i:07d}", "process_model_id": model_id,
                     "status": "open", "data": {}, "channel": "online",
                     "resident_name": f"Inwoner {start + i}",
                     "status_token_hash": secrets.token_hex(32), "engine_state": "",
                     "engine_version": "bench", "created_at": now, "updated_at": now,
                     "row_version": 1, "due_at": now + timedelta(days=(start + i) % 60)}
                    for i in range(min(CHUNK, count // 10 - start))]
            conn.execute(insert(Case), rows)
        cases = list(conn.execute(select(Case.id, Case.due_at)
                                  .where(Case.engine_version == "bench").order_by(Case.id)))
        task_rows, candidate_rows = [], []
        for n in range(count):
            task_id = str(uuid.uuid4())
            group = f"groep-{n % groups:02d}"
            case_id, due_at = cases[n // 10 % len(cases)]
            assignee = None
            if n // groups % 7 == 3:
                assignee = USER if n % groups == GROUP else f"medewerker-{n % 7}"
            copied = {"case_id": case_id, "element_id": f"Task_{n // groups % 10}",
                      "state": "open", "assignee": assignee, "due_at": due_at,
                      "created_at": now - timedelta(seconds=count - n)}
            # one in eleven is also offered to a person by name: two candidate rows
            by_name = USER if n // groups % 11 == 5 and n % groups == GROUP else ""
            task_rows.append({"id": task_id, **copied, "name": f"Stap {n // groups % 10}",
                              "kind": "bpmn", "candidate_groups": group,
                              "candidate_users": by_name})
            for principal in [f"group:{group}"] + ([f"user:{by_name}"] if by_name else []):
                candidate_rows.append({"task_id": task_id, "principal": principal, **copied,
                                       "process_model_id": model_id, "shared": bool(by_name)})
            if len(task_rows) >= CHUNK:
                conn.execute(insert(Task), task_rows)
                conn.execute(insert(TaskCandidate), candidate_rows)
                task_rows, candidate_rows = [], []
        if task_rows:
            conn.execute(insert(Task), task_rows)
            conn.execute(insert(TaskCandidate), candidate_rows)
    analyze(database)


def run(url: str, env: dict[str, Any], tasks: int, groups: int) -> dict[str, Any]:
    from .__main__ import summary
    database = Database(url)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, USER, ["caseworker"], [f"groep-{GROUP:02d}"], PASSWORD)
    fill(database, tasks, groups)
    result: dict[str, Any] = {"tasks": tasks, "groups": groups, "variants": {}}
    for name, (flt, _query) in VARIANTS.items():
        result["variants"][name] = {"query": summary(_query_times(database, flt))}
    database.dispose()
    with Gunicorn(url, 1) as server:
        conn, cookie = log_in(server.port, USER)
        for name, (_flt, query) in VARIANTS.items():
            path = "/werk/" + (f"?{urlencode(query)}" if query else "")
            result["variants"][name]["page"] = summary(
                page_times(conn, cookie, path, b"Werkvoorraad"))
    # the headline figures, as before
    result["query"] = result["variants"]["groups"]["query"]
    result["query_deadline"] = result["variants"]["groups_deadline"]["query"]
    result["page"] = result["variants"]["groups"]["page"]
    return result


def _query_times(database: Database, flt: tasks.InboxFilter, repeats: int = 60) -> list[float]:
    times = []
    with UnitOfWork(database, readonly=True) as uow:
        actor = accounts.principal_by_username(uow, USER)
        assert actor is not None
    for i in range(repeats):
        with UnitOfWork(database, readonly=True) as uow:
            t0 = time.perf_counter()
            page = tasks.inbox(uow, actor, flt, page=1)
            elapsed = 1000 * (time.perf_counter() - t0)
        assert page.total == 0 or page.tasks
        if i >= 5:  # the first few warm the caches
            times.append(elapsed)
    return times


def log_in(port: int, user: str) -> tuple[http.client.HTTPConnection, str]:
    """One sign-in for all page runs (signing in is rate limited)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", "/inloggen")
    response = conn.getresponse()
    cookie = response.getheader("Set-Cookie", "").split(";")[0]
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.read().decode())
    assert csrf
    conn.request("POST", "/inloggen", urlencode({"csrf_token": csrf.group(1), "username": user,
                                                 "password": PASSWORD}),
                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    return conn, (response.getheader("Set-Cookie") or cookie).split(";")[0]


def page_times(conn: http.client.HTTPConnection, cookie: str, path: str, marker: bytes,
               repeats: int = 60) -> list[float]:
    """The times of GETting a page (the first five left out), which must say `marker`."""
    times = []
    for i in range(repeats):
        t0 = time.perf_counter()
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        body = response.read()
        elapsed = 1000 * (time.perf_counter() - t0)
        if response.status != 200 or marker not in body:
            raise RuntimeError(f"page {path} answered {response.status}")
        if i >= 5:
            times.append(elapsed)
    return times
