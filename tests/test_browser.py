"""Real headless Chromium (Debian's) against the app served on loopback."""
from __future__ import annotations

from pathlib import Path

import pytest

from helpers import BIJSTAND_AANVRAAG, fill_bijstand_form, sign_in, start

SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
pytestmark = pytest.mark.browser


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_resident_applies_and_caseworkers_finish_the_case(live_server: str,
                                                          browser: object) -> None:
    resident = browser.new_page()  # type: ignore[attr-defined]
    resident.goto(live_server + "/")
    _shot(resident, "01-services")
    resident.get_by_role("link", name="Bijzondere bijstand").click()
    resident.get_by_role("button", name="Aanvraag versturen").click()  # empty: errors first
    assert resident.get_by_text("Er ging iets mis").is_visible()
    _shot(resident, "02-form-errors")
    fill_bijstand_form(resident)
    resident.get_by_label("naar waarheid", exact=False).check()
    resident.get_by_role("button", name="Aanvraag versturen").click()
    resident.get_by_role("heading", name="Wij hebben uw aanvraag ontvangen").wait_for()
    reference = resident.locator("dd").first.inner_text()
    assert reference.startswith("BB-")
    _shot(resident, "03-status")
    status_url = resident.url

    worker = browser.new_page()  # type: ignore[attr-defined]
    sign_in(worker, live_server, "consulent", "Werkvoorraad")
    worker.get_by_role("link", name="Volledigheid controleren").first.click()
    _shot(worker, "04-task")
    worker.get_by_label("Ja", exact=False).first.check()
    worker.get_by_role("button", name="Taak afronden").click()
    worker.get_by_text("is afgerond").wait_for()
    _shot(worker, "05-inbox")

    lead = browser.new_page()  # type: ignore[attr-defined]
    sign_in(lead, live_server, "teamleider", "Werkvoorraad")
    lead.get_by_role("link", name="Vierogencontrole besluit").first.click()
    lead.get_by_role("checkbox").first.check()
    lead.locator("textarea").first.fill("Akkoord, de kosten zijn noodzakelijk.")
    lead.get_by_role("button", name="Taak afronden").click()
    lead.get_by_text("is afgerond").wait_for()

    resident.goto(status_url.split("?")[0])
    resident.get_by_text("Uw aanvraag is afgehandeld").first.wait_for()
    _shot(resident, "06-status-done")


def test_designer_sees_the_diagram_with_open_tasks(live_server: str, browser: object,
                                                   client: object, tokens: dict[str, str]) -> None:
    start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    page = browser.new_page()  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "ontwerper")
    page.get_by_role("link", name="Bijzondere bijstand").first.click()
    page.locator(".diagram--ready").wait_for()
    assert page.locator(".diagram__canvas svg [data-element-id=Task_Volledigheid]").count() >= 1
    assert page.locator(".diagram__badge").first.inner_text() == "1"
    _shot(page, "07-designer-model")
    assert errors == []
