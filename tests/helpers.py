"""Small helpers for driving cases through the HTTP API in tests."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

BIJSTAND_AANVRAAG: dict[str, Any] = {
    "naam": "Jan Jansen", "email": "jan@example.nl", "geboortedatum": "1980-01-02",
    "woonsituatie": "alleenstaand",
    "kosten_omschrijving": "Een nieuwe wasmachine, want de oude is kapot.",
    "bedrag": 650, "netto_inkomen": 1200, "vermogen": 100, "toestemming": True,
}
#: the same application as the HTML form posts it (texts, a Dutch amount and date, a tick)
BIJSTAND_FORM: dict[str, str] = {k: str(v) for k, v in BIJSTAND_AANVRAAG.items()
                                 if k != "toestemming"}
BIJSTAND_FORM.update(toestemming="y", bedrag="650,00", geboortedatum="02-01-1980")
KAP_AANVRAAG: dict[str, Any] = {
    "naam": "Petra de Boer", "email": "petra@example.nl", "adres": "Dorpsstraat 1, Ons Dorp",
    "boomsoort": "eik", "stamdiameter": 45, "reden": "De boom is ziek en kan omvallen.",
    "herplant": True,
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def start(client: FlaskClient, token: str, key: str, data: dict[str, Any],
          channel: str = "online") -> dict[str, Any]:
    response = client.post("/api/v1/cases", json={"process_key": key, "data": data,
                                                   "channel": channel}, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def open_task(case: dict[str, Any], element_id: str) -> dict[str, Any]:
    found = [t for t in case["open_tasks"] if t["element_id"] == element_id]
    assert found, f"{element_id} is not open; open: {[t['element_id'] for t in case['open_tasks']]}"
    return found[0]


def complete(client: FlaskClient, token: str, case: dict[str, Any], element_id: str,
             data: dict[str, Any]) -> dict[str, Any]:
    task = open_task(case, element_id)
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": data},
                           headers=bearer(token))
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def bijstand_with(*extra: tuple[str, str]) -> list[tuple[str, str | bytes]]:
    """The demo's bijzondere-bijstand model (BPMN, DMN, forms), with these files added."""
    from maatwerk.services.demo import bundle_files

    root = Path(__file__).resolve().parents[1]
    files = bundle_files(root / "workflows" / "bijzondere_bijstand.bpmn", root / "workflows",
                         root / "forms")
    return [*[(f.filename, f.content) for f in files], *extra]


def upload(client: FlaskClient, token: str, files: list[tuple[str, str | bytes]]) -> Any:
    """POST /api/v1/process-models with these (file name, content) files; the response."""
    return client.post("/api/v1/process-models", data={"files": [
        (io.BytesIO(content.encode() if isinstance(content, str) else content), name)
        for name, content in files]}, headers=bearer(token), content_type="multipart/form-data")


def case_of(client: FlaskClient, token: str, case_id: int) -> dict[str, Any]:
    """GET /api/v1/cases/<id>: the case, its data, open tasks, incidents and waits."""
    body: dict[str, Any] = client.get(f"/api/v1/cases/{case_id}", headers=bearer(token)
                                      ).get_json()
    return body


def open_elements(client: FlaskClient, token: str, case_id: int) -> list[str]:
    return [t["element_id"] for t in case_of(client, token, case_id)["open_tasks"]]


def worker_account(database: Any, username: str, groups: list[str]) -> str:
    """A worker account (another system) with these groups (topics, messages, processes);
    its API token."""
    from maatwerk.persistence.uow import UnitOfWork
    from maatwerk.services import accounts
    with UnitOfWork(database) as unit:
        accounts.create_user(unit, username, ["worker"], groups, f"{username}-wachtwoord")
        unit.commit()
        return accounts.create_token(unit, username)


def actions(client: FlaskClient, token: str, case_id: int) -> list[str]:
    response = client.get(f"/api/v1/cases/{case_id}/audit", headers=bearer(token))
    assert response.status_code == 200
    return [e["action"] for e in response.get_json()["events"]]


# -- in Chromium (Playwright pages) --------------------------------------------------------

def sign_in(page: Any, base: str, username: str, landing_heading: str | None = None) -> None:
    """Sign in on the login page as a demo account; wait for the page it lands on."""
    from maatwerk.services.demo import DEMO_PASSWORD
    page.goto(base + "/inloggen")
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    if landing_heading:
        page.get_by_role("heading", name=landing_heading).wait_for()
    else:
        page.wait_for_load_state()


def fill_bijstand_form(page: Any) -> None:
    """Type BIJSTAND_AANVRAAG's answers into the open bijzondere-bijstand form (all but the
    declaration checkbox and the files)."""
    page.get_by_label("Naam", exact=False).first.fill("Jan Jansen")
    page.get_by_label("E-mailadres", exact=False).fill("jan@example.nl")
    page.get_by_label("Geboortedatum", exact=False).fill("1980-01-02")
    page.get_by_label("Woonsituatie", exact=False).select_option("alleenstaand")
    page.get_by_label("Waarvoor", exact=False).fill("Een nieuwe wasmachine, de oude is kapot.")
    page.get_by_label("Hoeveel kost het", exact=False).fill("650")
    page.get_by_label("Netto inkomen", exact=False).fill("1200")
    page.get_by_label("Spaargeld", exact=False).fill("100")
