"""A case's path on its diagram (issue 16): on the case page, the steps the case did (and
how often), where it stands now, what was passed over and the deviations that acted on each
step, drawn on the diagram of its own model version and listed in a table beside it."""
from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient

from conftest import login
from helpers import BIJSTAND_AANVRAAG, bearer, complete, sign_in, start
from test_accessibility import SHOTS, _violations

REASON = "De standaard past hier niet: de situatie van deze inwoner is echt anders."


def _returned(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    """A refused application whose completeness check was done, then asked again through
    an approved deviation (return to an earlier step)."""
    token = tokens["consulent"]
    case = complete(client, token, start(client, token, "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, netto_inkomen=2500)), "Task_Volledigheid", {"volledig": "ja"})
    asked = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(token),
                        json={"type": "return_to", "target_element_id": "Task_Volledigheid",
                              "reason": REASON, "legal_basis": "art. 4:84 Awb"})
    assert asked.status_code == 201, asked.get_json()
    approved = client.post(f"/api/v1/deviations/{asked.get_json()['id']}/approve",
                           headers=bearer(tokens["teamleider"]), json={"comment": "Akkoord."})
    assert approved.status_code == 200, approved.get_json()
    return case


def _rows(html: str) -> dict[str, list[str]]:
    table = re.search(r'aria-labelledby="path-title">.*?</table>', html, re.S)
    assert table is not None
    return {cells[0]: cells[1:] for cells in (
        [" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in re.findall(r"<td>(.*?)</td>",
                                                                          row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)) if cells}


def test_the_case_page_lists_the_path_with_its_deviations(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    case = _returned(client, tokens)
    login(client, "consulent")
    html = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    rows = _rows(html)
    assert list(rows) == ["Volledigheid controleren", "Contact met aanvrager voor afwijzing"]
    assert rows["Volledigheid controleren"] == ["1", "ja", "—", "Terug naar een eerdere stap"]
    assert rows["Contact met aanvrager voor afwijzing"] == ["—", "—", "1", "—"]
    diagram = client.get(f"/werk/zaken/{case['id']}/diagram.bpmn")
    assert diagram.status_code == 200 and b'id="Task_Volledigheid"' in diagram.data
    login(client, "vergunning")  # not of this case's groups: neither page nor diagram
    assert client.get(f"/werk/zaken/{case['id']}/diagram.bpmn").status_code == 404


def test_the_path_is_drawn_on_the_diagram(client: FlaskClient, tokens: dict[str, str],
                                          live_server: str, browser: Any) -> None:
    case = _returned(client, tokens)
    page = browser.new_context(bypass_csp=True).new_page()
    sign_in(page, live_server, "consulent")
    page.goto(f"{live_server}/werk/zaken/{case['id']}")
    page.locator(".diagram--ready").wait_for()
    assert page.locator('[data-element-id="Task_Volledigheid"].path-done.path-open'
                        '.path-deviated').count() == 1
    assert page.locator('[data-element-id="Task_ContactAfwijzing"].path-passed').count() == 1
    assert _violations(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#diagram").screenshot(path=str(SHOTS / "case-path.png"))
    page.context.close()
