"""When the case asks the resident for information (the demo's Task_Aanvulling, group
inwoner), the resident gets the caseworker's own words, the date by which it is needed and
a link of its own, in the step that asks; a reminder three days before that date, which is
withdrawn when they answer first. Sent through a real SMTP server (aiosmtpd)."""
from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select, update

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, KAP_AANVRAAG, complete, open_task, start
from maatwerk.cli import run_worker_pass
from maatwerk.domain.dutch_dates import long_date
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import OutboxMessage, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services.mailer import SmtpServer
from test_outbox import Inbox, _messages, _part, smtp  # noqa: F401 - the SMTP fixture

ASKED = "Stuur de offerte van de wasmachine mee, en uw bankafschrift van oktober."


def _asked(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    asked = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": ASKED})
    return {**asked, "status_url": case["status_url"]}


def test_the_resident_is_asked_in_the_caseworkers_words_with_a_date_and_a_link(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    case = _asked(client, tokens)
    receipt, request, reminder = _messages(database)
    assert (request.kind, request.state, request.recipient) == \
        ("request", "pending", "jan@example.nl")
    by = request.created_at + timedelta(days=14)  # the P14D hersteltermijn
    assert reminder.kind == "reminder" and reminder.task_id == request.task_id
    assert reminder.next_attempt_at == by - timedelta(days=3)
    run_worker_pass(database, mail=server)
    assert [m["Subject"] for m in inbox.mails] == [
        receipt.subject, f"Wij hebben iets van u nodig: Bijzondere bijstand ({case['reference']})"]
    text = _part(inbox.mails[1], "plain")
    assert f"Wat wij van u vragen:\r\n{ASKED}" in text
    assert f"Doe dit uiterlijk op {long_date(by)}." in text
    assert "Aanvullende gegevens aanleveren" in text  # the task
    link = re.search(r"http://\S+/status/(\S+)", text)
    assert link is not None and link.group(1) not in case["status_url"]  # a link of its own
    page = client.get(f"/status/{link.group(1)}").get_data(as_text=True)
    assert case["reference"] in page and "Berichten van ons" in page
    assert "Herinnering" not in page  # not before it is due
    assert "Wat wij van u vragen:" in page and ASKED in page  # what they must do
    # the reminder, when it is due and the resident has not answered
    with UnitOfWork(database) as uow:
        uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == reminder.id)
                            .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    run_worker_pass(database, mail=server)
    assert inbox.mails[2]["Subject"] == \
        f"Herinnering: wij hebben nog iets van u nodig ({case['reference']})"
    assert ASKED in _part(inbox.mails[2], "plain")


def test_a_reminder_is_withdrawn_when_the_resident_answers_first(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    case = _asked(client, tokens)
    token = case["status_url"].split("/status/")[1]
    page = client.get(f"/status/{token}").get_data(as_text=True)
    field = re.search(r'name="(t[0-9a-f]{8}-aanvulling)"', page)
    assert field is not None
    sent = client.post(f"/status/{token}/taken/{open_task(case, 'Task_Aanvulling')['id']}",
                       data={f"{field.group(1).split('-')[0]}-csrf_token": csrf_token(page),
                             field.group(1): "Hierbij de offerte en het bankafschrift."})
    assert sent.status_code == 302
    states = {m.kind: m.state for m in _messages(database)}
    assert states == {"receipt": "pending", "request": "pending", "reminder": "withdrawn"}
    with UnitOfWork(database) as uow:  # even when its day comes
        uow.session.execute(update(OutboxMessage).values(
            next_attempt_at=utcnow() - timedelta(seconds=1)))
        uow.commit()
    run_worker_pass(database, mail=server)
    assert len(inbox.mails) == 2  # the receipt and the request, not the reminder
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Niet nodig: de inwoner deed het al" in page
    assert "Verzoek om gegevens" in page


def test_the_caseworker_sees_when_the_reminder_will_go(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = _asked(client, tokens)
    with UnitOfWork(database, readonly=True) as uow:
        reminder = uow.session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "reminder"))
        assert reminder is not None and reminder.next_attempt_at is not None
        when: datetime = reminder.next_attempt_at
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert f"Wordt verstuurd per e-mail op {long_date(when)}" in page


def test_the_caseworker_sees_what_the_resident_will_receive(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    login(client, "consulent")
    page = client.get(f"/werk/taken/{open_task(case, 'Task_Volledigheid')['id']}"
                      ).get_data(as_text=True)
    assert "Wat de inwoner krijgt als u om gegevens vraagt" in page
    assert f"Wij hebben iets van u nodig: Bijzondere bijstand ({case['reference']})" in page
    assert 'data-fill-from="ontbrekende_gegevens"' in page and "request_preview.js" in page
    preview = re.search(r'<div class="message-text">(.*?)<mark', page, re.S)
    assert preview is not None
    complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": ASKED})
    request = next(m for m in _messages(database) if m.kind == "request")
    expected = html.unescape(preview.group(1))
    assert request.body_text.startswith(expected) and expected.endswith("vragen:\n")
    assert request.body_text[len(expected):].startswith(ASKED)
    permit = start(client, tokens["vergunning"], "kapvergunning", KAP_AANVRAAG)
    login(client, "vergunning")  # a form from which no request to the resident follows
    other = client.get(f"/werk/taken/{open_task(permit, 'Task_Beoordelen')['id']}")
    assert other.status_code == 200
    assert "Wat de inwoner krijgt" not in other.get_data(as_text=True)
