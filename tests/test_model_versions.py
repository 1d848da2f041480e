"""A model version's life: a designer's upload is a draft that starts no cases; publishing
makes it the version new cases start on (asking to confirm when the process has no
description or decision term); retiring a version stops new cases on it while its running
cases go on. The start clocks follow the version in use."""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, bearer, bijstand_with, complete, start, upload
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import AuditEvent, StartClock
from maatwerk.persistence.uow import UnitOfWork

DESCRIPTION = re.compile(rb'<camunda:property name="maatwerk:description" value="[^"]*" />')
CLOCKS = Path(__file__).parent / "data" / "start_clocks.bpmn"


def _without_description() -> list[tuple[str, bytes]]:
    """The demo's bijstand model without its description (so: a new version)."""
    files = [(n, c if isinstance(c, bytes) else c.encode()) for n, c in bijstand_with()]
    changed = [(n, DESCRIPTION.sub(b"", c) if n.endswith(".bpmn") else c) for n, c in files]
    assert changed != files
    return changed


def _post(client: FlaskClient, url: str, data: dict[str, Any]) -> Any:
    page = client.get("/ontwerp/").get_data(as_text=True)
    return client.post(url, data=dict(data, csrf_token=csrf_token(page)),
                       follow_redirects=True)


def _flash(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def _version(client: FlaskClient, token: str) -> int:
    return int(start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)[
        "process_version"])


def test_a_designer_publishes_a_draft_and_retires_a_version(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    login(client, "ontwerper")
    form = client.get("/ontwerp/uploaden").get_data(as_text=True)
    uploaded = client.post("/ontwerp/uploaden", data={
        "csrf_token": csrf_token(form), "files": [
            (io.BytesIO(c), n) for n, c in _without_description()]},
        content_type="multipart/form-data", follow_redirects=True)
    page = _flash(uploaded)
    assert uploaded.status_code == 200, page[page.find("niet opgeslagen") - 100:][:1500]
    assert "is opgeslagen als versie 2, een concept" in page
    assert "Status: concept" in page and "Nieuwe zaken starten nu op versie 1" in page
    assert "Het proces heeft geen beschrijving" in page
    token = tokens["consulent"]
    assert _version(client, token) == 1  # a draft starts no cases

    refused = _post(client, "/ontwerp/bijzondere_bijstand/2/publiceren", {})
    assert "Deze versie is niet gepubliceerd: bevestig eerst" in _flash(refused)
    assert _version(client, token) == 1
    published = _post(client, "/ontwerp/bijzondere_bijstand/2/publiceren", {"bevestigd": "ja"})
    assert "Versie 2 is gepubliceerd." in _flash(published)
    assert "Nieuwe zaken starten op deze versie." in _flash(published)
    on_two = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    assert on_two["process_version"] == 2
    models = _flash(client.get("/ontwerp/"))
    assert "Bijzondere bijstand — versie 1 (gepubliceerd)" in models

    retired = _post(client, "/ontwerp/bijzondere_bijstand/2/buiten-gebruik", {})
    assert ("Versie 2 neemt geen nieuwe zaken meer; lopende zaken gaan door. Nieuwe zaken "
            "starten op versie 1.") in _flash(retired)
    assert _version(client, token) == 1
    complete(client, token, on_two, "Task_Volledigheid", {"volledig": "ja"})  # goes on
    again = _post(client, "/ontwerp/bijzondere_bijstand/2/buiten-gebruik", {})
    assert "Versie 2 is niet gepubliceerd" in _flash(again)

    _post(client, "/ontwerp/bijzondere_bijstand/1/buiten-gebruik", {})
    refused_start = client.post("/api/v1/cases", headers=bearer(token), json={
        "process_key": "bijzondere_bijstand", "data": BIJSTAND_AANVRAAG})
    assert refused_start.status_code == 404
    assert "has no published version" in refused_start.get_json()["error"]
    assert client.get("/aanvragen/bijzondere_bijstand").status_code == 404
    assert "Bijzondere bijstand" not in client.get("/").get_data(as_text=True)
    back = _post(client, "/ontwerp/bijzondere_bijstand/1/publiceren", {})  # described
    assert "Versie 1 is gepubliceerd." in _flash(back)
    assert _version(client, token) == 1

    with UnitOfWork(database, readonly=True) as uow:
        events = [(e.action, e.details.get("version"), e.details.get("current_version"))
                  for e in uow.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
                      ("model_published", "model_retired"))).order_by(AuditEvent.id))]
    assert events == [("model_published", 2, 2), ("model_retired", 2, 1),
                      ("model_retired", 1, None), ("model_published", 1, 1)]


def test_the_api_uploads_a_draft_and_publishing_without_a_description_is_confirmed(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["ontwerper"]
    response = client.post("/api/v1/process-models", headers=bearer(token),
                           content_type="multipart/form-data", data={"draft": "true", "files": [
                               (io.BytesIO(c), n) for n, c in _without_description()]})
    assert (response.status_code, response.get_json()["status"]) == (201, "draft")
    url = "/api/v1/process-models/bijzondere_bijstand/2"
    unconfirmed = client.post(url + "/publish", headers=bearer(token), json={})
    assert unconfirmed.status_code == 422
    assert "no description" in unconfirmed.get_json()["error"]
    assert client.post(url + "/publish", headers=bearer(tokens["consulent"]),
                       json={"confirm": True}).status_code == 403
    confirmed = client.post(url + "/publish", headers=bearer(token), json={"confirm": True})
    assert (confirmed.status_code, confirmed.get_json()["status"]) == (200, "published")
    assert client.post(url + "/publish", headers=bearer(token),
                       json={"confirm": True}).status_code == 409
    listed = client.get("/api/v1/process-models?key=bijzondere_bijstand",
                        headers=bearer(token)).get_json()["models"]
    assert [(m["version"], m["status"]) for m in listed] == [(2, "published"), (1, "published")]
    retired = client.post(url + "/retire", headers=bearer(token))
    assert (retired.status_code, retired.get_json()["status"]) == (200, "retired")
    assert _version(client, tokens["consulent"]) == 1


def _clocks(database: Database) -> list[tuple[int, str]]:
    with UnitOfWork(database, readonly=True) as uow:
        return [(c.process_model_id, c.element_id)
                for c in uow.session.scalars(select(StartClock))]


def test_the_start_clocks_follow_the_version_in_use(
        client: FlaskClient, tokens: dict[str, str], database: Database) -> None:
    token = tokens["ontwerper"]
    first = upload(client, token, [(CLOCKS.name, CLOCKS.read_bytes())]).get_json()
    ticking = _clocks(database)
    assert len(ticking) == 1
    changed = CLOCKS.read_bytes() + b"<!-- versie 2 -->"
    draft = client.post("/api/v1/process-models", headers=bearer(token),
                        content_type="multipart/form-data", data={
                            "draft": "true", "files": [(io.BytesIO(changed), CLOCKS.name)]})
    assert draft.status_code == 201
    assert _clocks(database) == ticking  # a draft starts nothing
    url = f"/api/v1/process-models/{first['key']}/{draft.get_json()['version']}"
    assert client.post(url + "/publish", headers=bearer(token),
                       json={"confirm": True}).status_code == 200
    [(model_id, _)] = _clocks(database)
    assert model_id != ticking[0][0]  # the published version's clock replaced the old
    assert client.post(url + "/retire", headers=bearer(token)).status_code == 200
    assert _clocks(database) == ticking  # back to the version in use again
    assert client.post(f"/api/v1/process-models/{first['key']}/{first['version']}/retire",
                       headers=bearer(token)).status_code == 200
    assert _clocks(database) == []  # no version in use: nothing starts
