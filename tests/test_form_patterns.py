"""Designers' form patterns can't stall the service: what anyone types is matched in time
linear in its length (RE2), so the pattern that took Python 17 s on 29 characters answers
at once, two hostile posts at once leave /healthz answering; a pattern that needs
backtracking is refused when the form is uploaded, with the file and field named."""
from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.parse
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token
from helpers import BIJSTAND_AANVRAAG, bearer, bijstand_with, upload
from maatwerk.forms import patterns

START_FORM = "aanvraag_bijzondere_bijstand.form"
NAME_PATTERN = r"^([a-zA-Z]+\s?)+$"  # a common name pattern, catastrophic for backtracking
HOSTILE = "a" * 40 + "!"  # 2^40 ways to split for a backtracking matcher


def bundle_with_name_pattern(pattern: str) -> list[tuple[str, str | bytes]]:
    files = []
    for name, content in bijstand_with():
        if name == START_FORM:
            form = json.loads(content)
            for component in form["components"]:
                if component.get("key") == "naam":
                    component["validate"]["pattern"] = pattern
            content = json.dumps(form)
        files.append((name, content))
    return files


@pytest.fixture
def name_pattern(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], bundle_with_name_pattern(NAME_PATTERN))
    assert response.status_code == 201, response.get_json()


def test_the_pattern_still_tells_right_from_wrong(name_pattern: None, client: FlaskClient,
                                                  tokens: dict[str, str]) -> None:
    def start(naam: str) -> Any:
        return client.post("/api/v1/cases", headers=bearer(tokens["consulent"]), json={
            "process_key": "bijzondere_bijstand", "data": {**BIJSTAND_AANVRAAG, "naam": naam}})

    assert start("Jan Jansen").status_code == 201
    refused = start("Jan 2 Jansen")
    assert refused.status_code == 422
    assert "naam" in json.dumps(refused.get_json())


def test_a_hostile_name_is_refused_at_once(name_pattern: None, client: FlaskClient,
                                           tokens: dict[str, str]) -> None:
    began = time.monotonic()
    response = client.post("/api/v1/cases", headers=bearer(tokens["consulent"]), json={
        "process_key": "bijzondere_bijstand", "data": {**BIJSTAND_AANVRAAG, "naam": HOSTILE}})
    assert response.status_code == 422
    assert time.monotonic() - began < 5, "a backtracking matcher would take hours here"


def _anonymous_post(base: str, fields: dict[str, str], answers: list[int]) -> None:
    """GET the public start form (cookie and CSRF token), then POST it, over real HTTP."""
    host = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=120)
    connection.request("GET", "/aanvragen/bijzondere_bijstand")
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie", "").split(";")[0]
    body = urllib.parse.urlencode({**fields, "csrf_token": csrf_token(page.read().decode())})
    connection.request("POST", "/aanvragen/bijzondere_bijstand", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    answer = connection.getresponse()
    answer.read()
    answers.append(answer.status)
    connection.close()


def test_two_hostile_posts_at_once_leave_healthz_answering(
        name_pattern: None, live_server: str) -> None:
    fields = {k: str(v) for k, v in BIJSTAND_AANVRAAG.items() if k != "toestemming"}
    fields.update(naam=HOSTILE, toestemming="y", bedrag="650,00", geboortedatum="02-01-1980")
    answers: list[int] = []
    posts = [threading.Thread(target=_anonymous_post, args=(live_server, fields, answers))
             for _ in range(2)]
    for post in posts:
        post.start()
    host = urllib.parse.urlsplit(live_server)
    health = http.client.HTTPConnection(host.hostname, host.port, timeout=1)
    health.request("GET", "/healthz")
    assert health.getresponse().status == 200
    for post in posts:
        post.join(timeout=30)
    # the form again, with the error on the field; never a case with the hostile name
    assert answers == [422, 422], answers


@pytest.mark.parametrize(("pattern", "why"), [
    (r"^(a+)\1$", "reference back to a group"),
    (r"^(?=.*\d).+$", "look-ahead"),
    (r"^(?<!x)a$", "look-behind"),
    (r"^((a{1000}){1000}){1000}$", "repetition"),
    (r"[a-z", "missing ]"),
])
def test_a_pattern_that_cannot_run_safely_is_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str], pattern: str, why: str) -> None:
    response = upload(client, tokens["ontwerper"], bundle_with_name_pattern(pattern))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    mine = [e for e in errors if e["file"] == START_FORM]
    assert mine, errors
    assert "naam" in mine[0]["message"] and why in mine[0]["message"], mine


def test_patterns_of_the_usual_kinds_are_accepted_and_match_the_whole_value() -> None:
    postcode = r"^[1-9][0-9]{3} ?[A-Z]{2}$"
    assert patterns.problem(postcode) is None
    assert patterns.full_match(postcode, "1234 AB")
    assert not patterns.full_match(postcode, "0234 AB")
    assert not patterns.full_match("[0-9]{4}", "12345"), "the whole value must match"
    assert not patterns.full_match(NAME_PATTERN, "a" * 100_000 + "!")
    assert not patterns.full_match(r"^(a+)\1$", "aa"), "a refused pattern matches nothing"
    assert not patterns.full_match(".*", "\udc00"), "no lone surrogates"
