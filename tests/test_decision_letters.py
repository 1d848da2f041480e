"""The decision as a letter: when the demo bijzondere-bijstand case reaches its decision
(an end event with maatwerk:decision), the step makes a PDF letter with what was asked,
what was decided and why, the amount, the date, who decided and how to object within six
weeks; keeps it as a document of the case with its hash; and sends it attached to the
decision mail (a real SMTP server, aiosmtpd). The resident downloads it from the status
page. The PDF's text is read with pypdf."""
from __future__ import annotations

import base64
import hashlib
import io
import re
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from jinja2 import TemplateError
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from conftest import login
from helpers import BIJSTAND_AANVRAAG, bearer, bijstand_with, complete, start, upload
from maatwerk.cli import run_worker_pass
from maatwerk.domain.dutch_dates import long_date
from maatwerk.domain.letter import as_amount, euro
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, Document, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import letters
from maatwerk.services.mailer import SmtpServer
from test_outbox import Inbox, _messages, _part, smtp  # noqa: F401 - the SMTP fixture

REASONS = ("Uw inkomen is hoger dan de bijstandsnorm. Daarom kunt u de kosten zelf "
           "betalen. Dat hebben wij op 3 maart met u besproken.")


def _text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def _granted(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    started = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    case = complete(client, tokens["consulent"], started, "Task_Volledigheid",
                    {"volledig": "ja"})
    return {**complete(client, tokens["teamleider"], case, "Task_Vierogen", {
        "akkoord": True, "vierogen_toelichting": "Akkoord."}),
        "status_url": started["status_url"]}


def _refused(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    case = start(client, tokens["consulent"], "bijzondere_bijstand",
                 {**BIJSTAND_AANVRAAG, "netto_inkomen": 2500})
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    case = complete(client, tokens["consulent"], case, "Task_ContactAfwijzing", {
        "gesprek_datum": "2026-03-03", "gesprek_vorm": "telefoon",
        "gesprek_verslag": "De uitkomst telefonisch met de aanvrager besproken."})
    return complete(client, tokens["teamleider"], case, "Task_Vierogen", {
        "akkoord": True, "vierogen_toelichting": "Afwijzing is terecht."})


def _letters(database: Database, case_id: int) -> list[Document]:
    with UnitOfWork(database, readonly=True) as uow:
        found = list(uow.session.scalars(select(Document).where(
            Document.case_id == case_id, Document.kind == "letter")))
        for document in found:
            _ = document.content  # deferred: read it before the session closes
        uow.session.expunge_all()
    return found


def test_a_granted_case_sends_the_decision_letter_with_amount_reasons_and_objection(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        smtp: tuple[Inbox, SmtpServer]) -> None:  # noqa: F811
    inbox, server = smtp
    case = _granted(client, tokens)
    assert case["status"] == "completed"
    [letter] = _letters(database, case["id"])
    assert letter.content_type == "application/pdf" and letter.content.startswith(b"%PDF-")
    assert letter.sha256 == hashlib.sha256(letter.content).hexdigest()
    assert letter.filename == f"besluit-{case['reference']}.pdf"
    text = _text(letter.content)
    today = utcnow()
    for expected in (
            "Besluit op uw aanvraag Bijzondere bijstand", case["reference"], "Jan Jansen",
            "Een nieuwe wasmachine, want de oude is kapot.",  # what was asked
            "Wij geven u bijzondere bijstand",  # what was decided
            "BB-65000",  # the payment reference the script set
            "Bedrag: € 650,00",
            "artikel 35 van de Participatiewet",  # why
            "Bewaar de rekening",  # conditions
            long_date(today),  # the letter's date
            "de teamleider Inkomen",  # who decided
            "bezwaar maken", "binnen zes weken",
            f"uiterlijk op {long_date(today + timedelta(weeks=6))}",
            "Postbus 1000"):  # to whom
        assert expected in text, expected
    _receipt, decision = _messages(database)
    assert (decision.kind, decision.document_id, decision.state) == \
        ("decision", letter.id, "pending")
    run_worker_pass(database, mail=server)
    mail = next(m for m in inbox.mails if m["Subject"].startswith("Besluit"))
    assert mail["Subject"] == f"Besluit op uw aanvraag Bijzondere bijstand ({case['reference']})"
    assert "Bedrag: € 650,00" in _part(mail, "plain") and "/status/" in _part(mail, "plain")
    [attached] = list(mail.iter_attachments())
    assert isinstance(mail, EmailMessage)
    assert attached.get_content_type() == "application/pdf"
    assert attached.get_filename() == letter.filename
    assert attached.get_content() == letter.content
    with UnitOfWork(database, readonly=True) as uow:
        made = uow.session.scalars(select(AuditEvent.details).where(
            AuditEvent.case_id == case["id"], AuditEvent.action == "letter_made")).one()
    assert made["sha256"] == letter.sha256 and made["element_id"] == "Event_Toegekend"


def test_a_refusal_carries_the_caseworkers_reasons_and_needs_them(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = _refused(client, tokens)
    task = next(t for t in case["open_tasks"] if t["element_id"] == "Task_BesluitAfwijzing")
    without = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "verzenddatum": "2026-03-06", "verzendwijze": "post"}},
        headers=bearer(tokens["consulent"]))
    assert without.status_code == 422 and "motivering" in without.get_json()["errors"]
    assert _letters(database, case["id"]) == []
    case = complete(client, tokens["consulent"], case, "Task_BesluitAfwijzing", {
        "motivering": REASONS + " <script>alert(1)</script>",
        "verzenddatum": "2026-03-06", "verzendwijze": "post"})
    assert case["status"] == "completed"
    [letter] = _letters(database, case["id"])
    text = _text(letter.content)
    assert "Wij wijzen uw aanvraag voor bijzondere bijstand af." in text
    assert REASONS in text and "<script>alert(1)</script>" in text  # as text, escaped
    assert "Bedrag" not in text
    documents = client.get(f"/api/v1/cases/{case['id']}/documents",
                           headers=bearer(tokens["consulent"])).get_json()
    listed = documents["documents"] if isinstance(documents, dict) else documents
    assert [(d["kind"], d["filename"], d["step"]) for d in listed] == \
        [("letter", letter.filename, "Brief")]
    messages = client.get(f"/api/v1/cases/{case['id']}/messages",
                          headers=bearer(tokens["consulent"])).get_json()
    decision = [m for m in (messages["messages"] if isinstance(messages, dict) else messages)
                if m["kind"] == "decision"]
    assert [m["document_id"] for m in decision] == [letter.id]


def test_the_resident_downloads_the_letter_from_the_status_page(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    case = _granted(client, tokens)
    [letter] = _letters(database, case["id"])
    page = client.get(case["status_url"]).get_data(as_text=True)
    assert "Brieven van ons" in page and letter.filename in page
    assert "Wat u heeft gestuurd" not in page  # the letter is not something they sent
    link = re.search(r'href="([^"]*/documenten/[^"]*)"', page)
    assert link is not None
    response = client.get(link.group(1))
    assert response.status_code == 200 and response.data == letter.content
    assert response.mimetype == "application/pdf"


def test_a_decision_on_the_wrong_element_or_without_reasons_is_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="besluit_test" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Besluit"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="maatwerk:decision" value="Toegekend." />
    </camunda:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:extensionElements><camunda:properties>
      <camunda:property name="maatwerk:decision" value="Toegekend." />
      <camunda:property name="maatwerk:decisionAmount" value="${bedrag +}" />
    </camunda:properties></bpmn:extensionElements><bpmn:incoming>f2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Task_Besluit" />
    <bpmn:sequenceFlow id="f2" sourceRef="Task_Besluit" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""
    response = upload(client, tokens["ontwerper"], [("besluit.bpmn", bpmn)])
    assert response.status_code == 422, response.get_json()
    problems = {(p["element_id"], p["message"].split(": ")[0])
                for p in response.get_json()["errors"]}
    assert ("Task_Besluit", ("maatwerk:decision belongs on an end event or an intermediate "
            "throw event (the moment the decision is made), not on a userTask")) in problems
    assert ("End", "maatwerk:decisionReasons is missing or empty") in problems
    assert "e.g. ${motivering}," in str(response.get_json())
    assert ("End", "maatwerk:decisionAmount") in problems


def test_a_letter_template_runs_in_a_sandbox_and_escapes_what_it_is_given(
        tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="unsafe"):
        letters.render_html("{{ ''.__class__.__mro__[1].__subclasses__() }}", {})
    assert letters.render_html("<p>{{ x }}</p>", {"x": "<b>"}) == "<p>&lt;b&gt;</p>"
    picture = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(picture, "PNG")
    (tmp_path / "logo.png").write_bytes(picture.getvalue())
    from_disk = letters.pdf(f'<img src="{(tmp_path / "logo.png").as_uri()}"><p>Brief</p>')
    assert "Brief" in _text(from_disk) and b"/Image" not in from_disk  # not read
    embedded = base64.b64encode(picture.getvalue()).decode()
    assert b"/Image" in letters.pdf(f'<img src="data:image/png;base64,{embedded}">')


def test_amounts_read_and_write_as_dutch_readers_do() -> None:
    assert euro(as_amount(1234.5)) == "€ 1.234,50"  # type: ignore[arg-type]
    assert euro(as_amount("450,5")) == "€ 450,50"  # type: ignore[arg-type]
    assert as_amount("veel") is None and as_amount(None) is None and as_amount(True) is None


OWN_LETTER = """<!DOCTYPE html><html lang="nl"><head><meta charset="utf-8">
<style>@page { size: A4; margin: 20mm } body { font-family: "DejaVu Sans" }</style></head>
<body><p>Gemeente Voorbeeld, Team Inkomen</p>
<p>Zaak {{ zaaknummer }}, {{ datum }}. Uw aanvraag voor: {{ gegevens.kosten_omschrijving }}</p>
{% for p in besluit %}<p>{{ p }}</p>{% endfor %}
{% if bedrag %}<p>Wij betalen {{ bedrag }}.</p>{% endif %}
{% for p in redenen %}<p>{{ p }}</p>{% endfor %}
<p>Bezwaar kan tot en met {{ bezwaar_tot }} bij {{ bezwaar_naar }}.</p></body></html>"""


def test_a_process_brings_its_own_letter_and_the_designer_previews_it(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    response = upload(client, tokens["ontwerper"],
                      bijstand_with(("brief-besluit.html", OWN_LETTER)))
    assert response.status_code == 201, response.get_json()
    version = response.get_json()["version"]
    case = _granted(client, tokens)
    [letter] = _letters(database, case["id"])
    text = _text(letter.content)
    assert "Gemeente Voorbeeld, Team Inkomen" in text
    assert "Uw aanvraag voor: Een nieuwe wasmachine, want de oude is kapot." in text
    assert "Wij betalen € 650,00." in text and "artikel 35 van de Participatiewet" in text
    login(client, "ontwerper")
    page = client.get(f"/ontwerp/bijzondere_bijstand/{version}").get_data(as_text=True)
    assert "Dit proces heeft een eigen brief" in page
    preview = client.get(f"/ontwerp/bijzondere_bijstand/{version}/brief.pdf")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    shown = _text(preview.data)
    assert "Team Inkomen" in shown and "‹wat wij besloten›" in shown
    assert "‹kosten_omschrijving›" in shown
    default = _text(client.get("/ontwerp/bijzondere_bijstand/1/brief.pdf").data)
    assert "Bent u het niet eens met dit besluit?" in default  # the default letter


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("brief-besluit.html", OWN_LETTER.replace("{% for p in redenen %}", "{% for p in [] %}"),
     "the letter must show the reasons (art. 3:46 Awb)"),
    ("brief-besluit.html", OWN_LETTER.replace("{{ bezwaar_tot }}", ""),
     "the letter must show the last day to object"),
    ("brief-besluit.html", OWN_LETTER.replace("kosten_omschrijving", "onbekend"),
     "no form of this model has a field 'onbekend'"),
    ("brief-besluit.html", OWN_LETTER + "{{ datum.__class__ }}", "unsafe"),
    ("brief-bijlage.html", OWN_LETTER, "a letter is named brief-besluit.html"),
])
def test_a_letter_that_lacks_what_the_law_asks_is_refused(
        client: FlaskClient, tokens: dict[str, str], name: str, text: str,
        problem: str) -> None:
    response = upload(client, tokens["ontwerper"], bijstand_with((name, text)))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["file"] for e in errors] == [name] and problem in errors[0]["message"], errors
