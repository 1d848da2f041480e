"""Access follows the work: a caseworker sees the cases of the processes their groups work
on (the candidate groups of the model's user tasks, or the process property
maatwerk:caseGroups), and any case they have a task in; other cases answer as cases that do
not exist, on the pages, the API, the documents and the audit trail, and are not listed.
Team leads see every case; clerks find every case and see how it stands, not what it
holds (data, documents, letters, history), and can give the resident a new link."""
from __future__ import annotations

import html
import re
import urllib.parse
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, KAP_AANVRAAG, bearer, open_task, start
from maatwerk.domain.case_access import working_groups


@pytest.fixture
def two_cases(client: FlaskClient, tokens: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {"bijstand": start(client, tokens["consulent"], "bijzondere_bijstand",
                              BIJSTAND_AANVRAAG),
            "kap": start(client, tokens["vergunning"], "kapvergunning", KAP_AANVRAAG)}


def _sees(client: FlaskClient, token: str, case_id: int) -> bool:
    answers = {client.get(url, headers=bearer(token)).status_code for url in (
        f"/api/v1/cases/{case_id}", f"/api/v1/cases/{case_id}/audit")}
    assert answers in ({200}, {404}), answers
    return answers == {200}


def test_caseworkers_see_the_cases_of_their_processes(
        client: FlaskClient, tokens: dict[str, str],
        two_cases: dict[str, dict[str, Any]]) -> None:
    bijstand, kap = two_cases["bijstand"]["id"], two_cases["kap"]["id"]
    assert _sees(client, tokens["consulent"], bijstand)
    assert not _sees(client, tokens["consulent"], kap)
    assert _sees(client, tokens["vergunning"], kap)
    assert not _sees(client, tokens["vergunning"], bijstand)
    for everyone in ("teamleider", "beheer"):
        assert _sees(client, tokens[everyone], bijstand) and \
            _sees(client, tokens[everyone], kap), everyone
    for case_id in (bijstand, kap):  # the counter finds every case, but not what it holds
        assert client.get(f"/api/v1/cases/{case_id}",
                          headers=bearer(tokens["balie"])).status_code == 200
    refused = client.get(f"/api/v1/cases/{bijstand}", headers=bearer(tokens["vergunning"]))
    missing = client.get("/api/v1/cases/999999", headers=bearer(tokens["vergunning"]))
    assert refused.get_json() == missing.get_json()


def test_the_pages_and_the_list_follow_the_same_rule(
        client: FlaskClient, two_cases: dict[str, dict[str, Any]]) -> None:
    login(client, "vergunning")
    assert client.get(f"/werk/zaken/{two_cases['bijstand']['id']}").status_code == 404
    assert client.get(f"/werk/zaken/{two_cases['kap']['id']}").status_code == 200
    listed = client.get("/werk/zaken").get_data(as_text=True)
    assert two_cases["kap"]["reference"] in listed
    assert two_cases["bijstand"]["reference"] not in listed


def test_a_task_handed_to_someone_else_opens_its_case_to_them(
        client: FlaskClient, tokens: dict[str, str],
        two_cases: dict[str, dict[str, Any]]) -> None:
    case = two_cases["bijstand"]
    task = open_task(case, "Task_Volledigheid")
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
        "type": "reassign", "task_id": task["id"], "values": {"assignee": "vergunning"},
        "reason": "Vera kent de aanvrager al van de kapvergunning en belt haar toch.",
        "legal_basis": "art. 4:84 Awb"})
    assert asked.status_code == 201, asked.get_json()
    approved = client.post(f"/api/v1/deviations/{asked.get_json()['id']}/approve",
                           headers=bearer(tokens["teamleider"]), json={"comment": "Prima."})
    assert approved.status_code == 200, approved.get_json()
    assert _sees(client, tokens["vergunning"], case["id"])


def test_the_deviation_register_lists_only_the_cases_one_may_see(
        client: FlaskClient, tokens: dict[str, str],
        two_cases: dict[str, dict[str, Any]]) -> None:
    """What was decided for whom stays with the cases' own people; the counts (which name
    no one) stay whole for everyone who reads the register."""
    case = two_cases["bijstand"]
    reason = "De aanvrager heeft het formulier aan de balie ingevuld en belt nog over de bon."
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
        "type": "add_task", "task_id": open_task(case, "Task_Volledigheid")["id"],
        "values": {"title": "Bon nabellen", "instructions": "Bel de aanvrager over de bon."},
        "reason": reason, "legal_basis": "art. 4:84 Awb"})
    assert asked.status_code == 201, asked.get_json()

    def register(who: str) -> Any:
        answer = client.get("/api/v1/deviations", headers=bearer(tokens[who]))
        assert answer.status_code == 200
        return answer.get_json()

    assert [d["case_id"] for d in register("consulent")["deviations"]] == [case["id"]]
    assert [d["case_id"] for d in register("teamleider")["deviations"]] == [case["id"]]
    other = register("vergunning")
    assert other["deviations"] == [] and other["counts"]["type"] == {"add_task": 1}
    login(client, "vergunning")
    page = client.get("/werk/afwijkingen").get_data(as_text=True)
    exported = client.get("/werk/afwijkingen?format=csv").get_data(as_text=True)
    for text in (page, exported):
        assert reason not in text and case["reference"] not in text


def test_the_counter_sees_how_a_case_stands_not_what_it_holds(
        client: FlaskClient, tokens: dict[str, str],
        two_cases: dict[str, dict[str, Any]]) -> None:
    case = two_cases["bijstand"]
    clerk = bearer(tokens["balie"])
    found = client.get(f"/api/v1/cases/{case['id']}", headers=clerk).get_json()
    assert found["reference"] == case["reference"] and found["status"] == "open"
    assert "Task_Volledigheid" in [t["element_id"] for t in found["open_tasks"]]
    assert "data" not in found and "1200" not in str(found)  # netto_inkomen
    for path in ("/audit", "/documents", "/messages"):
        refused = client.get(f"/api/v1/cases/{case['id']}{path}", headers=clerk)
        assert refused.status_code == 403, path
        assert "counter clerk" in refused.get_json()["error"]
    login(client, "balie")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert case["reference"] in page and "Volledigheid controleren" in page
    assert "Als baliemedewerker ziet u hoe de zaak ervoor staat" in page
    for hidden in ("1200", "wasmachine", "Ingediende documenten", "Geschiedenis",
                   "Bericht aan de inwoner"):
        assert hidden not in page, hidden


def test_the_counter_gives_a_resident_who_lost_the_link_a_new_one(
        client: FlaskClient, tokens: dict[str, str],
        two_cases: dict[str, dict[str, Any]]) -> None:
    case = two_cases["bijstand"]
    login(client, "balie")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    made = client.post(f"/werk/zaken/{case['id']}/nieuwe-link",
                       data={"csrf_token": csrf_token(page)})
    assert made.status_code == 200
    shown = made.get_data(as_text=True)
    link = re.search(r'href="(https?://[^"]+/status/[^"]+)"', shown)
    assert link is not None, shown
    path = urllib.parse.urlsplit(html.unescape(link.group(1))).path
    resident = client.application.test_client()
    assert resident.get(path).status_code == 200  # the new link opens the status page
    assert resident.get(case["status_url"]).status_code == 200  # and the old one still does
    trail = client.get(f"/api/v1/cases/{case['id']}/audit",
                       headers=bearer(tokens["teamleider"])).get_json()["events"]
    issued = [e for e in trail if e["action"] == "resident_link_issued"]
    assert [e["actor"] for e in issued] == ["balie"]
    assert path.split("/")[-1] not in str(trail)  # the token itself is never on record


def test_the_groups_of_a_process() -> None:
    def task(**facts: Any) -> dict[str, Any]:
        return {"type": "userTask", **facts}
    assert working_groups({"a": task(candidate_groups=["consulenten", "inwoner"]),
                           "b": task(candidate_groups=["${team}"], candidate_users=[]),
                           "c": {"type": "scriptTask"}}, {}) == {"consulenten"}
    assert working_groups({"a": task(candidate_groups=["consulenten"]), "b": task()}, {}) \
        is None, "a task for anyone: every caseworker works the process"
    assert working_groups({"a": {"type": "serviceTask"}}, {}) is None, "fully automatic"
    assert working_groups({"a": task(candidate_groups=["consulenten"])},
                          {"maatwerk:caseGroups": "wijkteam; schuldhulp"}) == {
        "wijkteam", "schuldhulp"}
