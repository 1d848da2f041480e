"""Part 3 of `make bench`: the long-running case. One step of a case whose loop ran 10,
100, 1,000 and 2,000 times, through the service layer on the real database.

The model (long_running.bpmn) is the request-for-information loop of the demo's special
assistance: inside a subprocess with an 8-week decision term, a completeness check and, when
something is missing, a supplement with a 14-day repair term; a round is two steps. Cases
are driven round by round through `tasks.complete` (every step a unit of work: lock, load
the engine state, run, store it with the task rows and audit events, commit).

A step "at n rounds" is timed on a case that has run between n and n + n/10 rounds (a
fresh case is brought to n when one has gone further: a case at 10 rounds is timed for one
round only). The checkpoints are timed in turn, one step each, MEASURED times over, so that
a change in the machine's load hits all of them alike. The target (issue "Ready for real
use"): a step after 1,000 rounds costs at most twice a step after 10 (engine/history.py).
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..domain.process_model import UploadedFile
from ..persistence.database import Database
from ..persistence.models import Case
from ..persistence.uow import UnitOfWork
from ..services import accounts, cases, process_models, tasks

MODEL = Path(__file__).with_name("long_running.bpmn")
PROCESS_KEY = "bench_long_running"
CHECKPOINTS = (10, 100, 1000, 2000)
MEASURED = 40  # steps timed at each checkpoint
TARGET = 2.0   # step(1000) / step(10)


def run(url: str, checkpoints: tuple[int, ...] = CHECKPOINTS,
        measured: int = MEASURED) -> dict[str, Any]:
    """Needs the bench accounts of setup.prepare (bench, bench-designer)."""
    from .__main__ import summary
    database = Database(url)
    with UnitOfWork(database) as uow:
        designer = accounts.principal_by_username(uow, "bench-designer")
        assert designer is not None
        process_models.upload(uow, designer, [UploadedFile(MODEL.name, MODEL.read_bytes())])
        actor = accounts.principal_by_username(uow, "bench")
        assert actor is not None
    current: dict[int, _Driver] = {}
    started = dict.fromkeys(checkpoints, 0)
    latencies: dict[int, list[float]] = {n: [] for n in checkpoints}
    for _ in range(measured):
        for n in checkpoints:
            driver = current.get(n)
            if driver is None or driver.rounds >= n + max(1, n // 10):
                driver = current[n] = _Driver(database, actor, n)
                started[n] += 1
            latencies[n].append(driver.step())
    rows = []
    for n in checkpoints:
        size, live = _state(database, current[n].case_id)
        rows.append({"iterations": n, **summary(latencies[n]), "state_bytes": size,
                     "live_tasks": live, "cases": started[n]})
    database.dispose()
    by = {r["iterations"]: r for r in rows}
    ratio = round(by[1000]["median_ms"] / by[10]["median_ms"], 2) \
        if 10 in by and 1000 in by else None
    return {"model": PROCESS_KEY, "rounds": rows, "ratio_1000_10": ratio, "target": TARGET,
            "within_target": ratio is not None and ratio <= TARGET}


class _Driver:
    """A new case, brought to `rounds` rounds; then one step at a time: 'incomplete' and
    the supplement, round after round, each step a unit of work."""

    def __init__(self, database: Database, actor: Any, rounds: int) -> None:
        self.database = database
        self.actor = actor
        self.rounds = 0
        with UnitOfWork(database) as uow:
            self.case_id = cases.start_case(uow, PROCESS_KEY, {}, "online", actor).case.id
            self.open = [(t.id, t.element_id) for t in cases.open_tasks(uow, self.case_id)]
        while self.rounds < rounds:
            self.step()

    def step(self) -> float:
        (task_id, element), = self.open
        data = {"volledig": False} if element == "Task_Controleren" else \
            {"aanvulling": f"Stuk {self.rounds + 1}"}
        t0 = time.perf_counter()
        with UnitOfWork(self.database) as uow:
            tasks.complete(uow, task_id, data, self.actor)
            self.open = [(t.id, t.element_id) for t in cases.open_tasks(uow, self.case_id)]
        elapsed = 1000 * (time.perf_counter() - t0)
        if element == "Task_Aanvullen":
            self.rounds += 1
        return elapsed


def _state(database: Database, case_id: int) -> tuple[int, int]:
    """The size of the stored engine state and the number of tasks in it."""
    with UnitOfWork(database, readonly=True) as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        state = case.engine_state
    workflow = json.loads(state)["workflow"]
    live = len(workflow["tasks"]) + sum(len(s["tasks"])
                                        for s in workflow["subprocesses"].values())
    return len(state.encode()), live


HEADER = (f"{'database':<11}{'rounds':>7}{'median ms':>10}{'p95 ms':>9}{'state KiB':>10}"
          f"{'tasks':>8}{'cases':>7}")


def report_lines(db_name: str, result: dict[str, Any]) -> list[str]:
    lines = []
    for row in result["rounds"]:
        lines.append(f"{db_name:<11}{row['iterations']:>7}{row['median_ms']:>10.2f}"
                     f"{row['p95_ms']:>9.2f}{row['state_bytes'] / 1024:>10.1f}"
                     f"{row['live_tasks']:>8}{row['cases']:>7}")
    if result["ratio_1000_10"] is not None:
        verdict = "within" if result["within_target"] else "NOT within"
        lines.append(f"{db_name:<11}step(1000) / step(10) = {result['ratio_1000_10']:.2f}: "
                     f"{verdict} the target of {result['target']:.0f}x")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Part 3 alone: `python -m maatwerk.bench.long_running DATABASE_URL` (the database is
    recreated)."""
    import argparse
    import sys

    from . import setup
    from .__main__ import MODEL as TEN_TASKS
    parser = argparse.ArgumentParser(prog="python -m maatwerk.bench.long_running",
                                     description=main.__doc__)
    parser.add_argument("url")
    parser.add_argument("--checkpoints", default=",".join(map(str, CHECKPOINTS)))
    args = parser.parse_args(argv)
    setup.prepare(args.url, TEN_TASKS)
    result = run(args.url, tuple(int(n) for n in args.checkpoints.split(",")))
    print("\n".join([HEADER, *report_lines(args.url.split(":")[0].split("+")[0], result)]))
    print(json.dumps(result, indent=2), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
