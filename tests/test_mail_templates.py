"""The designer's own message texts (bericht-<occasion>.txt), uploaded with the model:
checked in a sandbox with example values at upload, previewed on the designer's model page,
and sent instead of the platform's default (a real SMTP server, aiosmtpd)."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, bearer, bijstand_with, complete, start, upload
from maatwerk.cli import run_worker_pass
from maatwerk.persistence.database import Database
from maatwerk.services.mailer import SmtpServer
from test_access_matrix import FORM
from test_outbox import Inbox, _messages, _part, smtp  # noqa: F401 - the SMTP fixture

ROOT = Path(__file__).resolve().parents[1]
RECEIPT = """Onderwerp: Wij hebben uw aanvraag {{ proces }} ({{ zaaknummer }})

Beste {{ naam }},

U vroeg geld voor: {{ gegevens.kosten_omschrijving }}.
{% if beslisdatum %}U hoort uiterlijk op {{ beslisdatum }} van ons.{% endif %}

Volg uw aanvraag hier:
{{ link }}

Team Inkomen, Gemeente Voorbeeld
"""
REQUEST = """Onderwerp: Wilt u ons nog iets sturen? ({{ zaaknummer }})

Beste {{ naam }},

Wij missen nog iets: {{ gevraagd }}
Stuur het uiterlijk op {{ uiterlijk }}.

{{ link }}
"""


def test_the_designers_texts_are_sent_and_previewed(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    response = upload(client, tokens["ontwerper"], bijstand_with(
        ("bericht-ontvangstbevestiging.txt", RECEIPT), ("bericht-verzoek.txt", REQUEST)))
    assert response.status_code == 201, response.get_json()
    version = response.get_json()["version"]
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "Uw bankafschrift van oktober."})
    run_worker_pass(database, mail=server)
    receipt, request = inbox.mails[:2]
    assert receipt["Subject"] == \
        f"Wij hebben uw aanvraag Bijzondere bijstand ({case['reference']})"
    text = _part(receipt, "plain")
    assert "Beste Jan Jansen," in text
    assert "U vroeg geld voor: Een nieuwe wasmachine, want de oude is kapot." in text
    assert "U hoort uiterlijk op " in text and "Team Inkomen" in text
    assert "/status/" in text and '<a href="http' in _part(receipt, "html")
    assert request["Subject"] == f"Wilt u ons nog iets sturen? ({case['reference']})"
    assert "Wij missen nog iets: Uw bankafschrift van oktober." in _part(request, "plain")
    kinds = [m.kind for m in _messages(database)]
    assert kinds[:2] == ["receipt", "request"]  # the reminder keeps the default text
    login(client, "ontwerper")
    page = client.get(f"/ontwerp/bijzondere_bijstand/{version}").get_data(as_text=True)
    assert "Berichten aan inwoners" in page
    assert "Eigen tekst: Wij hebben uw aanvraag Voorbeeldproces (2026-000123)" in page
    assert "‹kosten_omschrijving›" in page  # the example values
    assert "standaardtekst" in page  # the occasions without a text of their own


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("bericht-verzoek.txt", REQUEST.replace("{{ gevraagd }}", "{{ gevraagt }}"),
     "'gevraagt' is undefined; a text here can use: "),
    ("bericht-verzoek.txt", REQUEST.replace("{{ link }}", ""),
     "the message must hold the resident's link: {{ link }}"),
    ("bericht-verzoek.txt", REQUEST.replace("Onderwerp:", "Over:"),
     "the first line is the subject: 'Onderwerp: ...'"),
    ("bericht-verzoek.txt", REQUEST + "{% if %}", "line 9: "),
    ("bericht-ontvangstbevestiging.txt",
     RECEIPT.replace("kosten_omschrijving", "onbekend_veld"),
     "no form of this model has a field 'onbekend_veld'"),
    ("bericht-verzoek.txt", REQUEST + "{{ ''.__class__.__mro__[1].__subclasses__() }}",
     "unsafe"),
    ("bericht-welkom.txt", REQUEST, "with occasion one of: ontvangstbevestiging, verzoek"),
])
def test_a_text_that_cannot_be_used_is_refused_with_its_reason(
        client: FlaskClient, tokens: dict[str, str], name: str, text: str,
        problem: str) -> None:
    response = upload(client, tokens["ontwerper"], bijstand_with((name, text)))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["file"] for e in errors] == [name], errors
    assert problem in errors[0]["message"], errors[0]["message"]


RECEIPT_EN = """Subject: We have received your application ({{ zaaknummer }})

Dear {{ naam or "resident" }},

We have received your application for {{ proces }}. Follow it here:
{{ link }}
"""


def test_a_resident_who_applied_in_english_gets_the_english_text(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    response = upload(client, tokens["ontwerper"], bijstand_with(
        ("bericht-ontvangstbevestiging.txt", RECEIPT),
        ("bericht-ontvangstbevestiging.en.txt", RECEIPT_EN)))
    assert response.status_code == 201, response.get_json()
    resident = client.application.test_client()
    resident.get("/?taal=en")  # the resident chose English
    form = resident.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    applied = resident.post("/aanvragen/bijzondere_bijstand", data={
        **FORM, "csrf_token": csrf_token(form)})
    assert applied.status_code == 302, applied.get_data(as_text=True)[:500]
    dutch = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    english = client.post("/api/v1/cases", json={
        "process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG, "language": "en"},
        headers=bearer(tokens["consulent"]))
    assert english.status_code == 201
    assert client.post("/api/v1/cases", json={
        "process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG, "language": "fr"},
        headers=bearer(tokens["consulent"])).status_code == 422
    run_worker_pass(database, mail=server)
    subjects = [(m["Subject"].split(" (")[0], m["Content-Language"]) for m in inbox.mails]
    assert subjects == [("We have received your application", "en"),
                        ("Wij hebben uw aanvraag Bijzondere bijstand", "nl"),
                        ("We have received your application", "en")]
    assert dutch["reference"] in inbox.mails[1]["Subject"]
    assert '<html lang="en">' in _part(inbox.mails[0], "html")
    assert "Dear Jan Jansen," in _part(inbox.mails[2], "plain")
