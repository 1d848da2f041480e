"""Cases and tasks through the public JSON API, on the demo models, end to end."""
from __future__ import annotations

from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, KAP_AANVRAAG, actions, bearer, complete, open_task, start


def test_healthz(client: FlaskClient) -> None:
    assert client.get("/healthz").status_code == 200


def test_bijstand_grant_above_500_goes_through_four_eyes_and_pays(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    assert case["status"] == "open" and case["reference"].startswith("BB-")
    assert case["status_url"].startswith("/status/")
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Volledigheid"]
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    assert case["data"]["uitkomst"] == "toekennen"  # the DMN table ran without a person
    assert open_task(case, "Task_Vierogen")["candidate_groups"] == ["teamleiders"]
    case = complete(client, tokens["teamleider"], case, "Task_Vierogen",
                    {"akkoord": True, "vierogen_toelichting": "Akkoord, kosten zijn nodig."})
    assert case["status"] == "completed"
    assert case["open_tasks"] == []
    assert case["data"]["betaalkenmerk"] == "BB-65000"  # the script task ran
    fetched = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert fetched.get_json()["status"] == "completed"
    assert fetched.get_json()["process_version"] == 1
    history = actions(client, tokens["consulent"], case["id"])
    assert history[0] == "case_started" and history[-1] == "case_completed"
    assert history.count("task_completed") == 2


def test_bijstand_refusal_needs_contact_and_four_eyes(client: FlaskClient,
                                                       tokens: dict[str, str]) -> None:
    data = dict(BIJSTAND_AANVRAAG, netto_inkomen=2500)
    case = start(client, tokens["consulent"], "bijzondere_bijstand", data)
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    assert case["data"]["uitkomst"] == "afwijzen"
    case = complete(client, tokens["consulent"], case, "Task_ContactAfwijzing", {
        "gesprek_datum": "2026-11-20", "gesprek_vorm": "telefoon",
        "gesprek_verslag": "Besproken dat het inkomen boven de norm ligt."})
    case = complete(client, tokens["teamleider"], case, "Task_Vierogen",
                    {"akkoord": True, "vierogen_toelichting": "Afwijzing is terecht."})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_BesluitAfwijzing"]


def test_permit_parallel_checks_then_decision(client: FlaskClient,
                                              tokens: dict[str, str]) -> None:
    token = tokens["vergunning"]
    case = start(client, token, "kapvergunning", KAP_AANVRAAG)
    first = case["open_tasks"][0]["element_id"]
    response = client.get(f"/api/v1/tasks?case_id={case['id']}", headers=bearer(token))
    assert [t["element_id"] for t in response.get_json()["tasks"]] == [first]
    assert "kapvergunning" in [m["key"] for m in client.get(
        "/api/v1/process-models", headers=bearer(token)).get_json()["models"]]


def test_start_form_errors_name_the_fields_and_store_nothing(client: FlaskClient,
                                                             tokens: dict[str, str]) -> None:
    bad = dict(BIJSTAND_AANVRAAG, bedrag=-5, email="geen-mail")
    del bad["naam"]
    response = client.post("/api/v1/cases", json={"process_key": "bijzondere_bijstand",
                                                  "data": bad}, headers=bearer(tokens["consulent"]))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {"naam", "bedrag", "email"} <= set(errors)
    assert client.get("/api/v1/tasks", headers=bearer(tokens["consulent"])).get_json() == \
        {"tasks": []}


def test_unknown_process_and_channel(client: FlaskClient, tokens: dict[str, str]) -> None:
    headers = bearer(tokens["consulent"])
    assert client.post("/api/v1/cases", json={"process_key": "bestaat_niet", "data": {}},
                       headers=headers).status_code == 404
    response = client.post("/api/v1/cases", json={"process_key": "bijzondere_bijstand",
                                                  "data": BIJSTAND_AANVRAAG, "channel": "fax"},
                           headers=headers)
    assert response.status_code == 422 and "channel" in response.get_json()["errors"]


def test_api_needs_a_valid_token(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert client.get("/api/v1/tasks").status_code == 401
    assert client.get("/api/v1/tasks", headers=bearer("mw_wrong")).status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_task_visibility_follows_candidate_groups(client: FlaskClient,
                                                   tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    seen = client.get("/api/v1/tasks", headers=bearer(tokens["vergunning"])).get_json()
    assert seen == {"tasks": []}
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {
        "volledig": "ja"}}, headers=bearer(tokens["vergunning"]))
    assert response.status_code == 404  # not in their groups: the task does not exist for them
    assert client.get("/api/v1/tasks", headers=bearer(tokens["ontwerper"])).status_code == 403


def test_claims_and_completing_a_task_claimed_by_someone_else(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    claimed = client.post(f"/api/v1/tasks/{task['id']}/claim",
                          headers=bearer(tokens["consulent"]))
    assert claimed.status_code == 200
    assert open_task(claimed.get_json(), "Task_Volledigheid")["assignee"] == "consulent"
    again = client.post(f"/api/v1/tasks/{task['id']}/claim", headers=bearer(tokens["consulent2"]))
    assert again.status_code == 409
    refused = client.post(f"/api/v1/tasks/{task['id']}/complete",
                          json={"data": {"volledig": "ja"}}, headers=bearer(tokens["consulent2"]))
    assert refused.status_code == 403 and "consulent" in refused.get_json()["error"]
    released = client.post(f"/api/v1/tasks/{task['id']}/unclaim",
                           headers=bearer(tokens["consulent"]))
    assert released.status_code == 200
    done = client.post(f"/api/v1/tasks/{task['id']}/complete",
                       json={"data": {"volledig": "ja"}}, headers=bearer(tokens["consulent2"]))
    assert done.status_code == 200
    late = client.post(f"/api/v1/tasks/{task['id']}/complete",
                       json={"data": {"volledig": "ja"}}, headers=bearer(tokens["consulent"]))
    assert late.status_code == 409
    history = actions(client, tokens["consulent"], case["id"])
    steps = ["task_claimed", "task_unclaimed", "task_completed"]
    assert [a for a in history if a in steps][:3] == steps


def test_task_form_errors_are_422_and_change_nothing(client: FlaskClient,
                                                     tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    response = client.post(f"/api/v1/tasks/{task['id']}/complete",
                           json={"data": {"volledig": "misschien"}},
                           headers=bearer(tokens["consulent"]))
    assert response.status_code == 422 and "volledig" in response.get_json()["errors"]
    still = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert [t["id"] for t in still.get_json()["open_tasks"]] == [task["id"]]
    assert "task_completed" not in actions(client, tokens["consulent"], case["id"])


def test_openapi_lists_every_public_path(client: FlaskClient) -> None:
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/process-models", "/cases", "/cases/{case_id}", "/cases/{case_id}/audit",
                 "/tasks", "/tasks/{task_id}/claim", "/tasks/{task_id}/complete",
                 "/cases/{case_id}/deviations", "/deviations", "/deviations/{deviation_id}",
                 "/deviations/{deviation_id}/approve", "/deviations/{deviation_id}/reject",
                 "/deviations/{deviation_id}/withdraw", "/audit/verify"):
        assert path in document["paths"]
