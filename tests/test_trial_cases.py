"""A designer tries a version before publishing it: a trial case started through the
version's own start form, with a reference that says so, worked in the inbox as any case,
and kept out of the figures (the designer's counts and the deviation register)."""
from __future__ import annotations

import io
import re
from typing import Any

from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_FORM, bearer, bijstand_with, complete, open_task

FORM = BIJSTAND_FORM
REASON = "De standaard past hier niet: de situatie van deze inwoner is echt anders."


def _draft(client: FlaskClient) -> str:
    """Version 2 of bijstand, a draft (its start form with one more line in the model)."""
    files = [(n, c if isinstance(c, bytes) else c.encode()) for n, c in bijstand_with()]
    files = [(n, c + b"<!-- versie 2 -->" if n.endswith(".bpmn") else c) for n, c in files]
    login(client, "ontwerper")
    page = client.get("/ontwerp/uploaden").get_data(as_text=True)
    response = client.post("/ontwerp/uploaden", data={
        "csrf_token": csrf_token(page), "files": [(io.BytesIO(c), n) for n, c in files]},
        content_type="multipart/form-data")
    assert response.headers["Location"].endswith("/ontwerp/bijzondere_bijstand/2")
    return "/ontwerp/bijzondere_bijstand/2"


def _text(response: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_a_designer_tries_a_draft_and_the_trial_stays_out_of_the_figures(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    page = _draft(client)
    assert "Proefzaak starten met deze versie" in _text(client.get(page))
    form = client.get(page + "/proefzaak")
    assert form.status_code == 200 and "Proefzaak van versie 2 (concept)" in _text(form)
    token = csrf_token(form.get_data(as_text=True))
    wrong = client.post(page + "/proefzaak", data=dict(FORM, csrf_token=token, naam=""))
    assert wrong.status_code == 422  # the form's own rules, as for a resident
    started = client.post(page + "/proefzaak", data=dict(FORM, csrf_token=token),
                          follow_redirects=True)
    status = _text(started)
    assert "Dit is een proefzaak" in status and "behandelaars vinden de taken" in status
    reference = re.search(r"Zaaknummer (PROEF-\d{4}-\w+)", status)
    assert reference is not None, status[:2000]

    api = bearer(tokens["consulent"])
    [case] = [c for c in (client.get(f"/api/v1/cases/{t['case_id']}", headers=api).get_json()
                          for t in client.get("/api/v1/tasks?element_id=Task_Volledigheid",
                                              headers=api).get_json()["tasks"])
              if c["reference"] == reference.group(1)]  # in the caseworkers' work
    task = open_task(case, "Task_Volledigheid")
    assert case["process_version"] == 2  # the draft's own version
    listed = client.get("/api/v1/process-models?key=bijzondere_bijstand",
                        headers=bearer(tokens["ontwerper"])).get_json()["models"]
    assert listed[0]["status"] == "draft"  # trying it did not publish it
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=api, json={
        "type": "reassign", "task_id": task["id"], "values": {"assignee": "consulent2"},
        "reason": REASON, "legal_basis": "art. 4:84 Awb"})
    assert asked.status_code == 201
    register = client.get("/api/v1/deviations", headers=api).get_json()["deviations"]
    assert case["id"] not in {d["case_id"] for d in register}  # no signal for policy
    login(client, "teamleider")
    assert reference.group(1) in client.get("/werk/goedkeuren").get_data(as_text=True)
    complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})

    login(client, "ontwerper")
    designer = _text(client.get(page))
    assert "Zaken nog geen (en 1 proefzaak, die niet meetellen)" in designer


def test_a_trial_needs_a_designer_and_a_version_in_use(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    page = _draft(client)
    login(client, "consulent")
    assert client.get(page + "/proefzaak").status_code == 403
    login(client, "ontwerper")
    form = client.get(page + "/proefzaak").get_data(as_text=True)
    retired = client.post("/api/v1/process-models/bijzondere_bijstand/1/retire",
                          headers=bearer(tokens["ontwerper"]))
    assert retired.status_code == 200
    refused = client.post("/ontwerp/bijzondere_bijstand/1/proefzaak",
                          data=dict(FORM, csrf_token=csrf_token(form)), follow_redirects=True)
    assert "takes no new cases" not in _text(refused)
    assert "Versie 1 is buiten gebruik" in _text(refused)
