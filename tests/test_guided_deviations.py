"""The guided deviation page: a caseworker chooses the type first, then only what that type
needs, each chosen from the case by name (open tasks, steps, data fields by their labels
with the current value, colleagues and groups), without typing an id; in Chromium."""
from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, bearer, complete, sign_in, start
from test_accessibility import SHOTS, _violations

REASON = "De standaard past hier niet: de situatie van deze inwoner is echt anders."


def _ask(page: Any, base: str, case_id: int, kind: str, choose: dict[str, str],
         fill: dict[str, str], preview: bool = False) -> None:
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
    if preview:  # first see what approval would do; the answers stay as they were
        page.get_by_role("button", name="Eerst bekijken wat er gebeurt").click()
        page.get_by_role("heading", name="Wat er gebeurt als een teamleider dit goedkeurt") \
            .wait_for()
        assert _violations(page) == []
        page.screenshot(path=str(SHOTS / "deviation-preview.png"), full_page=True)
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
         {"Nieuwe uitkomst": "toekennen"}, {}, preview=True)
    sign_in(page, live_server, "teamleider")  # the queue, filtered by keyboard-free clicks
    page.goto(f"{live_server}/werk/goedkeuren")
    page.get_by_label("Soort").select_option(label="Gegevens corrigeren")
    page.get_by_role("button", name="Filteren").click()
    page.get_by_text("1 van 5 aanvragen").wait_for()
    assert page.get_by_text("Hoeveel kost het? 400").count() == 1
    assert page.get_by_role("heading", name="Wat er gebeurt bij goedkeuren").count() == 1
    assert _violations(page) == []
    page.screenshot(path=str(SHOTS / "approvals-filtered.png"), full_page=True)
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


def _ask_api(client: FlaskClient, token: str, case_id: int, **body: Any) -> dict[str, Any]:
    response = client.post(f"/api/v1/cases/{case_id}/deviations", headers=bearer(token),
                           json=dict(body, reason=REASON, legal_basis="art. 4:84 Awb"))
    assert response.status_code == 201, response.get_json()
    result: dict[str, Any] = response.get_json()
    return result


def _cards(html: str) -> list[str]:
    return re.findall(r'<article class="card deviation".*?</article>', html, re.S)


def test_the_approvals_queue_reads_as_people_speak_and_filters(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    first = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    second = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, naam="Fatima el Amrani"))
    _ask_api(client, tokens["consulent"], first["id"], type="correct_data",
             values={"bedrag": 400})
    _ask_api(client, tokens["consulent2"], second["id"], type="extend_deadline",
             values={"weeks": 2}, resident_message="Wij wachten nog op een advies van de arts.")
    login(client, "teamleider")
    page = client.get("/werk/goedkeuren").get_data(as_text=True)
    correction, extension = sorted(_cards(page), key=lambda card: "Beslistermijn" in card)
    assert "Jan Jansen" in correction and "Hoeveel kost het? 400" in correction
    assert "Hoeveel kost het? 650" in correction and "bedrag" not in correction
    assert "Fatima el Amrani" in extension and "Verlenging: 2 weken" in extension
    assert re.search(r"Beslisdatum: \d+ \w+ 20\d\d<", extension)  # a date as a date

    def shown(**query: str) -> list[str]:
        html = client.get("/werk/goedkeuren", query_string=query).get_data(as_text=True)
        return [re.search(r'id="deviation-\d+">([^<]+)', card).group(1).strip()  # type: ignore[union-attr]
                for card in _cards(html)]

    assert shown(soort="extend_deadline") == ["Beslistermijn verlengen"]
    assert shown(door="consulent") == ["Gegevens corrigeren"]
    assert shown(proces="bijzondere_bijstand", door="consulent2") == ["Beslistermijn verlengen"]
    assert shown(wacht="1") == []  # both were asked just now
    assert "Geen aanvragen met deze filters" in client.get(
        "/werk/goedkeuren?wacht=7").get_data(as_text=True)


def _post_page(client: FlaskClient, case_id: int, kind: str, data: dict[str, str]) -> Any:
    url = f"/werk/zaken/{case_id}/afwijking?soort={kind}"
    page = client.get(url).get_data(as_text=True)
    return client.post(url, data=dict(data, type=kind, csrf_token=csrf_token(page),
                                       reason=REASON, legal_basis="art. 4:84 Awb"))


def _option(client: FlaskClient, case_id: int, decision: str, label: str) -> str:
    """The value of an outcome in the override's list, by its decision's name and label."""
    page = client.get(f"/werk/zaken/{case_id}/afwijking?soort=override_decision")
    group = re.search(rf'<optgroup label="{re.escape(decision)}">(.*?)</optgroup>',
                      page.get_data(as_text=True), re.S)
    assert group is not None, f"no outcomes listed for {decision}"
    found = re.search(rf'<option value="([^"]+)">{re.escape(label)}</option>', group.group(1))
    assert found is not None, f"{label} is not an outcome of {decision}"
    return found.group(1)


def test_an_override_offers_the_routes_and_table_results_by_name(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["consulent"]
    refused = complete(client, token, start(client, token, "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, netto_inkomen=2500)), "Task_Volledigheid", {"volledig": "ja"})
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{refused['id']}/afwijking?soort=override_decision"
                      ).get_data(as_text=True)
    targets = re.search(r'<select[^>]*id="target_element_id".*?</select>', page, re.S)
    assert targets is None or "Draagkracht" not in targets.group(0)  # chosen, not typed
    assert "Gateway_VolledigheidSamen" not in page  # a join is no decision
    route = _option(client, refused["id"], "Uitkomst draagkracht?",
                    "Toekennen, meer dan € 500")
    shown = _post_page(client, refused["id"], "override_decision", {
        "outcome": route, "actie": "voorbeeld"}).get_data(as_text=True)
    assert "De zaak staat daarna bij: Vierogencontrole besluit." in shown
    tampered = _post_page(client, refused["id"], "override_decision", {
        "outcome": "Gateway_Uitkomst#9"})
    assert tampered.status_code == 422
    assert "Kies een uitkomst uit de lijst." in tampered.get_data(as_text=True)
    assert _post_page(client, refused["id"], "override_decision", {
        "outcome": route}).status_code == 302
    [asked] = _requests(client, token, refused["id"])
    assert (asked["target_element_id"], asked["values"]) == (
        "Gateway_Uitkomst", {"flow": "Gateway_VierogenSamen"})
    login(client, "teamleider")
    [card] = _cards(client.get("/werk/goedkeuren").get_data(as_text=True))
    assert "Route: Toekennen, meer dan € 500" in card  # the route by its name


def test_a_preview_says_what_approval_would_do_and_keeps_nothing(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["consulent"]
    case = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    refused = complete(client, token, start(client, token, "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, netto_inkomen=2500)), "Task_Volledigheid", {"volledig": "ja"})
    login(client, "consulent")
    notice = "Wij wachten nog op een advies van de arts."
    shown = _post_page(client, case["id"], "extend_deadline", {
        "weeks": "3", "resident_message": notice, "actie": "voorbeeld"})
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Er is nog niets aangevraagd." in html
    assert re.search(r"Nieuwe beslisdatum: \d+ \w+ 20\d\d \(nu: \d+ \w+ 20\d\d\)", html)
    assert f"De inwoner leest: ‘{notice}’" in html
    assert "De zaak blijft bij dezelfde stap." in html
    override = _post_page(client, refused["id"], "override_decision", {
        "outcome": _option(client, refused["id"], "Draagkracht berekenen", "toekennen"),
        "actie": "voorbeeld"}).get_data(as_text=True)
    assert "De zaak staat daarna bij: Vierogencontrole besluit." in override
    reassign = _post_page(client, case["id"], "reassign", {
        "task_id": case["open_tasks"][0]["id"], "person": "consulent2",
        "actie": "voorbeeld"}).get_data(as_text=True)
    assert "De inwoner krijgt hier geen bericht over." in reassign
    skip = _post_page(client, case["id"], "skip_task", {
        "task_id": case["open_tasks"][0]["id"], "actie": "voorbeeld"})
    assert skip.status_code == 422 and "Er is nog niets aangevraagd." not in \
        skip.get_data(as_text=True)  # a skip that can't work is refused, as when asked
    assert _requests(client, token, case["id"]) == []  # nothing was kept
    assert _requests(client, token, refused["id"]) == []
    sent = _post_page(client, case["id"], "extend_deadline", {
        "weeks": "3", "resident_message": notice})
    assert sent.status_code == 302  # the case is not left locked by a preview
    assert [d["type"] for d in _requests(client, token, case["id"])] == ["extend_deadline"]


def test_the_queue_shows_what_approval_does_as_tried_when_asked(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["consulent"]
    waiting = start(client, token, "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    refused = complete(client, token, start(client, token, "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, netto_inkomen=2500, naam="Fatima el Amrani")),
        "Task_Volledigheid", {"volledig": "ja"})
    notice = "Wij wachten nog op een advies van de arts."
    _ask_api(client, token, waiting["id"], type="extend_deadline", values={"weeks": 2},
             resident_message=notice)
    _ask_api(client, token, refused["id"], type="override_decision",
             target_element_id="Task_Draagkracht", values={"uitkomst": "toekennen"})
    login(client, "teamleider")
    extension, override = sorted(_cards(client.get("/werk/goedkeuren").get_data(
        as_text=True)), key=lambda card: "Fatima" in card)
    for card in (extension, override):
        assert "Wat er gebeurt bij goedkeuren" in card and "niet veranderd" in card
    assert "De zaak staat daarna bij: Vierogencontrole besluit." in override
    assert "De inwoner leest: ‘" in override  # the standard sentence for an override
    assert "De zaak blijft bij dezelfde stap." in extension
    assert re.search(r"Nieuwe beslisdatum: \d+ \w+ 20\d\d \(nu: \d+ \w+ 20\d\d\)", extension)
    assert f"De inwoner leest: ‘{notice}’" in extension
    api = {d["type"]: d["expected"] for case in (waiting, refused)
           for d in _requests(client, token, case["id"])}
    assert api["override_decision"] == {"open_after": ["Task_Vierogen"], "due_at": None,
                                        "case_changed": False}
    assert api["extend_deadline"]["open_after"] is None
    assert api["extend_deadline"]["due_at"] > waiting["due_at"]

    complete(client, token, waiting, "Task_Volledigheid", {"volledig": "ja"})
    extension = next(card for card in _cards(client.get("/werk/goedkeuren").get_data(
        as_text=True)) if "Beslistermijn" in card)
    assert "De zaak is veranderd sinds de aanvraag" in extension  # approval tries again
    assert [d["expected"]["case_changed"] for d in _requests(client, token, waiting["id"])
            ] == [True]


def test_the_register_counts_steps_and_processes_by_name(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    _ask_api(client, tokens["consulent"], case["id"], type="reassign",
             task_id=case["open_tasks"][0]["id"], values={"assignee": "consulent2"})
    for who in ("consulent", "ontwerper"):  # the designer sees counts by name too
        login(client, who)
        page = client.get("/werk/afwijkingen").get_data(as_text=True)
        per_step = re.search(r'id="count-element".*?</table>', page, re.S)
        per_process = re.search(r'id="count-process".*?</table>', page, re.S)
        assert per_step is not None and per_process is not None
        assert re.search(r">Volledigheid controleren</a> <code[^>]*>Task_Volledigheid</code>",
                         per_step.group(0))
        assert ">Bijzondere bijstand</a>" in per_process.group(0)
        items = page[page.index('id="register-items"'):]
        assert "<td>Volledigheid controleren</td>" in items
