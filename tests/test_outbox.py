"""The acknowledgement of receipt, through the outbox, to a real SMTP server (aiosmtpd):
written in the step that starts the case (none when the step fails), sent by the worker
with its text and HTML parts and the private link, tried again with back-off while the
mail server is down, sent once with several workers, and without an e-mail address kept
with the case as not sent."""
from __future__ import annotations

import email
import io
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask.testing import FlaskClient
from sqlalchemy import select, update

from conftest import login
from helpers import BIJSTAND_AANVRAAG, bearer, start, upload
from maatwerk.cli import run_worker_pass
from maatwerk.config import public_url
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, OutboxMessage, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import outbox
from maatwerk.services.mailer import SmtpServer

SENDER = "Gemeente Voorbeeld <noreply@voorbeeld.nl>"


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = email.message_from_bytes(envelope.content, policy=default_policy)
        with self.lock:
            self.mails.append(mail)  # type: ignore[arg-type]
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, SmtpServer]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, SmtpServer.from_url(f"smtp://127.0.0.1:{controller.port}", SENDER)
    finally:
        controller.stop()


def _messages(database: Database) -> list[OutboxMessage]:
    with UnitOfWork(database, readonly=True) as uow:
        found = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.session.expunge_all()
        return found


def _part(mail: EmailMessage, kind: str) -> str:
    part = mail.get_body(preferencelist=(kind,))
    assert part is not None
    return str(part.get_content())


def test_the_resident_gets_a_receipt_with_the_link_and_what_they_sent(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:
    inbox, server = smtp
    response = client.post("/api/v1/cases", json={
        "process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG, "channel": "online"},
        headers=bearer(tokens["consulent"]))
    assert response.status_code == 201
    case = response.get_json()
    [message] = _messages(database)
    assert (message.state, message.recipient, message.kind) == \
        ("pending", "jan@example.nl", "receipt")
    assert inbox.mails == []  # the step only wrote it; the worker sends it
    run_worker_pass(database, mail=server)
    [mail] = inbox.mails
    assert mail["To"] == "jan@example.nl" and mail["From"] == SENDER
    assert mail["Subject"] == f"Ontvangstbevestiging Bijzondere bijstand ({case['reference']})"
    assert mail["Message-ID"] == message.message_id
    text, html = _part(mail, "plain"), _part(mail, "html")
    link = f"{public_url()}{case['status_url']}"
    assert link in text and f'<a href="{link}">' in html
    assert f"Uw zaaknummer is {case['reference']}" in text
    assert "U hoort uiterlijk op " in text  # the decision term of eight weeks
    assert "- Waarvoor vraagt u geld aan?: Een nieuwe wasmachine, want de oude is kapot." \
        in text
    assert "- Woonsituatie: Ik woon alleen" in text  # the option's label
    assert "- Geboortedatum: 2 januari 1980" in text
    assert "<li>" in html and "Jan Jansen" in text
    [sent] = _messages(database)
    assert sent.state == "sent" and sent.sent_at is not None and sent.attempts == 1
    run_worker_pass(database, mail=server)
    assert len(inbox.mails) == 1  # once
    with UnitOfWork(database, readonly=True) as uow:
        actions = list(uow.session.scalars(select(AuditEvent.action).where(
            AuditEvent.case_id == case["id"])))
    assert "message_queued" in actions and "message_sent" in actions


def test_without_an_address_the_receipt_is_kept_and_no_mail_is_tried(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:
    inbox, server = smtp
    model = Path(__file__).parent / "data" / "start_clocks.bpmn"  # no start form
    assert upload(client, tokens["ontwerper"], [(model.name, model.read_bytes())]
                  ).status_code == 201
    start(client, tokens["consulent"], "herbeoordeling", {"email": "geen adres"})
    [message] = _messages(database)
    assert message.state == "no_address" and message.recipient is None
    assert "Beste inwoner," in message.body_text
    assert "Dit heeft u ons gestuurd" not in message.body_text
    run_worker_pass(database, mail=server)
    assert inbox.mails == []


def test_a_start_that_fails_writes_no_message(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    response = client.post("/api/v1/cases", json={
        "process_key": "bijzondere_bijstand", "data": {**BIJSTAND_AANVRAAG, "bedrag": "veel"},
        "channel": "online"}, headers=bearer(tokens["consulent"]))
    assert response.status_code == 422
    assert _messages(database) == []


def test_while_the_mail_server_is_down_the_message_waits_and_is_sent_later(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:
    inbox, server = smtp
    start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    down = SmtpServer.from_url(f"smtp://127.0.0.1:{_free_port()}", SENDER)
    run_worker_pass(database, mail=down)
    [message] = _messages(database)
    assert (message.state, message.attempts) == ("pending", 1)
    assert message.last_error and "Connection" in message.last_error
    assert message.next_attempt_at is not None and message.next_attempt_at > utcnow()
    run_worker_pass(database, mail=server)
    assert inbox.mails == []  # not due yet: a minute later
    with UnitOfWork(database) as uow:
        uow.session.execute(update(OutboxMessage).values(
            next_attempt_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    run_worker_pass(database, mail=server)
    assert len(inbox.mails) == 1
    [message] = _messages(database)
    assert (message.state, message.attempts, message.last_error) == ("sent", 2, None)


def test_after_the_last_attempt_the_message_is_given_up_visibly(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    down = SmtpServer.from_url(f"smtp://127.0.0.1:{_free_port()}", SENDER)
    for _ in range(outbox.MAX_ATTEMPTS):
        with UnitOfWork(database) as uow:
            uow.session.execute(update(OutboxMessage).where(OutboxMessage.state == "pending")
                                .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            uow.commit()
        run_worker_pass(database, mail=down)
    [message] = _messages(database)
    assert (message.state, message.attempts) == ("failed", outbox.MAX_ATTEMPTS)
    assert message.next_attempt_at is None


def test_several_workers_send_a_message_once(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:
    inbox, server = smtp
    start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker() -> None:
        barrier.wait()
        try:
            run_worker_pass(database, mail=server)
        except BaseException as exc:
            errors.append(exc)
    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert len(inbox.mails) == 1
    assert _messages(database)[0].attempts == 1


def test_staff_read_the_message_without_the_residents_private_link() -> None:
    text = "Volg uw aanvraag: http://127.0.0.1:5000/status/abc_DEF-123 en verder"
    assert outbox.masked(text) == "Volg uw aanvraag: http://127.0.0.1:5000/status/… en verder"


def test_caseworker_api_and_resident_see_the_message_and_its_delivery(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:
    _, server = smtp
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    listed = client.get(f"/api/v1/cases/{case['id']}/messages",
                        headers=bearer(tokens["consulent"])).get_json()["messages"]
    assert [(m["kind"], m["state"], m["recipient"]) for m in listed] == [
        ("receipt", "pending", "jan@example.nl")]
    token = case["status_url"].rsplit("/", 1)[1]
    assert token not in listed[0]["text"] and "/status/…" in listed[0]["text"]
    run_worker_pass(database, mail=server)
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Berichten aan en van de inwoner" in page and "Verstuurd per e-mail op" in page
    assert "aan jan@example.nl" in page and token not in page
    status = client.get(case["status_url"]).get_data(as_text=True)
    assert "Berichten van ons" in status and "ook per e-mail gestuurd" in status
    assert f"Ontvangstbevestiging Bijzondere bijstand ({case['reference']})" in status


def test_the_caseworker_sees_that_a_resident_without_an_address_was_not_reached(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    model = Path(__file__).parent / "data" / "start_clocks.bpmn"
    assert upload(client, tokens["ontwerper"], [(model.name, model.read_bytes())]
                  ).status_code == 201
    case = start(client, tokens["consulent"], "herbeoordeling", {})
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Niet per e-mail verstuurd: er is geen e-mailadres bekend" in page
    assert "Neem op een andere manier contact op" in page


def test_the_receipt_prints_as_a_letter_for_the_resident_and_for_staff(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    token = case["status_url"].rsplit("/", 1)[1]
    [receipt] = _messages(database)
    page = client.get(case["status_url"]).get_data(as_text=True)
    assert f"/status/{token}/berichten/{receipt.id}.pdf" in page
    printed = client.get(f"/status/{token}/berichten/{receipt.id}.pdf")
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    text = _pdf_text(printed.data)
    assert f"Ontvangstbevestiging Bijzondere bijstand ({case['reference']})" in text
    assert "Een nieuwe wasmachine" in text and token in text.replace(" ", "")
    assert client.get(f"/status/{token}/berichten/{receipt.id + 99}.pdf").status_code == 404
    other = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    theirs = _messages(database)[-1]
    assert theirs.case_id == other["id"]  # another resident's receipt: not through this link
    assert client.get(f"/status/{token}/berichten/{theirs.id}.pdf").status_code == 404
    login(client, "balie")  # it holds what the resident wrote: not for the counter
    assert client.get(f"/werk/zaken/{case['id']}/berichten/{receipt.id}.pdf").status_code == 403
    login(client, "consulent")
    staff = client.get(f"/werk/zaken/{case['id']}/berichten/{receipt.id}.pdf")
    assert staff.status_code == 200
    staff_text = _pdf_text(staff.data)
    assert "/status/…" in staff_text and token not in staff_text.replace(" ", "")


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("-\n", "-").replace("\n", " ")
