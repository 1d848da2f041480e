"""An approved deviation that affects the resident is told to them by e-mail in plain
words, in the step that carries it out; a longer decision term names the new date and the
reason (art. 4:14 Awb); a task handed to another caseworker tells them nothing."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, bearer, open_task, start
from maatwerk.cli import run_worker_pass
from maatwerk.domain.dutch_dates import long_date
from maatwerk.persistence.database import Database
from maatwerk.services.mailer import SmtpServer
from test_outbox import Inbox, _messages, _part, smtp  # noqa: F401 - the SMTP fixture

REASON = "De beleidsregel pakt voor deze inwoner onevenredig uit door hoge zorgkosten."


def _approved(client: FlaskClient, tokens: dict[str, str], case_id: int,
              **body: Any) -> dict[str, Any]:
    body = {"reason": REASON, "legal_basis": "art. 4:84 Awb", **body}
    requested = client.post(f"/api/v1/cases/{case_id}/deviations", json=body,
                            headers=bearer(tokens["consulent"]))
    assert requested.status_code == 201, requested.get_json()
    approved = client.post(f"/api/v1/deviations/{requested.get_json()['id']}/approve",
                           json={"comment": "Akkoord"}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == 200, approved.get_json()
    result: dict[str, Any] = approved.get_json()
    return result


def test_a_longer_term_is_told_with_the_new_date_and_the_reason(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    why = "Wij wachten op een medisch advies. Daarom beslissen wij vier weken later."
    approved = _approved(client, tokens, case["id"], type="extend_deadline",
                         values={"weeks": 4}, resident_message=why)
    new_date = datetime.fromisoformat(approved["case"]["due_at"])
    old_date = datetime.fromisoformat(case["due_at"])
    assert new_date - old_date == timedelta(weeks=4)
    assert [m.kind for m in _messages(database)] == ["receipt", "extension"]
    run_worker_pass(database, mail=server)
    mail = inbox.mails[1]
    assert mail["Subject"] == f"Wij hebben meer tijd nodig voor uw aanvraag ({case['reference']})"
    text = _part(mail, "plain")
    assert f"U hoort uiterlijk op {long_date(new_date)} van ons" in text
    assert f"(eerst was dat {long_date(old_date)})" in text
    assert f"Waarom wij meer tijd nodig hebben:\r\n{why}" in text


def test_an_exception_to_the_rules_is_told_in_plain_words_and_a_handover_is_not(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    _approved(client, tokens, case["id"], type="reassign", task_id=task["id"],
              values={"assignee": "consulent2"},
              reason="Collega kent deze inwoner al van een eerdere aanvraag.")
    assert [m.kind for m in _messages(database)] == ["receipt"]
    _approved(client, tokens, case["id"], type="correct_data", values={"bedrag": 400},
              reason="Het bedrag op de offerte is 400 euro, niet 650.")
    run_worker_pass(database, mail=server)
    [_, mail] = inbox.mails
    assert mail["Subject"] == f"Nieuws over uw aanvraag ({case['reference']})"
    text = _part(mail, "plain")
    assert "Wij hebben gegevens in uw aanvraag verbeterd." in text  # the type's default
    assert "Een tweede medewerker met bevoegdheid heeft dit goedgekeurd." in text
    assert REASON not in text and "400 euro" not in text  # no internal reasons
