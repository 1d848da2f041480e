"""The write path of a step (persistence/task_rows.py): plain statements instead of the
ORM's unit of work, with the case's version check kept and nothing written twice."""
from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, text
from sqlalchemy.orm.exc import StaleDataError

from helpers import BIJSTAND_AANVRAAG, bearer, open_task, start
from maatwerk.persistence import task_rows
from maatwerk.persistence.database import Database
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services.steps import lock_case


def _statements() -> tuple[list[str], Any]:
    """Every statement any engine (the app's too) runs from now on."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))
    event.listen(Engine, "before_cursor_execute", note)
    return seen, note


def test_a_completion_writes_each_row_once(client: FlaskClient, tokens: dict[str, str],
                                           database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    seen, note = _statements()
    try:
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(
            tokens["consulent"]), json={"data": {"volledig": "ja"}})
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_json()
    # PostgreSQL writes the step's rows in one statement (WITH ... UPDATE cases), SQLite in
    # plain statements: either way each table is written once
    case_updates = [s for s in seen if "UPDATE cases" in s]
    assert sum(s.count("UPDATE cases") for s in seen) == 1, case_updates  # not by the ORM too
    assert "row_version" in case_updates[0]
    task_updates = [s for s in seen if "UPDATE tasks" in s]
    # the completed task; the new ones are inserted
    assert sum(s.count("UPDATE tasks") for s in seen) == 1, task_updates
    # and what was written is what the API answers
    body = response.get_json()
    with database.engine.connect() as conn:
        open_ids = [r[0] for r in conn.execute(text(
            "SELECT id FROM tasks WHERE case_id = :c AND state = 'open' ORDER BY created_at, id"),
            {"c": case["id"]})]
        state = conn.execute(text("SELECT state, completed_by FROM tasks WHERE id = :t"),
                             {"t": task["id"]}).one()
    assert [t["id"] for t in body["open_tasks"]] == open_ids
    assert tuple(state) == ("completed", "consulent")


def test_a_case_changed_since_it_was_read_is_not_overwritten(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    with UnitOfWork(database) as uow:
        loaded = lock_case(uow, case["id"])
        assert loaded is not None
        version = loaded.row_version
        # another writer's change, as PostgreSQL would show it after our read
        uow.session.connection().execute(text(
            "UPDATE cases SET row_version = row_version + 1 WHERE id = :c"), {"c": case["id"]})
        with pytest.raises(StaleDataError):
            task_rows.update_case(uow.session.connection(), loaded, {"status": "error"})
        assert loaded.status == "open" and loaded.row_version == version
    with UnitOfWork(database) as uow:
        loaded = lock_case(uow, case["id"])
        assert loaded is not None
        task_rows.update_case(uow.session.connection(), loaded, {"error": "x"})
        assert loaded.row_version == version + 1 and not uow.session.dirty
        uow.rollback()


def test_a_completion_on_postgresql_is_four_statements(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    """Lock the case; read its rows (after the lock: see step_reads); write the step's
    rows, locking the audit head; write the events with the head. Each is a round trip to
    the server (BEGIN and COMMIT aside). Before them the request reads its API token (on every
    request, so that a revoked token stops at once)."""
    if database.is_sqlite:
        pytest.skip("round trips are a PostgreSQL matter; SQLite runs in-process")
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    seen, note = _statements()
    try:
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(
            tokens["consulent"]), json={"data": {"volledig": "ja"}})
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert response.status_code == 200, response.get_json()
    token_read, *seen = seen
    assert token_read.startswith("SELECT users.") and "api_tokens" in token_read
    assert len(seen) == 4, seen
    assert "FOR UPDATE" in seen[0] and seen[0].startswith("SELECT cases.")
    assert seen[1].startswith("SELECT tasks.") and "FOR UPDATE" not in seen[1]
    assert "UPDATE cases" in seen[2] and "INSERT INTO tasks" in seen[2]
    assert "FROM audit_head" in seen[2] and "FOR UPDATE" in seen[2]
    assert "UPDATE audit_head" in seen[3] and "INSERT INTO audit_events" in seen[3]
