"""Guessing passwords and flooding public forms is slowed down (429 with Retry-After)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from conftest import TEST_SECRET, csrf_token
from helpers import BIJSTAND_AANVRAAG, start
from maatwerk import create_app
from maatwerk.config import Settings
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
