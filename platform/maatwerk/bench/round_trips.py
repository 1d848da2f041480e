"""Round trips to the database per task completion over HTTP (the app's JSON API, in-process
through Flask's test client): every statement, BEGIN, COMMIT, ROLLBACK and pool ping.

On PostgreSQL each is a wait for the server; on SQLite a call into the library. The
count shows what the step path asks of the database, independent of the machine's speed.
"""
from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

from sqlalchemy import event

from .. import create_app
from ..config import Settings


def _autocommit(conn: Any) -> bool:
    return bool(conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT")


class _Counter:
    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.kinds[statement.split(None, 1)[0].upper()] += 1

    # a connection in autocommit (the token read, Database.read_alone) begins and ends its
    # transaction in SQLAlchemy only: the driver sends nothing, so it is no round trip
    def begin(self, conn: Any) -> None:
        if not _autocommit(conn):
            self.kinds["BEGIN"] += 1

    def commit(self, conn: Any) -> None:
        if not _autocommit(conn):
            self.kinds["COMMIT"] += 1

    def rollback(self, conn: Any) -> None:
        if not _autocommit(conn):
            self.kinds["ROLLBACK"] += 1

    def ping(self, *_args: Any) -> None:
        self.kinds["PING"] += 1


def run(url: str, env: dict[str, Any], cases: int = 5) -> dict[str, Any]:
    """Start `cases` ten-task cases and complete their tasks; the median count per
    completion and, for the median completion, the statements by kind."""
    app = create_app(Settings(database_url=url, secret_key="bench-secret-key-of-enough-length",
                              testing=True))
    engine = app.extensions["maatwerk.db"].engine
    counter = _Counter()
    event.listen(engine, "before_cursor_execute", counter.statement)
    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, getattr(counter, name))
    if engine.pool._pre_ping:
        event.listen(engine.pool, "checkout", counter.ping)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {env['token']}"}
    per_completion: list[tuple[int, dict[str, int]]] = []
    for _ in range(cases):
        answer = client.post("/api/v1/cases", json={"process_key": env["process_key"]},
                             headers=headers).get_json()
        while answer["open_tasks"]:
            counter.kinds.clear()
            response = client.post(f"/api/v1/tasks/{answer['open_tasks'][0]['id']}/complete",
                                   json={"data": {}}, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            answer = response.get_json()
            per_completion.append((sum(counter.kinds.values()), dict(counter.kinds)))
    app.extensions["maatwerk.db"].dispose()
    counts = sorted(total for total, _ in per_completion)
    median = statistics.median_low(counts)
    kinds = next(k for total, k in per_completion if total == median)
    return {"per_completion": median, "min": counts[0], "max": counts[-1], "by_kind": kinds}
