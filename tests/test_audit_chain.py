"""The audit record is a hash chain: editing, deleting or reordering rows is detected."""
from __future__ import annotations

import subprocess
import sys

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from helpers import BIJSTAND_AANVRAAG, bearer, complete, start
from maatwerk.persistence.database import Database


@pytest.fixture
def worked_case(client: FlaskClient, tokens: dict[str, str]) -> dict:  # type: ignore[type-arg]
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    return complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})


def _verify(client: FlaskClient, token: str) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/audit/verify", headers=bearer(token))
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def _event_ids(database: Database) -> list[int]:
    with database.engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT id FROM audit_events ORDER BY id"))]


def test_intact_chain_verifies(client: FlaskClient, tokens: dict[str, str],
                               worked_case: dict) -> None:  # type: ignore[type-arg]
    result = _verify(client, tokens["teamleider"])
    assert result["ok"] is True and result["first_broken"] is None and result["checked"] > 10
    assert client.get("/api/v1/audit/verify",
                      headers=bearer(tokens["consulent"])).status_code == 403


def test_edited_row_is_named(client: FlaskClient, tokens: dict[str, str], database: Database,
                             worked_case: dict) -> None:  # type: ignore[type-arg]
    target = _event_ids(database)[5]
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'iemand-anders' WHERE id = :id"),
                     {"id": target})
    result = _verify(client, tokens["teamleider"])
    assert result == {"ok": False, "checked": 5, "first_broken": target,
                      "reason": "content does not match its hash"}


def test_deleted_row_is_detected(client: FlaskClient, tokens: dict[str, str],
                                 database: Database, worked_case: dict) -> None:
    ids = _event_ids(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[3]})
    assert _verify(client, tokens["teamleider"])["first_broken"] == ids[4]


def test_deleted_last_row_is_detected(client: FlaskClient, tokens: dict[str, str],
                                      database: Database, worked_case: dict) -> None:
    ids = _event_ids(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-1]})
    result = _verify(client, tokens["teamleider"])
    assert result["ok"] is False and result["first_broken"] == ids[-1]


def test_swapped_rows_are_detected(client: FlaskClient, tokens: dict[str, str],
                                   database: Database, worked_case: dict) -> None:
    a, b = _event_ids(database)[2:4]
    with database.engine.begin() as conn:
        for old, new in ((a, -1), (b, a), (-1, b)):
            conn.execute(text("UPDATE audit_events SET id = :new WHERE id = :old"),
                         {"new": new, "old": old})
    assert _verify(client, tokens["teamleider"])["first_broken"] == a


def test_cli_verify_exit_codes(database_url: str, worked_case: dict,  # type: ignore[type-arg]
                               database: Database) -> None:
    env = {"MAATWERK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin",
           "MAATWERK_SECRET_KEY": "x" * 32}
    ok = subprocess.run([sys.executable, "-m", "maatwerk.cli", "audit", "verify"], env=env,
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("ok:"), ok.stderr
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET result = 'changed' WHERE id = 2"))
    broken = subprocess.run([sys.executable, "-m", "maatwerk.cli", "audit", "verify"], env=env,
                            capture_output=True, text=True, check=False)
    assert broken.returncode == 1 and "BROKEN at event 2" in broken.stdout
