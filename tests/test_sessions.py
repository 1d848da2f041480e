"""Staff sessions live on the server: a session cookie captured before sign-out no longer
opens /werk/ in any app process afterwards, and a session ends after its idle time and its
absolute lifetime whatever the cookie says. Two app instances on one database stand for
two app processes."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from conftest import csrf_token, login
from maatwerk import create_app
from maatwerk.config import ConfigError, Settings
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import StaffSession, utcnow
from maatwerk.persistence.uow import UnitOfWork


@pytest.fixture
def other_process(settings: Settings, database: Database) -> Iterator[Flask]:
    """A second app on the same database and secret key, as another gunicorn process."""
    application = create_app(settings)
    yield application
    application.extensions["maatwerk.db"].dispose()


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _opens_inbox(app: Flask, cookie: str) -> bool:
    stranger = app.test_client()
    stranger.set_cookie("session", cookie)
    response = stranger.get("/werk/")
    if response.status_code == 302:
        assert "/inloggen" in response.headers["Location"]
        return False
    assert response.status_code == 200, response.status_code
    return True


def test_a_cookie_captured_before_sign_out_opens_nothing_after_it(
        client: FlaskClient, other_process: Flask, demo_loaded: list[str],
        database: Database) -> None:
    login(client, "consulent")
    captured = _cookie(client)
    assert _opens_inbox(other_process, captured), "the session works in the other process"
    page = client.get("/werk/")
    client.post("/uitloggen", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert not _opens_inbox(other_process, captured)
    assert not _opens_inbox(client.application, captured)
    with database.engine.connect() as conn:
        last = conn.execute(text("SELECT actor, action FROM audit_events ORDER BY id DESC "
                                 "LIMIT 1")).one()
    assert tuple(last) == ("consulent", "logout")


def _age_session(database: Database, created: timedelta, seen: timedelta) -> None:
    now = utcnow()
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE staff_sessions SET created_at = :c, last_seen_at = :s"),
                     {"c": now - created, "s": now - seen})


def test_a_session_ends_after_its_idle_time(client: FlaskClient, demo_loaded: list[str],
                                            database: Database) -> None:
    login(client, "consulent")
    _age_session(database, created=timedelta(minutes=40), seen=timedelta(minutes=31))
    assert not _opens_inbox(client.application, _cookie(client))


def test_a_session_ends_after_its_lifetime_even_in_use(
        client: FlaskClient, demo_loaded: list[str], database: Database) -> None:
    login(client, "consulent")
    _age_session(database, created=timedelta(hours=10, minutes=1), seen=timedelta(seconds=5))
    assert not _opens_inbox(client.application, _cookie(client))


def test_use_keeps_a_session_alive(client: FlaskClient, demo_loaded: list[str],
                                   database: Database) -> None:
    login(client, "consulent")
    _age_session(database, created=timedelta(minutes=50), seen=timedelta(minutes=25))
    assert client.get("/werk/").status_code == 200
    with UnitOfWork(database, readonly=True) as unit:
        seen = unit.session.scalars(select(StaffSession.last_seen_at)).one()
    assert utcnow() - seen < timedelta(minutes=1), "the visit is noted"
    _age_session(database, created=timedelta(minutes=50), seen=timedelta(minutes=29))
    assert client.get("/werk/").status_code == 200


def test_impossible_lifetimes_are_refused_at_start(database_url: str) -> None:
    with pytest.raises(ConfigError, match="MAATWERK_SESSION_IDLE_MINUTES"):
        Settings(database_url=database_url, secret_key="x" * 32, session_idle_minutes=0)
    with pytest.raises(ConfigError, match="MAATWERK_SESSION_HOURS"):
        Settings(database_url=database_url, secret_key="x" * 32, session_hours=48)
