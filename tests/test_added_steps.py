"""An added step ("Huisbezoek") has a form for what was found: the caseworker records the
findings (and a report) with the step, the case page shows them with it, and the case data
stays as it was."""
from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, bearer, open_task, sign_in, start
from test_accessibility import SHOTS, _violations

FINDINGS = "Woning bezocht. De wasmachine is echt kapot; een nieuwe is nodig."
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def _with_added_step(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task = open_task(case, "Task_Volledigheid")
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
            "type": "add_task", "task_id": task["id"], "legal_basis": "art. 4:84 Awb",
            "values": {"title": "Huisbezoek", "instructions": "Bekijk de woonsituatie."},
            "reason": "De aanvraag is niet te beoordelen zonder de woning te zien."})
    assert asked.status_code == 201, asked.get_json()
    approved = client.post(f"/api/v1/deviations/{asked.get_json()['id']}/approve",
                           json={"comment": "Akkoord."}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == 200, approved.get_json()
    case = approved.get_json()["case"]
    return dict(case, added=next(t for t in case["open_tasks"] if t["kind"] == "adhoc"))


def test_the_findings_of_an_added_step_are_recorded_with_it(
        client: FlaskClient, tokens: dict[str, str], live_server: str, browser: Any,
        tmp_path: Any) -> None:
    case = _with_added_step(client, tokens)
    report = tmp_path / "verslag huisbezoek.pdf"
    report.write_bytes(PDF)
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, "consulent")
    page.goto(f"{live_server}/werk/taken/{case['added']['id']}")
    page.get_by_role("button", name="Taak afronden").click()  # nothing found: asked
    page.get_by_role("heading", name="Huisbezoek").first.wait_for()
    assert page.locator("#bevindingen-error").count() == 1
    assert _violations(page) == []
    page.get_by_label("Wat heeft u gevonden of gedaan?").fill(FINDINGS)
    page.get_by_label("Bijlagen").set_input_files(str(report))
    page.get_by_role("button", name="Taak afronden").click()
    page.wait_for_load_state()

    page.goto(f"{live_server}/werk/zaken/{case['id']}")
    row = page.get_by_role("row").filter(has_text="Huisbezoek")
    assert FINDINGS in row.inner_text() and "Chris Consulent" in row.inner_text()
    assert page.get_by_role("link", name="verslag huisbezoek.pdf").count() == 1
    assert _violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "added-step-findings.png"), full_page=True)
    page.context.close()

    after = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert after.get_json()["data"] == case["data"]  # the case data stays as it was
    audit = client.get(f"/api/v1/cases/{case['id']}/audit",
                       headers=bearer(tokens["consulent"])).get_json()["events"]
    [done] = [e for e in audit if e["action"] == "task_completed"]
    assert done["details"]["data"]["bevindingen"] == FINDINGS
