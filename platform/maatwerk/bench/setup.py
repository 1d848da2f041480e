"""A fresh database with a bench account and the ten-task model; the service-layer run."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..domain.process_model import UploadedFile
from ..persistence.database import Database
from ..persistence.migrate import recreate
from ..persistence.uow import UnitOfWork
from ..services import accounts, cases, process_models, tasks
from ..web import serializers

PASSWORD = "bench-password"


def prepare(url: str, model: Path) -> dict[str, Any]:
    recreate(url)
    database = Database(url)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, "bench", ["caseworker"], ["bench"], PASSWORD)
    with UnitOfWork(database) as uow:
        accounts.create_user(uow, "bench-designer", ["designer"], [], PASSWORD)
    with UnitOfWork(database) as uow:
        token = accounts.create_token(uow, "bench")
    with UnitOfWork(database) as uow:
        designer = accounts.principal_by_username(uow, "bench-designer")
        assert designer is not None
        process_models.upload(uow, designer, [UploadedFile(model.name, model.read_bytes())])
    database.dispose()
    return {"token": token, "process_key": "bench_ten_tasks"}


def analyze(database: Database) -> None:
    """Fresh planner statistics after a bulk fill (PostgreSQL's ANALYZE outside a
    transaction block)."""
    if database.url.startswith("postgresql"):
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    else:
        with database.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def services_run(url: str, env: dict[str, Any], count: int) -> dict[str, Any]:
    """Start cases and complete their ten tasks through the service layer, one by one."""
    from .__main__ import summary
    database = Database(url)
    latencies: list[float] = []
    started = time.perf_counter()
    for _ in range(count):
        # as the API does: the answer (the case with its open tasks) comes from the step
        with UnitOfWork(database) as uow:
            actor = accounts.principal_by_username(uow, "bench")
            assert actor is not None
            answer = serializers.case(
                cases.start_case(uow, env["process_key"], {}, "online", actor).outcome)
        while answer["open_tasks"]:
            t0 = time.perf_counter()
            with UnitOfWork(database) as uow:
                answer = serializers.case(
                    tasks.complete(uow, answer["open_tasks"][0]["id"], {}, actor))
            latencies.append(1000 * (time.perf_counter() - t0))
    elapsed = time.perf_counter() - started
    database.dispose()
    return {**summary(latencies), "cases_per_second": round(count / elapsed, 1)}
