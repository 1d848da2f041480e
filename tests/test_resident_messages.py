"""Messages both ways: the resident writes from the status page (with a document if they
like); the caseworker sees it new on the case and in the inbox, answers from the case page
or the API (by e-mail through a real SMTP server, aiosmtpd, and on the status page), and
every message is on record."""
from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, bearer, start
from maatwerk.cli import run_worker_pass
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, ResidentMessage
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services.mailer import SmtpServer
from test_documents import PDF
from test_outbox import Inbox, _messages, _part, smtp  # noqa: F401 - the SMTP fixture

QUESTION = "Moet ik ook de bon van de oude wasmachine opsturen?"
ANSWER = "Nee, dat hoeft niet. De offerte van de nieuwe is genoeg."


def _send(client: FlaskClient, token: str, text: str, file: bytes | None = None) -> Any:
    page = client.get(f"/status/{token}").get_data(as_text=True)
    data: dict[str, Any] = {"bericht-csrf_token": csrf_token(page), "bericht-bericht": text}
    if file is not None:
        data["bericht-bijlage"] = (io.BytesIO(file), "offerte.pdf")
    return client.post(f"/status/{token}/berichten", data=data,
                       content_type="multipart/form-data")


def _audit(database: Database, case_id: int) -> list[str]:
    with UnitOfWork(database, readonly=True) as uow:
        return list(uow.session.scalars(select(AuditEvent.action).where(
            AuditEvent.case_id == case_id).order_by(AuditEvent.id)))


def test_the_resident_asks_and_the_caseworker_answers(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    token = case["status_url"].split("/status/")[1]
    sent = _send(client, token, QUESTION, PDF)
    assert sent.status_code == 302 and sent.location.endswith("bericht=1#berichten")
    page = client.get(sent.location).get_data(as_text=True)
    assert "Wij hebben uw bericht ontvangen" in page and QUESTION in page
    assert "offerte.pdf" in page
    login(client, "consulent")
    inbox_page = client.get("/werk/").get_data(as_text=True)
    assert "1 nieuw bericht van de inwoner" in inbox_page
    case_page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert QUESTION in case_page and "Nieuw" in case_page and "Markeer als gelezen" in case_page
    assert "Bericht van de inwoner" in case_page  # the document they sent, in the list
    answered = client.post(f"/werk/zaken/{case['id']}/berichten", data={
        "csrf_token": csrf_token(case_page), "text": ANSWER})
    assert answered.status_code == 302
    case_page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "gelezen door Chris Consulent" in case_page and "Markeer als gelezen" not in case_page
    assert "nieuw bericht van de inwoner" not in client.get("/werk/").get_data(as_text=True)
    answer = _messages(database)[-1]
    assert (answer.kind, answer.recipient, answer.state) == \
        ("answer", "jan@example.nl", "pending")
    run_worker_pass(database, mail=server)
    mail = inbox.mails[-1]
    assert mail["Subject"] == f"Bericht over uw aanvraag Bijzondere bijstand ({case['reference']})"
    text = _part(mail, "plain")
    assert ANSWER in text and re.search(r"http://\S+/status/\S+", text)
    status = client.get(f"/status/{token}").get_data(as_text=True)
    assert ANSWER in status and "gelezen door uw behandelaar" in status
    actions = _audit(database, case["id"])
    assert actions.count("resident_message_received") == 1
    assert "document_received" in actions and "resident_messages_read" in actions
    assert actions.index("resident_messages_read") > actions.index("resident_message_received")


def test_an_empty_message_is_refused_and_nothing_is_kept(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    token = case["status_url"].split("/status/")[1]
    refused = _send(client, token, "   ")
    assert refused.status_code == 422
    assert "Dit veld is verplicht." in refused.get_data(as_text=True)
    refused = _send(client, token, "Hierbij een foto.", b"<html>geen pdf</html>")
    assert refused.status_code == 422 and "geen PDF" in refused.get_data(as_text=True)
    with UnitOfWork(database, readonly=True) as uow:
        assert uow.session.scalars(select(ResidentMessage)).all() == []
    assert "resident_message_received" not in _audit(database, case["id"])


def test_the_api_reads_both_ways_and_writes_to_the_resident(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    _send(client, case["status_url"].split("/status/")[1], QUESTION)
    url = f"/api/v1/cases/{case['id']}/messages"
    before = client.get(url, headers=bearer(tokens["consulent"])).get_json()["messages"]
    assert [(m["direction"], m["kind"]) for m in before] == [
        ("to_resident", "receipt"), ("from_resident", "resident_message")]
    assert before[1]["text"] == QUESTION and before[1]["read_at"] is None
    posted = client.post(url, json={"text": ANSWER}, headers=bearer(tokens["consulent"]))
    assert posted.status_code == 201
    assert posted.get_json()["kind"] == "answer" and ANSWER in posted.get_json()["text"]
    after = client.get(url, headers=bearer(tokens["consulent"])).get_json()["messages"]
    assert [m["kind"] for m in after] == ["receipt", "resident_message", "answer"]
    assert after[1]["read_by"] == "consulent"
    assert client.post(url, json={"text": " "}, headers=bearer(
        tokens["consulent"])).status_code == 422
    assert client.post(url, json={"text": "x" * 4001}, headers=bearer(
        tokens["consulent"])).status_code == 422
    assert client.post(url, json={"text": ANSWER}, headers=bearer(
        tokens["balie"])).status_code == 403  # a clerk sees the case, but does not write
    assert [m["kind"] for m in client.get(url, headers=bearer(
        tokens["consulent"])).get_json()["messages"]] == ["receipt", "resident_message", "answer"]


def test_marking_read_takes_the_message_off_the_inbox(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    _send(client, case["status_url"].split("/status/")[1], QUESTION)
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    done = client.post(f"/werk/zaken/{case['id']}/berichten/gelezen",
                       data={"csrf_token": csrf_token(page)})
    assert done.status_code == 302
    assert "van de inwoner</a>" not in client.get("/werk/").get_data(as_text=True)
    assert "gelezen door Chris Consulent" in client.get(
        f"/werk/zaken/{case['id']}").get_data(as_text=True)
