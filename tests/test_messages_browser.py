"""In Chromium: the resident writes to us from the status page and reads the answer; the
caseworker sees the new message in the inbox and on the case and answers; the resident
downloads the decision letter. Each page along the way passes axe (WCAG 2.1 A/AA)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, complete, sign_in, start
from test_accessibility import AXE, _violations

pytestmark = pytest.mark.browser

QUESTION = "Moet ik ook de bon van de oude wasmachine opsturen?"
ANSWER = "Nee, dat hoeft niet. De offerte van de nieuwe is genoeg."


def test_a_question_and_its_answer_in_the_browser(live_server: str, browser: Any,
                                                  client: FlaskClient,
                                                  tokens: dict[str, str]) -> None:
    assert AXE.exists(), "axe-core is missing: run 'make test' (it installs the npm packages)"
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    context = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        found = _violations(page)
        if found:
            failures[name] = found

    page.goto(live_server + case["status_url"])
    page.get_by_role("button", name="Bericht versturen").click()  # nothing written
    page.get_by_role("heading", name="Stuur ons een bericht").wait_for()
    assert page.get_by_text("Dit veld is verplicht.").count() >= 1
    check("status-message-error")
    page.get_by_label("Uw bericht").fill(QUESTION)
    page.get_by_role("button", name="Bericht versturen").click()
    page.get_by_text("Wij hebben uw bericht ontvangen").wait_for()
    assert page.get_by_text(QUESTION).count() == 1
    check("status-message-sent")

    staff = context.new_page()
    sign_in(staff, live_server, "consulent")
    staff.goto(live_server + "/werk/")
    staff.get_by_role("link", name="1 nieuw bericht van de inwoner").first.click()
    staff.get_by_text(QUESTION).wait_for()
    failures.update({f"case-{k}": v for k, v in [("new", _violations(staff))] if v})
    staff.get_by_label("Bericht aan de inwoner").fill(ANSWER)
    staff.get_by_role("button", name="Versturen").click()
    staff.get_by_text("Uw bericht aan de inwoner is verstuurd.").wait_for()
    assert staff.get_by_text("gelezen door Chris Consulent", exact=False).count() == 1
    failures.update({f"case-{k}": v for k, v in [("answered", _violations(staff))] if v})

    page.goto(live_server + case["status_url"])
    page.get_by_text("Lees het bericht").last.click()
    page.get_by_text(ANSWER).wait_for()
    assert page.get_by_text("gelezen door uw behandelaar").count() == 1
    check("status-answered")
    context.close()
    assert failures == {}


def test_the_resident_downloads_the_decision_letter_in_the_browser(
        live_server: str, browser: Any, client: FlaskClient, tokens: dict[str, str]) -> None:
    started = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    case = complete(client, tokens["consulent"], started, "Task_Volledigheid",
                    {"volledig": "ja"})
    complete(client, tokens["teamleider"], case, "Task_Vierogen",
             {"akkoord": True, "vierogen_toelichting": "Akkoord."})
    context = browser.new_context(bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.goto(live_server + started["status_url"])
    page.get_by_role("heading", name="Brieven van ons").wait_for()
    assert _violations(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name=f"besluit-{started['reference']}.pdf").click()
    path = download.value.path()
    assert path is not None and Path(path).read_bytes().startswith(b"%PDF-")
    context.close()


def test_the_request_preview_follows_what_the_caseworker_types(
        live_server: str, browser: Any, client: FlaskClient, tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server, "consulent")
    page.goto(f"{live_server}/werk/taken/{case['open_tasks'][0]['id']}")
    mark = page.locator("mark[data-fill-from='ontbrekende_gegevens']")
    assert mark.inner_text() == "(wat u hierboven invult)"
    page.locator("[name='ontbrekende_gegevens']").fill("Uw bankafschrift van oktober.")
    assert mark.inner_text() == "Uw bankafschrift van oktober."
    assert _violations(page) == []
    context.close()
