"""A designer's message text or letter is filled in inside a sandbox process too: one that
loops for ever (Jinja's sandbox bounds a range, not two nested ones) or divides by zero is
refused at upload with its reason within seconds, instead of holding the web worker for
ever or answering 500; one that only runs away on a real case's data does not hold up the
step: the resident gets the standard text, and the case goes on."""
from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, bearer, bijstand_with, upload
from maatwerk.persistence.database import Database
from maatwerk.services import letters
from test_decision_letters import OWN_LETTER
from test_mail_templates import RECEIPT
from test_outbox import _messages

FOREVER = ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
           "{% endfor %}")
# fine with the example values at upload (‹bedrag› is no number: 0 rounds), endless with
# a real amount
ON_REAL_DATA = ("{% set n = gegevens.bedrag|int %}{% for i in range(n) %}{% for j in range(n) %}"
                "{% for k in range(n) %}{% endfor %}{% endfor %}{% endfor %}")


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("bericht-ontvangstbevestiging.txt", RECEIPT + FOREVER, "took too long"),
    ("bericht-ontvangstbevestiging.txt", RECEIPT + "{{ 1 / 0 }}", "ZeroDivisionError"),
    ("brief-besluit.html", OWN_LETTER.replace("</body>", FOREVER + "</body>"),
     "took too long"),
    ("brief-besluit.html", OWN_LETTER.replace("</body>", "{{ 1 / 0 }}</body>"),
     "ZeroDivisionError"),
])
def test_a_template_that_runs_away_or_fails_is_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str], name: str, text: str,
        problem: str) -> None:
    began = time.monotonic()
    response = upload(client, tokens["ontwerper"], bijstand_with((name, text)))
    assert time.monotonic() - began < 15
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert [e["file"] for e in errors] == [name] and problem in errors[0]["message"], errors


def test_a_text_that_runs_away_on_real_data_sends_the_standard_one(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    own = RECEIPT.replace("Onderwerp: Wij hebben", "Onderwerp: Eigen tekst: wij hebben")
    response = upload(client, tokens["ontwerper"], bijstand_with(
        ("bericht-ontvangstbevestiging.txt", own + ON_REAL_DATA)))
    assert response.status_code == 201, response.get_json()
    began = time.monotonic()
    started = client.post("/api/v1/cases", headers=bearer(tokens["consulent"]), json={
        "process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG})
    assert time.monotonic() - began < 15
    assert started.status_code == 201, started.get_json()
    assert started.get_json()["status"] == "open"
    [receipt] = _messages(database)
    assert receipt.kind == "receipt" and not receipt.subject.startswith("Eigen tekst")
    assert started.get_json()["reference"] in receipt.subject


def test_a_letter_that_takes_minutes_to_print_is_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The template is quick (one range), but 100,000 paragraphs take WeasyPrint minutes
    and gigabytes: the printing process is stopped at its bound, the upload says why."""
    monkeypatch.setattr(letters, "PRINT_SECONDS", 3.0)
    long_letter = OWN_LETTER.replace(
        "</body>", "{% for i in range(100000) %}<p>Regel {{ i }}</p>{% endfor %}</body>")
    began = time.monotonic()
    response = upload(client, tokens["ontwerper"], bijstand_with(
        ("brief-besluit.html", long_letter)))
    assert time.monotonic() - began < 20
    assert response.status_code == 422, response.get_json()
    [error] = response.get_json()["errors"]
    assert error["file"] == "brief-besluit.html"
    assert "took too long" in error["message"] or "could not be printed" in error["message"]
    assert letters.pdf("<p>Een gewone brief</p>").startswith(b"%PDF")  # and printing goes on
