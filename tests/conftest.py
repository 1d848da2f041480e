"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
MAATWERK_TEST_DATABASE_URL says so), the app, accounts and tokens."""
from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from werkzeug.serving import make_server

from maatwerk import create_app
from maatwerk.config import Settings
from maatwerk.persistence import audit_state, metadata
from maatwerk.persistence.database import Database, Timeouts
from maatwerk.persistence.migrate import recreate
from maatwerk.persistence.models import (
    AuditEvent,
    Case,
    Deviation,
    Document,
    ProcessModel,
    Task,
    User,
)
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, demo

ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET = "test-secret-key-that-is-long-enough"
# the audit chain's key for this test run: the suite's own processes and the ones it starts
TEST_AUDIT_KEY = os.environ.setdefault("MAATWERK_AUDIT_KEY", "test-audit-key-" + "k" * 32)
REFERENCE_TABLES = {"legal_bases"}  # seeded by the migrations; kept between tests
accounts.PASSWORD_METHOD = "pbkdf2:sha256:1000"  # cheap hashes: tests create many accounts


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("MAATWERK_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'maatwerk-test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _database_url(tmp_path_factory)
    recreate(url)
    return url


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    # the tests' own connections may hold a lock while they line up other processes
    db = Database(database_url, Timeouts(busy=240, statement=300, idle_in_transaction=300))
    yield db
    db.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty tables (only for tests that use the database)."""
    yield
    if "database" not in request.fixturenames:
        return
    db: Database = request.getfixturevalue("database")
    # whatever the test did, the inbox entries still carry their task's values, and the
    # state tables say what the audit record says
    assert_entries_match_tasks(db)
    assert_step_times_match_tasks(db)
    if request.node.get_closest_marker("tampers") is None:
        with UnitOfWork(db, readonly=True) as unit:
            assert audit_state.problems(unit.session) == []
    tables = [t.name for t in reversed(metadata.sorted_tables) if t.name not in REFERENCE_TABLES]
    with db.engine.begin() as conn:
        if db.is_sqlite:
            for name in tables:
                conn.execute(text(f"DELETE FROM {name}"))
        else:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def assert_entries_match_tasks(database: Database) -> int:
    """Every candidate row carries its task's current values and its case's process model
    (the inbox reads only these), and every open task its case's decision date; returns how
    many candidate rows were checked."""
    with database.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.task_id, c.principal, c.state, c.element_id, c.case_id, c.assignee, "
            "c.created_at, c.due_at, c.process_model_id, c.shared, t.state, t.element_id, "
            "t.case_id, t.assignee, t.created_at, t.due_at, k.process_model_id, "
            "(SELECT count(*) FROM task_candidates o WHERE o.task_id = c.task_id) "
            "FROM task_candidates c JOIN tasks t ON t.id = c.task_id "
            "JOIN cases k ON k.id = t.case_id")).all()
        behind = conn.execute(text(
            "SELECT t.id FROM tasks t JOIN cases k ON k.id = t.case_id WHERE t.state = 'open' "
            "AND (t.due_at <> k.due_at OR (t.due_at IS NULL) <> (k.due_at IS NULL))")).all()
    for row in rows:
        copy, task = row[2:10], (*row[10:17], row[17] > 1)
        assert tuple(copy) == tuple(task), f"inbox entry {row[0]}/{row[1]} is stale"
    assert not behind, f"open tasks without their case's decision date: {behind}"
    return len(rows)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=TEST_SECRET, testing=True)


def settings_without_rate_limits(database_url: str) -> Settings:
    """For test files that sign in and post hundreds of times."""
    return Settings(database_url=database_url, secret_key=TEST_SECRET, testing=True,
                    login_limit=100_000, form_limit=100_000, download_limit=100_000)


def row_counts(database: Database) -> dict[str, int]:
    """Rows of every table a request could add to (to show that a refusal stored nothing)."""
    with UnitOfWork(database, readonly=True) as unit:
        return {model.__tablename__: unit.session.scalar(
            select(func.count()).select_from(model)) or 0
            for model in (Case, Task, Deviation, Document, AuditEvent, ProcessModel, User)}


@pytest.fixture
def app(settings: Settings, database: Database) -> Iterator[Flask]:
    application = create_app(settings)
    yield application
    application.extensions["maatwerk.db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def uow(database: Database) -> Iterator[UnitOfWork]:
    with UnitOfWork(database) as unit:
        yield unit


@pytest.fixture
def demo_loaded(database: Database) -> list[str]:
    with UnitOfWork(database) as unit:
        return demo.load(unit, ROOT / "workflows", ROOT / "forms")


@pytest.fixture
def tokens(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    """An API token for every demo account."""
    found = {}
    with UnitOfWork(database) as unit:
        for username, *_ in demo.DEMO_USERS:
            found[username] = accounts.create_token(unit, username)
    return found


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def csrf_token(html: str) -> str:
    match = re.search(r'name="[^"]*csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="[^"]*csrf_token"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = demo.DEMO_PASSWORD) -> None:
    page = client.get("/inloggen")
    response = client.post("/inloggen", data={
        "csrf_token": csrf_token(page.get_data(as_text=True)),
        "username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


CHROMIUM = os.environ.get("MAATWERK_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def live_server(app: Flask, demo_loaded: list[str]) -> Iterator[str]:
    """The app on a loopback port, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (no browser downloads)."""
    from playwright.sync_api import sync_playwright
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run 'make test' (it installs it)")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield instance
        instance.close()


def step_times_from_tasks(database: Database) -> dict[tuple[int, str, str], tuple[int, float]]:
    """The heatmap's step times as the tasks say they should be: per process version, step
    and week of completion (its Monday), the count and total minutes of the completed
    tasks of real cases (no trial case, no added step)."""
    found: dict[tuple[int, str, str], tuple[int, float]] = {}
    with database.engine.connect() as conn:
        for model_id, element_id, created, completed in conn.execute(text(
                "SELECT k.process_model_id, t.element_id, t.created_at, t.completed_at "
                "FROM tasks t JOIN cases k ON k.id = t.case_id WHERE t.state = 'completed' "
                "AND t.kind <> 'adhoc' AND t.completed_at IS NOT NULL AND NOT k.trial")):
            created, completed = (datetime.fromisoformat(str(v)) for v in (created, completed))
            day = completed.date() if completed.tzinfo is None else \
                completed.astimezone(UTC).date()
            key = (model_id, element_id, str(day - timedelta(days=day.weekday())))
            count, minutes = found.get(key, (0, 0.0))
            found[key] = (count + 1, minutes + (completed - created).total_seconds() / 60)
    return found


def assert_step_times_match_tasks(database: Database) -> None:
    """The step times the trigger kept agree with the tasks (counts, and minutes to the
    second)."""
    with database.engine.connect() as conn:
        kept: dict[tuple[int, str, str], tuple[int, float]] = {}
        for model_id, element_id, week, count, minutes in conn.execute(text(
                "SELECT process_model_id, element_id, week, sum(count), sum(minutes) "
                "FROM step_times GROUP BY process_model_id, element_id, week")):
            if count:
                kept[(model_id, element_id, str(week))] = (int(count), float(minutes))
    expected = step_times_from_tasks(database)
    assert kept.keys() == expected.keys(), f"step times {kept} differ from the tasks {expected}"
    for key, (count, minutes) in expected.items():
        assert kept[key][0] == count and abs(kept[key][1] - minutes) < 0.02, (key, kept[key])
