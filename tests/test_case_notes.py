"""Notes on a case and contact moments: internal, for colleagues, on the case's record and
never shown to the resident; over the API and on the case page."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, actions, bearer, start

NOTE = "Aanvrager belde: de offerte komt volgende week, via de balie."


def _notes(client: FlaskClient, token: str, case_id: int) -> Any:
    return client.get(f"/api/v1/cases/{case_id}/notes", headers=bearer(token))


def _add(client: FlaskClient, token: str, case_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/cases/{case_id}/notes", headers=bearer(token), json=body)


def test_notes_and_contact_moments_stay_with_staff(client: FlaskClient,
                                                   tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    added = _add(client, tokens["consulent"], case["id"], kind="note", text=NOTE)
    assert added.status_code == 201, added.get_json()
    when = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    contact = _add(client, tokens["consulent2"], case["id"], kind="contact",
                   channel="telefoon", contact_with="Mevrouw Jansen (dochter)",
                   contact_at=when, text="Gevraagd naar de stand van zaken; uitgelegd.")
    assert contact.status_code == 201, contact.get_json()
    listed = _notes(client, tokens["teamleider"], case["id"]).get_json()["notes"]
    assert [n["kind"] for n in listed] == ["contact", "note"]  # newest first
    assert listed[0]["channel"] == "telefoon" and listed[0]["author"] == "consulent2"
    assert listed[0]["contact_with"] == "Mevrouw Jansen (dochter)"
    assert datetime.fromisoformat(listed[0]["contact_at"]) == datetime.fromisoformat(when)
    assert listed[1]["text"] == NOTE
    history = actions(client, tokens["consulent"], case["id"])
    assert "note_added" in history and "contact_logged" in history
    status = client.get(case["status_url"]).get_data(as_text=True)
    assert "offerte komt volgende week" not in status and "(dochter)" not in status
    # not for the counter, nor for someone who can't see the case
    assert _notes(client, tokens["balie"], case["id"]).status_code == 403
    assert _add(client, tokens["balie"], case["id"], kind="note", text="x").status_code == 403
    assert _notes(client, tokens["vergunning"], case["id"]).status_code == 404


def test_a_note_that_is_not_complete_is_refused_by_field(client: FlaskClient,
                                                        tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for body, field in [({"kind": "note", "text": "  "}, "text"),
                        ({"kind": "note", "text": "x" * 4001}, "text"),
                        ({"kind": "contact", "channel": "postduif", "text": "a"}, "channel"),
                        ({"kind": "contact", "channel": "balie", "text": "a",
                          "contact_at": later}, "contact_at"),
                        ({"kind": "contact", "channel": "balie", "text": "a",
                          "contact_at": "gisteren"}, "contact_at"),
                        ({"kind": "brief", "text": "a"}, "kind")]:
        refused = _add(client, tokens["consulent"], case["id"], **body)
        assert refused.status_code == 422, (body, refused.get_json())
        assert field in refused.get_json()["errors"], (body, refused.get_json())
    assert _notes(client, tokens["consulent"], case["id"]).get_json()["notes"] == []


def test_the_case_page_keeps_notes_and_contact_moments(app: Flask, client: FlaskClient,
                                                      tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    staff = app.test_client()
    login(staff, "consulent")
    page = staff.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "Notities en contactmomenten" in page
    sent = staff.post(f"/werk/zaken/{case['id']}/notities", data={
        "csrf_token": csrf_token(page), "text": NOTE})
    assert sent.status_code == 302
    page = staff.get(sent.headers["Location"]).get_data(as_text=True)
    assert "offerte komt volgende week" in page
    sent = staff.post(f"/werk/zaken/{case['id']}/contactmomenten", data={
        "csrf_token": csrf_token(page), "channel": "balie", "contact_with": "Aanvrager",
        "text": "Kwam de offerte brengen."})
    assert sent.status_code == 302
    page = staff.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Kwam de offerte brengen." in page and "Balie" in page
    assert "vastgelegd door Chris Consulent" in page  # the person's name, not the account's
    empty = staff.post(f"/werk/zaken/{case['id']}/notities", data={
        "csrf_token": csrf_token(page), "text": ""})
    assert "De notitie is leeg" in staff.get(empty.headers["Location"]).get_data(as_text=True)
