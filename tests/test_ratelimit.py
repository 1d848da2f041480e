"""Guessing passwords and flooding public forms is slowed down (429 with Retry-After)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from flask import Flask
from sqlalchemy import select, text

from conftest import TEST_SECRET, csrf_token
from helpers import BIJSTAND_AANVRAAG, start
from maatwerk import create_app
from maatwerk.config import Settings
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import User, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import accounts, outbox


@contextmanager
def _app(database_url: str, **limits: int) -> Iterator[Flask]:
    app = create_app(Settings(database_url=database_url, secret_key=TEST_SECRET, testing=True,
                              **limits))
    try:
        yield app
    finally:
        app.extensions["maatwerk.db"].dispose()


def test_login_attempts_are_limited_per_address_and_name(database_url: str,
                                                         demo_loaded: list[str]) -> None:
    with _app(database_url, login_limit=3) as app:
        _login_attempts(app)


def _login_attempts(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/inloggen").get_data(as_text=True))
    for _ in range(3):
        wrong = client.post("/inloggen", data={"csrf_token": token, "username": "consulent",
                                               "password": "geraden"})
        assert wrong.status_code == 401
    blocked = client.post("/inloggen", data={"csrf_token": token, "username": "consulent",
                                             "password": "maatwerk-demo"})
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
    assert "Te veel pogingen" in blocked.get_data(as_text=True)
    other = client.post("/inloggen", data={"csrf_token": token, "username": "teamleider",
                                           "password": "maatwerk-demo"})
    assert other.status_code == 302  # another account from the same address still works


def test_public_form_submissions_are_limited(database_url: str,
                                             demo_loaded: list[str]) -> None:
    with _app(database_url, form_limit=2) as app:
        _form_posts(app)


def _form_posts(app: Flask) -> None:
    client = app.test_client()
    token = csrf_token(client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True))
    codes = [client.post("/aanvragen/bijzondere_bijstand", data={"csrf_token": token}).status_code
             for _ in range(3)]
    assert codes == [422, 422, 429]  # refused at the fields, then limited
    assert client.get("/aanvragen/bijzondere_bijstand").status_code == 200  # reading is fine


def test_downloads_through_a_status_link_are_limited(database_url: str,
                                                     demo_loaded: list[str]) -> None:
    with _app(database_url, download_limit=2) as app:
        client = app.test_client()
        token = create_token_for(app, "consulent")
        case = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
        resident = app.test_client()
        with UnitOfWork(app.extensions["maatwerk.db"], readonly=True) as uow:
            receipt = outbox.receipt_id(uow, case["id"])
        url = f"{case['status_url']}/berichten/{receipt}.pdf"
        codes = [resident.get(url).status_code for _ in range(3)]
        assert codes == [200, 200, 429]
        assert resident.get(case["status_url"]).status_code == 200  # the page itself is fine


def test_messages_from_a_status_page_are_limited(database_url: str,
                                                 demo_loaded: list[str]) -> None:
    with _app(database_url, form_limit=2) as app:
        client = app.test_client()
        token = create_token_for(app, "consulent")
        case = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
        page = client.get(case["status_url"]).get_data(as_text=True)
        codes = [client.post(f"{case['status_url']}/berichten", data={
            "csrf_token": csrf_token(page), "bericht-bericht": "Wanneer hoor ik iets?"}
        ).status_code for _ in range(3)]
        assert codes == [302, 302, 429]


def create_token_for(app: Flask, username: str) -> str:
    with UnitOfWork(app.extensions["maatwerk.db"]) as uow:
        return accounts.create_token(uow, username)


def _attempt(app: Flask, address: str, username: str, password: str) -> int:
    """One sign-in from its own address (a new client: its own cookie and CSRF token)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    token = csrf_token(client.get("/inloggen").get_data(as_text=True))
    return client.post("/inloggen", data={"csrf_token": token, "username": username,
                                          "password": password}).status_code


def test_login_attempts_are_limited_per_account_across_addresses_and_processes(
        database_url: str, demo_loaded: list[str], database: Database) -> None:
    with _app(database_url, login_limit=3) as first, _app(database_url, login_limit=3) as second:
        for n, app in enumerate((first, second, first)):
            assert _attempt(app, f"10.0.0.{n}", "consulent", "geraden") == 401
        # from a fifth address, in the other process, even the right password waits
        assert _attempt(second, "10.0.0.9", "consulent", "maatwerk-demo") == 429
        assert _attempt(second, "10.0.0.9", "teamleider", "maatwerk-demo") == 302
        with database.engine.begin() as conn:  # the window has passed
            conn.execute(text("UPDATE users SET failed_since = :then WHERE username = "
                              "'consulent'"), {"then": utcnow() - timedelta(minutes=6)})
        assert _attempt(second, "10.0.0.10", "consulent", "maatwerk-demo") == 302
    with UnitOfWork(database, readonly=True) as unit:
        user = unit.session.scalars(select(User).where(User.username == "consulent")).unique() \
            .one()
        assert (user.failed_logins, user.failed_since) == (0, None), "a success starts afresh"


def test_one_unknown_name_from_many_addresses_is_limited_too(
        database_url: str, demo_loaded: list[str]) -> None:
    with _app(database_url, login_limit=3) as app:
        codes = [_attempt(app, f"10.1.0.{n}", "bestaat-niet", "x") for n in range(4)]
    assert codes == [401, 401, 401, 429]
