"""API tokens expire and can be revoked: `maatwerk tokens create --days`, `tokens list` and
`tokens revoke`; a revoked or expired token stops working at once in every app process
(two gunicorn workers here), and both acts are on record."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from maatwerk.persistence.database import Database
from processes import AppProcess, request


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MAATWERK_DATABASE_URL=database_url, MAATWERK_SECRET_KEY="x" * 32)
    return subprocess.run([sys.executable, "-m", "maatwerk.cli", "tokens", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def _new_token(database_url: str, *args: str) -> str:
    made = _cli(database_url, "create", "consulent", *args)
    assert made.returncode == 0, made.stderr
    return made.stdout.strip().splitlines()[-1]


@pytest.fixture
def app_process(database_url: str, demo_loaded: list[str],
                tmp_path: Path) -> Iterator[AppProcess]:
    app = AppProcess(database_url, workers=2, log_dir=tmp_path, name="tokens")
    try:
        app.wait_ready()
        yield app
    finally:
        app.stop()


def _answers(app: AppProcess, token: str, times: int = 6) -> set[int]:
    """The statuses of several requests, on new connections (so both workers answer)."""
    return {request(app.port, "GET", "/api/v1/tasks", token)[0] for _ in range(times)}


def test_a_revoked_token_stops_working_at_once_in_every_process(
        database_url: str, database: Database, app_process: AppProcess) -> None:
    token = _new_token(database_url, "--days", "7")
    assert _answers(app_process, token) == {200}
    listed = _cli(database_url, "list", "consulent")
    line = next(ln for ln in listed.stdout.splitlines() if ln.strip().endswith("valid"))
    token_id = line.split()[0]
    revoked = _cli(database_url, "revoke", token_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout, revoked.stderr
    assert _answers(app_process, token) == {401}
    assert f"{token_id}  consulent" in _cli(database_url, "list").stdout
    assert any(ln.split()[0] == token_id and ln.endswith("revoked")
               for ln in _cli(database_url, "list").stdout.splitlines()[1:])
    with database.engine.connect() as conn:
        actions = [row[0] for row in conn.execute(text(
            "SELECT action FROM audit_events WHERE action LIKE 'token_%' ORDER BY id"))]
    assert actions[-2:] == ["token_created", "token_revoked"]


def test_an_expired_token_no_longer_works(database_url: str, database: Database,
                                          app_process: AppProcess) -> None:
    token = _new_token(database_url, "--days", "1")
    assert _answers(app_process, token, times=2) == {200}
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE api_tokens SET expires_at = :past WHERE expires_at > :now"),
                     {"past": "2020-01-01 00:00:00", "now": "2020-01-01 00:00:00"})
    assert _answers(app_process, token, times=2) == {401}
    assert "expired" in _cli(database_url, "list", "consulent").stdout


def test_impossible_lifetimes_and_unknown_tokens_are_refused(database_url: str,
                                                            database: Database) -> None:
    too_long = _cli(database_url, "create", "consulent", "--days", "400")
    assert too_long.returncode != 0 and "1 to 366 days" in too_long.stderr + too_long.stdout
    unknown = _cli(database_url, "revoke", "999999")
    assert unknown.returncode != 0 and "No token 999999" in unknown.stderr + unknown.stdout
