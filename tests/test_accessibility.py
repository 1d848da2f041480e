"""WCAG 2.1 A/AA checks with axe-core in Chromium on every page type, and a keyboard-only
journey through a resident's form and a caseworker's task."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, sign_in, start
from maatwerk.services.demo import DEMO_PASSWORD

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
pytestmark = pytest.mark.browser


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async (tags) => await axe.run(document, "
                           "{runOnly: {type: 'tag', values: tags}})", WCAG)
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3]) for v in result["violations"]]


def test_every_page_type_passes_axe(live_server: str, browser: Any, client: FlaskClient,
                                    tokens: dict[str, str]) -> None:
    if not AXE.exists():
        pytest.fail("axe-core is missing: run 'make test' (it installs the npm packages)")
    case = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, bewijsstukken=[{"filename": "rekening.pdf",  # listed on the pages
                                           "content_base64": "JVBERi0xLjQKJSVFT0YK"}]))
    context = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    failures: dict[str, list[str]] = {}

    def check(name: str, url: str | None = None) -> None:
        if url:
            page.goto(live_server + url)
        found = _violations(page)
        if found:
            failures[name] = found
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"a11y-{name}.png"), full_page=True)

    check("resident-start", "/")
    check("resident-form", "/aanvragen/bijzondere_bijstand")
    page.get_by_role("button", name="Aanvraag versturen").click()
    check("resident-form-errors")
    check("resident-status", case["status_url"])
    check("login", "/inloggen")
    sign_in(page, live_server, "consulent")
    check("inbox", "/werk/")
    check("task", f"/werk/taken/{case['open_tasks'][0]['id']}")
    assert page.get_by_role("link", name="rekening.pdf").count() == 1
    check("case", f"/werk/zaken/{case['id']}")
    check("deviation-request", f"/werk/zaken/{case['id']}/afwijking")
    check("register", "/werk/afwijkingen")
    check("counter-cases", "/werk/zaken")
    page.goto(live_server + "/inloggen")
    sign_in(page, live_server, "teamleider")
    check("approvals", "/werk/goedkeuren")
    sign_in(page, live_server, "ontwerper")
    check("designer-models", "/ontwerp/")
    check("designer-upload", "/ontwerp/uploaden")
    check("designer-trial", "/ontwerp/bijzondere_bijstand/1/proefzaak")
    page.goto(live_server + "/ontwerp/bijzondere_bijstand/1")
    page.locator(".diagram--ready").wait_for()
    check("designer-model")
    sign_in(page, live_server, "balie")
    check("counter", "/werk/balie")
    check("counter-form", "/werk/balie/kapvergunning")
    page.get_by_role("link", name="Zaken", exact=True).click()  # the clerk's menu
    page.get_by_label("Geboortedatum").fill("31-02-1980")
    page.get_by_role("button", name="Zoeken").click()
    check("counter-search-error")
    page.get_by_label("Geboortedatum").fill("02-01-1980")
    page.get_by_role("button", name="Zoeken").click()
    assert page.get_by_role("link", name=case["reference"]).count() == 1
    check("counter-search")
    context.close()
    assert failures == {}


def _tab_to(page: Any, describe: str, test: str, limit: int = 120) -> None:
    """Press Tab until the focused element passes `test` (a JS predicate on `el`)."""
    page.wait_for_load_state()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({test}); }})()"):
            return
    raise AssertionError(f"could not reach {describe} with the Tab key")


def test_keyboard_only_resident_and_caseworker(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(live_server + "/")
    _tab_to(page, "the skip link", "el.classList.contains('skip-link')")
    _tab_to(page, "the service link", "el.textContent.includes('Bijzondere bijstand')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/aanvragen/bijzondere_bijstand")
    values = {"naam": "Sanne Bakker", "email": "sanne@example.nl", "geboortedatum": "02-01-1980",
              "kosten_omschrijving": "Een nieuwe bril, de oude is gebroken.",
              "bedrag": "300", "netto_inkomen": "1100", "vermogen": "0"}
    for key, value in values.items():
        _tab_to(page, key, f"el.name === '{key}'")
        if key == "geboortedatum":
            page.keyboard.type("02011980")  # the date input takes digits in its own order
        else:
            page.keyboard.type(value)
    _tab_to(page, "woonsituatie", "el.name === 'woonsituatie'")
    page.keyboard.press("ArrowDown")
    _tab_to(page, "toestemming", "el.name === 'toestemming'")
    page.keyboard.press("Space")
    _tab_to(page, "the submit button", "el.type === 'submit'")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Wij hebben uw aanvraag ontvangen").wait_for()

    worker = browser.new_page()
    worker.goto(live_server + "/inloggen")
    _tab_to(worker, "username", "el.name === 'username'")
    worker.keyboard.type("consulent")
    worker.keyboard.press("Tab")
    worker.keyboard.type(DEMO_PASSWORD)
    worker.keyboard.press("Enter")
    worker.get_by_role("heading", name="Werkvoorraad").wait_for()
    worker.wait_for_load_state()
    _tab_to(worker, "the task", "el.textContent.trim() === 'Volledigheid controleren'")
    worker.keyboard.press("Enter")
    worker.wait_for_url("**/werk/taken/**")
    _tab_to(worker, "the first answer", "el.name === 'volledig'")
    worker.keyboard.press("Space")  # selects "Ja, de aanvraag is volledig"
    _tab_to(worker, "Taak afronden", "el.textContent.trim() === 'Taak afronden'")
    worker.keyboard.press("Enter")
    worker.get_by_text("is afgerond").wait_for()
