"""The bounded wait for SQLite's writer lock beside the unbounded one it replaced: polling
`flock(LOCK_NB)` with pauses of at most 2 ms until the busy timeout, against one blocking
`flock()` that waits for ever. The same task completions through the service layer, the two
kinds of wait taking turns (so drift of a shared machine hits both), and four threads that
write at once, where a poll could start a writer up to 2 ms late.

The unbounded wait exists here only, for the comparison."""
from __future__ import annotations

import fcntl
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import text

from ..persistence import database as database_module
from ..persistence.database import Database
from . import setup

THREADS = 4
WRITES_PER_THREAD = 150


def _wait_for_ever(fd: int, _seconds: float) -> bool:
    fcntl.flock(fd, fcntl.LOCK_EX)
    return True


@contextmanager
def unbounded_wait() -> Iterator[None]:
    bounded: Callable[[int, float], bool] = database_module._flock_within
    database_module._flock_within = _wait_for_ever  # type: ignore[assignment]
    try:
        yield
    finally:
        database_module._flock_within = bounded  # type: ignore[assignment]


@contextmanager
def wait(kind: str) -> Iterator[None]:
    if kind == "unbounded":
        with unbounded_wait():
            yield
    else:
        yield


def concurrent_writes(url: str) -> float:
    """Small write transactions from THREADS threads at once: transactions per second."""
    database = Database(url)
    with database.writer() as session:
        session.execute(text("CREATE TABLE IF NOT EXISTS lock_bench (n INTEGER)"))
        session.commit()

    def writer() -> None:
        for n in range(WRITES_PER_THREAD):
            with database.writer() as session:
                session.execute(text("INSERT INTO lock_bench VALUES (:n)"), {"n": n})
                session.commit()

    threads = [threading.Thread(target=writer) for _ in range(THREADS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    database.dispose()
    return THREADS * WRITES_PER_THREAD / elapsed


def run(url: str, env: dict[str, Any], cases: int, rounds: int = 3) -> dict[str, Any]:
    """Task completion (median ms) and concurrent writes (per second) with each wait."""
    completion: dict[str, list[float]] = {"bounded": [], "unbounded": []}
    writes: dict[str, list[float]] = {"bounded": [], "unbounded": []}
    scratch = f"sqlite:///{Path(tempfile.mkdtemp(prefix='mw-lock-')) / 'writes.db'}"
    for _ in range(rounds):
        for kind in ("bounded", "unbounded"):
            with wait(kind):
                completion[kind].append(setup.services_run(url, env, cases)["median_ms"])
                writes[kind].append(concurrent_writes(scratch))
    result: dict[str, Any] = {}
    for kind in ("bounded", "unbounded"):
        result[kind] = {"completion_median_ms": round(statistics.median(completion[kind]), 3),
                        "writes_per_second": round(statistics.median(writes[kind]), 1)}
    result["completion_ratio"] = round(result["bounded"]["completion_median_ms"]
                                       / result["unbounded"]["completion_median_ms"], 3)
    return result


def report_lines(row: dict[str, Any]) -> list[str]:
    lines = ["", ("SQLite writer lock: the bounded wait (polled, given up after the busy "
                  "timeout) beside an unbounded blocking flock()"),
             (f"{'wait':<11}{'task completion median ms':>26}"
             f"{f'writes/s ({THREADS} threads)':>22}")]
    for kind in ("bounded", "unbounded"):
        lines.append(f"{kind:<11}{row[kind]['completion_median_ms']:>26.3f}"
                     f"{row[kind]['writes_per_second']:>22.1f}")
    lines.append(f"bounded / unbounded task completion: {row['completion_ratio']:.3f}")
    return lines
