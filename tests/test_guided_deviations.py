"""The guided deviation page: a caseworker chooses the type first, then only what that type
needs, each chosen from the case by name (open tasks, steps, data fields by their labels
with the current value, colleagues and groups), without typing an id; in Chromium."""
from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, bearer, complete, sign_in, start
from test_accessibility import SHOTS, _violations

REASON = "De standaard past hier niet: de situatie van deze inwoner is echt anders."


def _ask(page: Any, base: str, case_id: int, kind: str, choose: dict[str, str],
         fill: dict[str, str]) -> None:
    """From the case page: choose the type, then the lists by their visible text and the
    texts, the reason and the legal basis; send; the case page says it is asked."""
    page.goto(f"{base}/werk/zaken/{case_id}")
    page.get_by_role("link", name="Afwijking aanvragen").click()
    page.get_by_label(kind).check()
    page.get_by_role("button", name="Verder").click()
    page.get_by_role("heading", name=kind).wait_for()
    for label, option in choose.items():
        page.get_by_label(label, exact=True).select_option(label=option)
    for label, text in fill.items():
        page.get_by_label(label, exact=False).fill(text)
    page.get_by_label("Reden").fill(REASON)
    page.get_by_label("Juridische grondslag").select_option(label="art. 4:84 Awb")
    page.get_by_role("button", name="Afwijking aanvragen").click()
    page.get_by_text("De afwijking is aangevraagd").wait_for()


def _requests(client: FlaskClient, token: str, case_id: int) -> list[dict[str, Any]]:
    found = client.get(f"/api/v1/cases/{case_id}", headers=bearer(token)).get_json()
    assert found["id"] == case_id
    register = client.get("/api/v1/deviations", headers=bearer(token)).get_json()
    return [d for d in register["deviations"] if d["case_id"] == case_id]


def test_every_type_is_asked_by_name_without_typing_an_id(
        client: FlaskClient, tokens: dict[str, str], live_server: str, browser: Any) -> None:
    token = tokens["consulent"]
    first = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    second = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    refused = complete(client, token, start(client, token, "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, netto_inkomen=2500)), "Task_Volledigheid", {"volledig": "ja"})
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, "consulent")

    page.goto(f"{live_server}/werk/zaken/{first['id']}/afwijking")
    assert _violations(page) == []
    page.get_by_role("button", name="Verder").click()  # no type chosen: said so
    assert page.locator("#soort-error").inner_text() == "Kies wat u wilt doen."
    _ask(page, live_server, first["id"], "Gegevens corrigeren",
         {"Gegeven": "Hoeveel kost het? (nu: 650)"}, {"Nieuwe waarde": "400"})
    _ask(page, live_server, first["id"], "Taak anders toewijzen",
         {"Open taak waar het om gaat": "Volledigheid controleren",
          "Toewijzen aan medewerker": "Kim Konings"}, {})
    _ask(page, live_server, first["id"], "Beslistermijn verlengen",
         {}, {"Beslistermijn verlengen met": "3",
              "Uitleg voor de inwoner": "Wij wachten nog op een advies van de arts."})
    page.goto(f"{live_server}/werk/zaken/{second['id']}/afwijking")
    page.get_by_label("Extra stap toevoegen").check()
    page.get_by_role("button", name="Verder").click()
    assert page.locator("#target_element_id").count() == 0  # only what the type needs
    assert page.locator("#field_name").count() == 0
    assert _violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "guided-deviation.png"), full_page=True)
    _ask(page, live_server, second["id"], "Extra stap toevoegen",
         {"Open taak waar het om gaat": "Volledigheid controleren", "Of aan groep":
          "consulenten"}, {"Titel van de extra stap": "Huisbezoek"})
    _ask(page, live_server, refused["id"], "Uitkomst van een beslissing aanpassen",
         {"Stap in het proces": "Draagkracht berekenen"},
         {"Nieuwe waarde of uitkomst": "toekennen"})
    page.context.close()

    asked = {(d["type"], d["task_id"] is not None, d["target_element_id"]): d["values"]
             for case in (first, second, refused)
             for d in _requests(client, token, case["id"])}
    assert asked == {
        ("correct_data", False, None): {"bedrag": 400},
        ("reassign", True, None): {"assignee": "consulent2"},
        ("extend_deadline", False, None): {"weeks": 3},
        ("add_task", True, None): {"title": "Huisbezoek", "instructions": "",
                                   "candidate_group": "consulenten"},
        ("override_decision", False, "Task_Draagkracht"): {"uitkomst": "toekennen"},
    }
