"""External tasks through Camunda 7's REST API on gunicorn: how many fetch-and-lock plus
complete pairs per second one and four workers get through, next to the user-task figures.

The model is the ten-task benchmark model with its user tasks as external service tasks
(topic `bench`); the cases are started before the clock runs."""
from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from ..domain.process_model import UploadedFile
from ..persistence.database import Database
from ..persistence.uow import UnitOfWork
from ..services import accounts, process_models
from .http_runs import Client, Gunicorn
from .setup import PASSWORD
from .threads import timed

KEY = "bench_ten_external"
TOPIC = "bench"


def model(ten_tasks: Path) -> UploadedFile:
    """The ten-task model with external service tasks instead of user tasks."""
    text = ten_tasks.read_text(encoding="utf-8").replace("bench_ten_tasks", KEY)
    text = re.sub(r'<bpmn:userTask ([^>]*?)camunda:candidateGroups="bench">',
                  rf'<bpmn:serviceTask \1camunda:type="external" camunda:topic="{TOPIC}">', text)
    text = text.replace("</bpmn:userTask>", "</bpmn:serviceTask>")
    return UploadedFile("ten_external.bpmn", text.encode())


def prepare(url: str, ten_tasks: Path) -> str:
    """Upload the model and make a worker account for its topic; its token."""
    database = Database(url)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, "bench-worker", ["worker"], [TOPIC], PASSWORD)
    with UnitOfWork(database) as uow:
        designer = accounts.principal_by_username(uow, "bench-designer")
        assert designer is not None
        process_models.upload(uow, designer, [model(ten_tasks)])
    with UnitOfWork(database) as uow:
        token = accounts.create_token(uow, "bench-worker")
    database.dispose()
    return token


def _work(port: int, token: str, worker_id: str, latencies: list[float],
          failures: list[BaseException]) -> None:
    """Fetch one task, complete it; until none is left."""
    try:
        _fetch_and_complete(Client(port, token), worker_id, latencies)
    except Exception as exc:  # shown by run(), which fails the bench
        failures.append(exc)


def _fetch_and_complete(client: Client, worker_id: str, latencies: list[float]) -> None:
    while True:
        started = time.perf_counter()
        locked: Any = client.post("/engine-rest/external-task/fetchAndLock", {
            "workerId": worker_id, "maxTasks": 1,
            "topics": [{"topicName": TOPIC, "lockDuration": 60_000}]})
        if not locked:
            return
        client.post(f"/engine-rest/external-task/{locked[0]['id']}/complete",
                    {"workerId": worker_id, "variables": {}})
        latencies.append(1000 * (time.perf_counter() - started))


def run(url: str, env: dict[str, Any], worker_token: str, workers: int,
        cases: int) -> dict[str, Any]:
    """`cases` ten-step cases, their steps done by `workers` clients on as many gunicorn
    workers: fetch + complete pairs per second."""
    from .__main__ import summary
    with Gunicorn(url, workers) as server:
        starter = Client(server.port, env["token"])
        for _ in range(cases):
            starter.post("/api/v1/cases", {"process_key": KEY, "data": {}})
        latencies: list[float] = []
        failures: list[BaseException] = []
        threads = [threading.Thread(target=_work, args=(server.port, worker_token,
                                                        f"bench-{i}", latencies, failures))
                   for i in range(workers)]
        elapsed = timed(threads)
    if failures:
        raise RuntimeError(f"an external-task client failed: {failures[0]!r}")
    return {**summary(latencies), "tasks_per_second": round(len(latencies) / elapsed, 1),
            "workers": workers, "tasks": len(latencies)}
