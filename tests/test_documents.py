"""Documents sent with forms: through the resident's form, the counter, a resident's task,
a caseworker's task and the API; stored with the step, listed and downloadable by the right
people only, refused at the field (and nothing stored) when they don't fit."""
from __future__ import annotations

import base64
import gc
import hashlib
import io
import json
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from conftest import csrf_token, login
from helpers import (
    BIJSTAND_AANVRAAG,
    BIJSTAND_FORM,
    KAP_AANVRAAG,
    bearer,
    complete,
    fill_bijstand_form,
    open_task,
    start,
)
from maatwerk.domain.documents import MAX_FILE_BYTES, MAX_SUBMISSION_BYTES
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, Case, Document
from maatwerk.persistence.uow import UnitOfWork

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(64))
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(64)) + b"\xff\xd9"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

FORM = BIJSTAND_FORM
KAP_FORM = {k: str(v) for k, v in KAP_AANVRAAG.items() if k != "herplant"}
KAP_FORM.update(herplant="y")
# werkzeug's test client leaves the spooled body of a large request to the collector
LARGE_BODIES = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def _file(content: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(content), name


def _b64(content: bytes, name: str) -> dict[str, str]:
    return {"filename": name, "content_base64": base64.b64encode(content).decode()}


def _apply(client: FlaskClient, files: list[tuple[io.BytesIO, str]],
           **changes: str) -> Any:
    page = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    return client.post("/aanvragen/bijzondere_bijstand",
                       data=dict(FORM, csrf_token=csrf_token(page), bewijsstukken=files,
                                 **changes),
                       content_type="multipart/form-data")


def _counts(database: Database) -> tuple[int, int, int]:
    """Cases, documents and document audit events in the database."""
    with UnitOfWork(database, readonly=True) as unit:
        s = unit.session
        return (s.scalar(select(func.count()).select_from(Case)) or 0,
                s.scalar(select(func.count()).select_from(Document)) or 0,
                s.scalar(select(func.count()).select_from(AuditEvent).where(
                    AuditEvent.action == "document_received")) or 0)


def _documents(database: Database) -> list[Document]:
    with UnitOfWork(database, readonly=True) as unit:
        found = list(unit.session.scalars(select(Document).order_by(Document.created_at,
                                                                    Document.filename)))
        unit.session.expunge_all()
        return found


def _case(client: FlaskClient, token: str, case_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/cases/{case_id}", headers=bearer(token))
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def _assert_download(response: Any, content: bytes, content_type: str, filename: str) -> None:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.data == content
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert filename in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "no-store" in response.headers["Cache-Control"]


# -- the resident's form ------------------------------------------------------------------


def test_resident_sends_files_with_the_application(client: FlaskClient, database: Database,
                                                   tokens: dict[str, str]) -> None:
    page = client.get("/aanvragen/bijzondere_bijstand").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert re.search(r'<input[^>]*type="file"[^>]*name="bewijsstukken"', page) or \
        re.search(r'<input[^>]*name="bewijsstukken"[^>]*type="file"', page)
    assert 'accept="application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"' in page

    response = _apply(client, [_file(PDF, "rekening.pdf"), _file(JPEG, "../foto's/offerte.JPG")])
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    status_url = response.headers["Location"].split("?")[0]

    stored = _documents(database)
    assert {(d.filename, d.content_type, d.size, d.task_id, d.submitted_by, d.channel)
            for d in stored} == {
        ("offerte.JPG", "image/jpeg", len(JPEG), None, "inwoner", "online"),
        ("rekening.pdf", "application/pdf", len(PDF), None, "inwoner", "online")}
    by_name = {d.filename: d for d in stored}
    assert by_name["rekening.pdf"].sha256 == hashlib.sha256(PDF).hexdigest()
    assert by_name["offerte.JPG"].content_type == "image/jpeg"

    # the case data holds references, never the bytes
    case = _case(client, tokens["consulent"], stored[0].case_id)
    refs = case["data"]["bewijsstukken"]
    assert sorted(r["filename"] for r in refs) == ["offerte.JPG", "rekening.pdf"]
    assert {r["document_id"] for r in refs} == {by_name[n].id for n in by_name}
    assert {r["size"] for r in refs} == {len(PDF), len(JPEG)}
    assert all(set(r) == {"document_id", "filename", "size", "content_type"} for r in refs)
    assert base64.b64encode(PDF).decode()[:20] not in json.dumps(case)

    # the resident sees what they sent and may download it
    html = client.get(status_url).get_data(as_text=True)
    assert "Wat u heeft gestuurd" in html and "rekening.pdf" in html and "offerte.JPG" in html
    link = re.search(r'href="(/status/[^"]+/documenten/[^"]+)">rekening.pdf<', html)
    assert link, html
    _assert_download(client.get(link.group(1)), PDF, "application/pdf", "rekening.pdf")

    # one audit event per file, with its name and hash, in a chain that still verifies
    events = client.get(f"/api/v1/cases/{case['id']}/audit",
                        headers=bearer(tokens["consulent"])).get_json()["events"]
    received = [e for e in events if e["action"] == "document_received"]
    assert sorted((e["details"]["filename"], e["details"]["sha256"]) for e in received) == \
        sorted([("rekening.pdf", hashlib.sha256(PDF).hexdigest()),
                ("offerte.JPG", hashlib.sha256(JPEG).hexdigest())])
    assert all(e["actor"] == "inwoner" and e["channel"] == "online" for e in received)
    actions = [e["action"] for e in events]
    assert actions.index("case_started") < actions.index("document_received")
    verified = client.get("/api/v1/audit/verify", headers=bearer(tokens["teamleider"]))
    assert verified.get_json()["ok"] is True


def test_an_application_without_files_still_works(client: FlaskClient, database: Database,
                                                  tokens: dict[str, str]) -> None:
    response = _apply(client, [])
    assert response.status_code == 302
    cases, documents, events = _counts(database)
    assert (cases, documents, events) == (1, 0, 0)
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    assert case["data"]["bewijsstukken"] == []  # always present: gateways can test it


@LARGE_BODIES
@pytest.mark.parametrize(("name", "content", "expected"), [
    ("rekening.pdf", HTML, "is geen PDF, PNG of JPEG"),
    ("groot.pdf", b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES, "is groter dan 10 MB"),
    ("leeg.pdf", b"", "is leeg"),
    ("tekening.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
     "is geen PDF, PNG of JPEG"),
    ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 64, "is geen PDF, PNG of JPEG"),
])
def test_a_bad_file_is_refused_at_the_field_and_nothing_is_stored(
        client: FlaskClient, database: Database, demo_loaded: list[str], name: str,
        content: bytes, expected: str) -> None:
    response = _apply(client, [_file(PDF, "goed.pdf"), _file(content, name)])
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(r'id="bewijsstukken-error">([^<]*)<', html)
    assert error and expected in error.group(1) and name in error.group(1), html[:3000]
    assert 'href="#bewijsstukken"' in html  # in the error summary too
    assert 'aria-invalid="true"' in html
    assert "/status/" not in html
    assert _counts(database) == (0, 0, 0)
    del response  # and with it the test client's spooled request body
    gc.collect()


def test_a_file_must_be_chosen_again_after_an_error_elsewhere(
        client: FlaskClient, database: Database, demo_loaded: list[str]) -> None:
    response = _apply(client, [_file(PDF, "rekening.pdf")], naam="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="naam-error">Dit veld is verplicht', html)
    error = re.search(r'id="bewijsstukken-error">([^<]*)<', html)
    assert error and "Kies het bestand opnieuw" in error.group(1)
    assert "rekening.pdf" in error.group(1)
    assert _counts(database) == (0, 0, 0)


@LARGE_BODIES
def test_all_files_together_have_a_limit(client: FlaskClient, database: Database,
                                         demo_loaded: list[str]) -> None:
    part = b"%PDF-1.4\n" + b"0" * (MAX_SUBMISSION_BYTES // 3)
    response = _apply(client, [_file(part, f"deel{i}.pdf") for i in range(4)])
    assert response.status_code == 422
    error = re.search(r'id="bewijsstukken-error">([^<]*)<', response.get_data(as_text=True))
    assert error and "Alle bestanden samen zijn groter dan 20 MB" in error.group(1)
    assert _counts(database) == (0, 0, 0)
    del response  # and with it the test client's spooled request body
    gc.collect()


@LARGE_BODIES
def test_a_request_beyond_every_limit_is_refused_whole(client: FlaskClient, database: Database,
                                                       demo_loaded: list[str]) -> None:
    huge = b"%PDF-1.4\n" + b"0" * (MAX_SUBMISSION_BYTES * 3 // 2)
    response = _apply(client, [_file(huge, "enorm.pdf")])
    assert response.status_code == 413
    assert "kies kleinere bestanden (samen hooguit 20 MB)" in response.get_data(as_text=True)
    assert _counts(database) == (0, 0, 0)
    del response  # and with it the test client's spooled request body
    gc.collect()


def test_a_field_takes_only_what_its_accept_allows(client: FlaskClient, database: Database,
                                                   demo_loaded: list[str]) -> None:
    """The tree photo (accept image/*) refuses a PDF, whatever the name says."""
    page = client.get("/aanvragen/kapvergunning").get_data(as_text=True)
    assert 'accept="image/png,image/jpeg,.png,.jpg,.jpeg"' in page
    response = client.post("/aanvragen/kapvergunning", data=dict(
        KAP_FORM, csrf_token=csrf_token(page), foto_boom=_file(PDF, "boom.jpg")),
        content_type="multipart/form-data")
    assert response.status_code == 422
    error = re.search(r'id="foto_boom-error">([^<]*)<', response.get_data(as_text=True))
    assert error and "is geen PNG of JPEG" in error.group(1)
    assert _counts(database) == (0, 0, 0)


# -- the counter ----------------------------------------------------------------------------


def test_the_counter_takes_files_for_a_resident(client: FlaskClient, database: Database,
                                                demo_loaded: list[str]) -> None:
    login(client, "balie")
    page = client.get("/werk/balie/kapvergunning").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="foto_boom"' in page
    no_channel = client.post("/werk/balie/kapvergunning", data=dict(
        KAP_FORM, csrf_token=csrf_token(page), kanaal="", foto_boom=_file(PNG, "boom.png")),
        content_type="multipart/form-data")
    assert no_channel.status_code == 422
    assert "Kies het bestand opnieuw" in no_channel.get_data(as_text=True)
    assert _counts(database) == (0, 0, 0)

    response = client.post("/werk/balie/kapvergunning", data=dict(
        KAP_FORM, csrf_token=csrf_token(page), kanaal="balie",
        foto_boom=_file(PNG, "de boom.png")), content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Aanvraag ingevoerd" in html
    [stored] = _documents(database)
    assert (stored.filename, stored.submitted_by, stored.channel, stored.task_id) == \
        ("de boom.png", "balie", "balie", None)
    events = _audit(database, stored.case_id, "document_received")
    assert [(e.actor, e.channel, e.details["sha256"]) for e in events] == \
        [("balie", "balie", hashlib.sha256(PNG).hexdigest())]

    # the clerk took it in but does not see it on the case page (what a case holds is for
    # its caseworkers); the caseworker does; the resident's link lists it as theirs
    case_page = client.get(f"/werk/zaken/{stored.case_id}").get_data(as_text=True)
    assert "de boom.png" not in case_page
    caseworker = client.application.test_client()
    login(caseworker, "vergunning")
    case_page = caseworker.get(f"/werk/zaken/{stored.case_id}").get_data(as_text=True)
    assert "Ingediende documenten" in case_page and "de boom.png" in case_page
    status_url = re.search(r'href="(/status/[^"]+)"', html).group(1)  # type: ignore[union-attr]
    client.get("/uitloggen")
    status = client.get(status_url).get_data(as_text=True)
    assert "de boom.png" in status
    _assert_download(client.get(f"{status_url}/documenten/{stored.id}"), PNG, "image/png",
                     "boom.png")


def _audit(database: Database, case_id: int, action: str) -> list[AuditEvent]:
    with UnitOfWork(database, readonly=True) as unit:
        found = list(unit.session.scalars(select(AuditEvent).where(
            AuditEvent.case_id == case_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)))
        unit.session.expunge_all()
        return found


# -- tasks ------------------------------------------------------------------------------------


def test_the_resident_sends_files_with_their_task(client: FlaskClient, database: Database,
                                                  tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    status_url = case["status_url"]
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "Stuur uw bankafschriften."})
    task = open_task(case, "Task_Aanvulling")
    page = client.get(status_url).get_data(as_text=True)
    form = re.search(r'<form[^>]*action="([^"]*/taken/[^"]+)"[^>]*>', page)
    assert form and 'enctype="multipart/form-data"' in form.group(0)
    prefix = re.search(r'name="(t[0-9a-f]{8})-aanvulling"', page).group(1)
    response = client.post(form.group(1), data={
        f"{prefix}-csrf_token": csrf_token(page),
        f"{prefix}-aanvulling": "Hierbij mijn bankafschriften van drie maanden.",
        f"{prefix}-aanvulling_bestanden": [_file(PDF, "afschrift-1.pdf"),
                                           _file(PNG, "afschrift-2.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    stored = _documents(database)
    assert {(d.filename, d.task_id, d.submitted_by, d.channel) for d in stored} == {
        ("afschrift-1.pdf", task["id"], "inwoner", "online"),
        ("afschrift-2.png", task["id"], "inwoner", "online")}
    data = _case(client, tokens["consulent"], case["id"])["data"]
    assert sorted(r["filename"] for r in data["aanvulling_bestanden"]) == \
        ["afschrift-1.pdf", "afschrift-2.png"]
    completed = _audit(database, case["id"], "task_completed")[-1]
    assert completed.details["data"]["aanvulling_bestanden"][0]["document_id"] in \
        {d.id for d in stored}  # the step's record holds the references, not the bytes
    status = client.get(status_url).get_data(as_text=True)
    assert "afschrift-1.pdf" in status and "afschrift-2.png" in status

    # the caseworker's task page lists them with the step that took them
    login(client, "consulent")
    next_task = _case(client, tokens["consulent"], case["id"])["open_tasks"][0]
    task_page = client.get(f"/werk/taken/{next_task['id']}").get_data(as_text=True)
    assert "Ingediende documenten" in task_page
    assert re.search(r"afschrift-1\.pdf</a>\s*<span class=\"muted\">\(PDF, ", task_page)
    assert "Aanvullende gegevens aanleveren, door inwoner" in task_page


def test_a_caseworker_adds_files_to_their_task(client: FlaskClient, database: Database,
                                               tokens: dict[str, str]) -> None:
    case = start(client, tokens["vergunning"], "kapvergunning", KAP_AANVRAAG)
    status_url = case["status_url"]
    case = complete(client, tokens["vergunning"], case, "Task_Beoordelen",
                    {"ontvankelijk": True, "boomstatus": "gewoon"})
    task = open_task(case, "Task_AdviesBomen")
    login(client, "vergunning")
    page = client.get(f"/werk/taken/{task['id']}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="inspectie_bestanden"' in page
    response = client.post(f"/werk/taken/{task['id']}", data={
        "csrf_token": csrf_token(page), "boom_conditie": "slecht", "advies_bomen": "positief",
        "advies_toelichting": "De stam is hol; kappen is verantwoord.",
        "inspectie_bestanden": [_file(JPEG, "stam.jpg"), _file(PDF, "rapport.pdf")]},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = {d.filename: d for d in _documents(database)}
    assert set(stored) == {"stam.jpg", "rapport.pdf"}
    assert {(d.task_id, d.submitted_by, d.channel) for d in stored.values()} == \
        {(task["id"], "vergunning", None)}

    case_page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "rapport.pdf" in case_page and "Advies bomendeskundige" in case_page
    _assert_download(client.get(f"/werk/zaken/{case['id']}/documenten/{stored['rapport.pdf'].id}"),
                     PDF, "application/pdf", "rapport.pdf")

    # staff's own files are not the resident's: not listed on their page, not downloadable
    client.get("/uitloggen")
    status = client.get(status_url).get_data(as_text=True)
    assert "rapport.pdf" not in status and "Wat u heeft gestuurd" not in status
    assert client.get(f"{status_url}/documenten/{stored['rapport.pdf'].id}").status_code == 404


def test_a_failed_task_submission_stores_no_file(client: FlaskClient, database: Database,
                                                 tokens: dict[str, str]) -> None:
    case = start(client, tokens["vergunning"], "kapvergunning", KAP_AANVRAAG)
    case = complete(client, tokens["vergunning"], case, "Task_Beoordelen",
                    {"ontvankelijk": True, "boomstatus": "gewoon"})
    task = open_task(case, "Task_AdviesBomen")
    login(client, "vergunning")
    page = client.get(f"/werk/taken/{task['id']}").get_data(as_text=True)
    response = client.post(f"/werk/taken/{task['id']}", data={
        "csrf_token": csrf_token(page), "boom_conditie": "slecht", "advies_bomen": "positief",
        "advies_toelichting": "De stam is hol.",
        "inspectie_bestanden": [_file(PDF, "rapport.pdf"), _file(HTML, "foto.jpg")]},
        content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="inspectie_bestanden-error">[^<]*foto\.jpg[^<]*is geen', html)
    assert _counts(database)[1:] == (0, 0)
    assert open_task(_case(client, tokens["vergunning"], case["id"]), "Task_AdviesBomen")

    # completed once; completing it again (with a file) changes and stores nothing
    complete(client, tokens["vergunning"], case, "Task_AdviesBomen", {
        "boom_conditie": "slecht", "advies_bomen": "positief",
        "advies_toelichting": "De stam is hol; kappen is verantwoord."})
    again = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "boom_conditie": "slecht", "advies_bomen": "positief",
        "advies_toelichting": "Nog een keer, met een foto erbij.",
        "inspectie_bestanden": [_b64(JPEG, "stam.jpg")]}}, headers=bearer(tokens["vergunning"]))
    assert again.status_code == 409
    assert _counts(database)[1:] == (0, 0)


# -- who may see them -------------------------------------------------------------------------


def test_only_people_who_may_see_the_case_get_its_documents(
        client: FlaskClient, database: Database, tokens: dict[str, str]) -> None:
    first = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, bewijsstukken=[_b64(PDF, "rekening.pdf")]))
    second = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, bewijsstukken=[_b64(PNG, "ander.png")]))
    doc = first["data"]["bewijsstukken"][0]["document_id"]
    other = second["data"]["bewijsstukken"][0]["document_id"]
    url = f"/werk/zaken/{first['id']}/documenten/{doc}"

    assert client.get(url).status_code == 302  # sign in first
    login(client, "ontwerper")
    assert client.get(url).status_code == 403  # a designer works no cases
    client.get("/uitloggen")
    login(client, "consulent")
    _assert_download(client.get(url), PDF, "application/pdf", "rekening.pdf")
    # a document of another case, through this case's address, is not there
    assert client.get(f"/werk/zaken/{first['id']}/documenten/{other}").status_code == 404
    assert client.get(f"/werk/zaken/{first['id']}/documenten/niet-een-id").status_code == 404
    assert client.get(f"/werk/zaken/999999/documenten/{doc}").status_code == 404

    # the resident's link opens only its own case's documents
    assert client.get(f"{second['status_url']}/documenten/{doc}").status_code == 404
    assert client.get(f"/status/geen-geldige-link/documenten/{doc}").status_code == 404
    _assert_download(client.get(f"{first['status_url']}/documenten/{doc}"), PDF,
                     "application/pdf", "rekening.pdf")

    # who looked at a document is on record; a refused look is not
    with UnitOfWork(database, readonly=True) as unit:
        viewed = [(e.actor, e.case_id, e.details["document_id"]) for e in unit.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "document_viewed")
            .order_by(AuditEvent.id))]
    assert viewed[-1] == ("inwoner", first["id"], doc)
    assert all(d == doc and c == first["id"] for _, c, d in viewed)
    assert {who for who, _, _ in viewed} == {"consulent", "inwoner"}


def test_the_api_lists_and_downloads_documents(client: FlaskClient, database: Database,
                                               tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, bewijsstukken=[_b64(PDF, "rekening.html"), _b64(JPEG, "offerte")]))
    names = sorted(r["filename"] for r in case["data"]["bewijsstukken"])
    assert names == ["offerte.jpg", "rekening.pdf"]  # the name fits the content

    listed = client.get(f"/api/v1/cases/{case['id']}/documents",
                        headers=bearer(tokens["teamleider"]))
    assert listed.status_code == 200
    documents = {d["filename"]: d for d in listed.get_json()["documents"]}
    assert set(documents) == {"offerte.jpg", "rekening.pdf"}
    pdf = documents["rekening.pdf"]
    assert (pdf["content_type"], pdf["size"], pdf["sha256"], pdf["step"], pdf["field"],
            pdf["submitted_by"], pdf["channel"]) == (
        "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), "Aanvraag",
        "bewijsstukken", "consulent", "online")
    _assert_download(client.get(pdf["download_url"], headers=bearer(tokens["consulent"])),
                     PDF, "application/pdf", "rekening.pdf")

    assert client.get(pdf["download_url"]).status_code == 401
    for outsider in ("ontwerper",):
        assert client.get(f"/api/v1/cases/{case['id']}/documents",
                          headers=bearer(tokens[outsider])).status_code == 404
        assert client.get(pdf["download_url"], headers=bearer(tokens[outsider])).status_code \
            == 404
    assert client.get(f"/api/v1/cases/{case['id']}/documents/onbekend",
                      headers=bearer(tokens["consulent"])).status_code == 404

    # a caseworker's task through the API, with a file as base64
    kap = start(client, tokens["vergunning"], "kapvergunning", KAP_AANVRAAG)
    kap = complete(client, tokens["vergunning"], kap, "Task_Beoordelen",
                   {"ontvankelijk": True, "boomstatus": "gewoon"})
    kap = complete(client, tokens["vergunning"], kap, "Task_AdviesBomen", {
        "boom_conditie": "slecht", "advies_bomen": "positief",
        "advies_toelichting": "De stam is hol; kappen is verantwoord.",
        "inspectie_bestanden": [_b64(PNG, "stam.png")]})
    listed = client.get(f"/api/v1/cases/{kap['id']}/documents",
                        headers=bearer(tokens["vergunning"])).get_json()["documents"]
    assert [(d["filename"], d["step"], d["submitted_by"], d["size"]) for d in listed] == \
        [("stam.png", "Advies bomendeskundige", "vergunning", len(PNG))]
    [completed] = [e for e in client.get(f"/api/v1/cases/{kap['id']}/audit", headers=bearer(
        tokens["vergunning"])).get_json()["events"] if e["action"] == "task_completed"
        and e["details"]["element_id"] == "Task_AdviesBomen"]
    assert completed["details"]["data"]["inspectie_bestanden"] == [{
        "document_id": listed[0]["id"], "filename": "stam.png", "size": len(PNG),
        "content_type": "image/png"}]


@LARGE_BODIES
@pytest.mark.parametrize(("value", "expected"), [
    ([_b64(HTML, "rekening.pdf")], "is geen PDF, PNG of JPEG"),
    ([{"filename": "rekening.pdf", "content_base64": "%%% geen base64 %%%"}],
     "geen geldige base64"),
    ([{"filename": "rekening.pdf"}], "'filename' en 'content_base64'"),
    ("rekening.pdf", "'filename' en 'content_base64'"),
    ([_b64(b"%PDF-1.4\n" + b"0" * MAX_FILE_BYTES, "groot.pdf")], "groter dan 10 MB"),
    ([_b64(PDF, f"{i}.pdf") for i in range(11)], "maximaal 10 bestanden"),
])
def test_the_api_refuses_bad_files_with_the_field_named(
        client: FlaskClient, database: Database, tokens: dict[str, str], value: Any,
        expected: str) -> None:
    response = client.post("/api/v1/cases", json={
        "process_key": "bijzondere_bijstand", "data": dict(BIJSTAND_AANVRAAG, bewijsstukken=value)},
        headers=bearer(tokens["consulent"]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"bewijsstukken"} and expected in errors["bewijsstukken"], errors
    assert _counts(database) == (0, 0, 0)
    del response  # and with it the test client's spooled request body
    gc.collect()


# -- a required file, and what a model sees ---------------------------------------------------

REQUIRED_BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_bijlage" \
targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="melding_met_bijlage" name="Melding met bijlage" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" camunda:formRef="melding_met_bijlage">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:scriptTask id="Task_Naam" name="Naam van de bijlage" scriptFormat="python">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
      <bpmn:script>bijlage_naam = bijlage["filename"]
bijlage_groot = bijlage["size"] &gt; 100</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:userTask id="Task_Bekijken" name="Bijlage bekijken" camunda:candidateGroups="consulenten">
      <bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Naam" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Naam" targetRef="Task_Bekijken" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Task_Bekijken" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""
REQUIRED_FORM = {
    "id": "melding_met_bijlage", "type": "default", "schemaVersion": 16,
    "components": [
        {"id": "Field_naam", "type": "textfield", "key": "naam", "label": "Naam",
         "validate": {"required": True}},
        {"id": "Field_bijlage", "type": "filepicker", "key": "bijlage", "label": "Bijlage",
         "accept": ".pdf", "validate": {"required": True}},
    ]}


def _upload_required_model(client: FlaskClient, token: str) -> None:
    response = client.post("/api/v1/process-models", data={"files": [
        (io.BytesIO(REQUIRED_BPMN.encode()), "melding.bpmn"),
        (io.BytesIO(json.dumps(REQUIRED_FORM).encode()), "melding.form")]},
        headers=bearer(token), content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()


def test_a_required_file_is_asked_for_and_a_model_sees_only_its_reference(
        client: FlaskClient, database: Database, tokens: dict[str, str]) -> None:
    _upload_required_model(client, tokens["ontwerper"])
    page = client.get("/aanvragen/melding_met_bijlage").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="bijlage"[^>]*required', page)
    assert "Eén bestand: PDF, tot 10 MB per bestand." in page
    missing = client.post("/aanvragen/melding_met_bijlage", data={
        "csrf_token": csrf_token(page), "naam": "Ali"}, content_type="multipart/form-data")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert re.search(r'id="bijlage-error">Kies een bestand om mee te sturen', html)
    assert 'href="#bijlage"' in html
    api = client.post("/api/v1/cases", json={"process_key": "melding_met_bijlage",
                                             "data": {"naam": "Ali"}},
                      headers=bearer(tokens["consulent"]))
    assert api.status_code == 422 and set(api.get_json()["errors"]) == {"bijlage"}
    png = client.post("/aanvragen/melding_met_bijlage", data={
        "csrf_token": csrf_token(page), "naam": "Ali", "bijlage": _file(PNG, "scan.pdf")},
        content_type="multipart/form-data")
    assert png.status_code == 422 and "is geen PDF" in png.get_data(as_text=True)
    assert _counts(database) == (0, 0, 0)

    done = client.post("/aanvragen/melding_met_bijlage", data={
        "csrf_token": csrf_token(page), "naam": "Ali", "bijlage": _file(PDF, "melding.pdf")},
        content_type="multipart/form-data")
    assert done.status_code == 302
    [stored] = _documents(database)
    data = _case(client, tokens["consulent"], stored.case_id)["data"]
    assert data["bijlage"] == {"document_id": stored.id, "filename": "melding.pdf",
                               "size": len(PDF), "content_type": "application/pdf"}
    assert data["bijlage_naam"] == "melding.pdf" and data["bijlage_groot"] is False


def test_the_openapi_document_describes_documents(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/cases/{case_id}/documents" in document["paths"]
    assert "/cases/{case_id}/documents/{document_id}" in document["paths"]
    upload = document["components"]["schemas"]["FileUpload"]
    assert upload["required"] == ["filename", "content_base64"]
    start_body = document["paths"]["/cases"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]
    assert "FileUpload" in json.dumps(start_body["properties"]["data"])


# -- the rules themselves ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("rekening.pdf", PDF, "rekening.pdf"),
    ("Rekening.PDF", PDF, "Rekening.PDF"),
    ("pagina.html", PDF, "pagina.pdf"),  # the extension fits the content
    ("foto", JPEG, "foto.jpg"),
    ("C:\\Users\\jan\\scan.jpeg", JPEG, "scan.jpeg"),
    ("../../etc/passwd", PNG, "passwd.png"),
    ("factuur\u202egpj.exe", PDF, "factuurgpj.pdf"),  # no right-to-left disguise
    ('a<b>:"c"|?*.png', PNG, "a_b___c____.png"),
    ("con.pdf", PDF, "_con.pdf"),
    ("...", PDF, "bestand.pdf"),
    ("x" * 300 + ".pdf", PDF, "x" * 146 + ".pdf"),
])
def test_names_are_cleaned_and_fit_the_content(name: str, content: bytes,
                                               expected: str) -> None:
    from maatwerk.domain.documents import Upload, check
    checked = check(Upload(name, content))
    assert checked.filename == expected
    assert checked.sha256 == hashlib.sha256(content).hexdigest() and checked.size == len(content)


def test_a_form_designer_learns_at_upload_what_a_file_field_cannot_do() -> None:
    from maatwerk.forms.formjs import parse_formjs
    from maatwerk.forms.model import FormDefinitionError

    def form(component: dict[str, Any]) -> str:
        return json.dumps({"id": "f", "type": "default", "components": [
            {"id": "Field_f", "type": "filepicker", "key": "bijlage", "label": "Bijlage",
             **component}]})

    field = parse_formjs(form({"accept": ".pdf, image/*", "multiple": True})).fields[0]
    assert (field.type, field.accept, field.multiple) == (
        "filepicker", ("application/pdf", "image/png", "image/jpeg"), True)
    assert parse_formjs(form({})).fields[0].accept == ()  # everything we take
    for component, fragment in (({"accept": ".docx,.pdf"}, "'.docx'"),
                                ({"accept": "text/html"}, "'text/html'"),
                                ({"accept": "=bestandstypen"}, "FEEL"),
                                ({"multiple": "=meer"}, "'multiple'"),
                                ({"defaultValue": "x.pdf"}, "has no default value")):
        with pytest.raises(FormDefinitionError) as refused:
            parse_formjs(form(component))
        assert fragment in str(refused.value), (component, str(refused.value))


@pytest.mark.browser
def test_a_resident_sends_a_file_from_chromium_without_javascript(
        live_server: str, browser: Any, database: Database, tmp_path: Any) -> None:
    scan = tmp_path / "rekening wasmachine.pdf"
    scan.write_bytes(PDF)
    context = browser.new_context(java_script_enabled=False, accept_downloads=True)
    page = context.new_page()
    page.goto(live_server + "/aanvragen/bijzondere_bijstand")
    fill_bijstand_form(page)
    page.get_by_label("Bewijsstukken", exact=False).set_input_files(str(scan))
    page.get_by_role("button", name="Aanvraag versturen").click()  # not yet: the checkbox
    error = page.locator("#bewijsstukken-error")
    assert "Kies het bestand opnieuw" in error.inner_text()
    assert "rekening wasmachine.pdf" in error.inner_text()
    page.get_by_label("Bewijsstukken", exact=False).set_input_files(str(scan))
    page.get_by_label("naar waarheid", exact=False).check()
    page.get_by_role("button", name="Aanvraag versturen").click()
    page.get_by_role("heading", name="Wij hebben uw aanvraag ontvangen").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="rekening wasmachine.pdf").click()
    saved = tmp_path / "gedownload.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "rekening wasmachine.pdf"
    assert saved.read_bytes() == PDF
    [stored] = _documents(database)
    assert (stored.filename, stored.sha256) == ("rekening wasmachine.pdf",
                                                hashlib.sha256(PDF).hexdigest())
    context.close()
