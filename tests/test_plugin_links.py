"""GZAC plugin actions linked to service tasks (process links of type `plugin`) run as
external tasks of the action's key, with the action's properties as the task's variables:
GZAC's own `create-zaakdossier` process with its process links (tests/data/corpus/gzac,
EUPL), driven to its end by a worker that implements the plugin actions; the action on its
repeating task is done once for each document, the worker told which."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from corpus_driver import drive
from helpers import bearer, start, upload, worker_account
from maatwerk.persistence.database import Database

GZAC = Path(__file__).parent / "data" / "corpus" / "gzac"
LINKS = GZAC / "processlinks" / "create-zaakdossier.processlink.json"
ACTIONS = ["create-zaak", "create-natuurlijk-persoon-zaak-rol", "link-document-to-zaak",
           "delete-object", "processService.startProcessByProcessDefinitionKey"]
START = {"initiatorType": "bsn", "initiatorValue": "999993653", "processDefinitionKey": "bezwaar",
         "RSIN": "002564440", "zaakTypeUrl": "https://catalogi.example/zaaktypen/1",
         "rolTypeUrl": "https://catalogi.example/roltypen/1", "rolDescription": "Initiator",
         "verzoekObjectUrl": "https://objecten.example/objects/7",
         "documentUrls": ["https://documenten.example/1", "https://documenten.example/2"]}


def _links() -> list[dict[str, Any]]:
    """The process's plugin links, as GZAC keeps them."""
    links: list[dict[str, Any]] = json.loads(LINKS.read_text())
    return links


def _files(links: list[dict[str, Any]] | None = None) -> list[tuple[str, bytes]]:
    return [("create-zaakdossier.bpmn", (GZAC / "create-zaakdossier.bpmn").read_bytes()),
            ("zaakdossier_decision.dmn", (GZAC / "zaakdossier_decision.dmn").read_bytes()),
            ("create-zaakdossier.processlink.json",
             json.dumps(_links() if links is None else links).encode())]


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "zgw", ACTIONS))


def test_gzacs_plugin_actions_become_topics_a_worker_does(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], _files())
    assert response.status_code == 201, response.get_json()
    notes = response.get_json()["notes"]
    linked = {"create-zaak", "create-initiator-zaak-rol", "delete-verzoek-from-objectsapi"}
    # nothing left undone (asyncAfter is noted: it changes nothing here)
    assert not [n for n in notes if n["element_id"] in linked and
                "asyncAfter" not in n["message"]], notes
    case = start(client, tokens["beheer"], "create-zaakdossier", START)
    done = drive(client, tokens["beheer"], worker, case["id"], {})
    assert done.trail == ["create-zaak", "create-initiator-zaak-rol", "link-document-to-zaak",
                          "link-document-to-zaak", "start-handling-process",
                          "delete-verzoek-from-objectsapi"], done.trail
    calls = [(c["topicName"], {k: v["value"] for k, v in c["variables"].items()})
             for c in done.seen]
    assert calls[0][0] == "create-zaak"
    assert (calls[0][1]["rsin"], calls[0][1]["zaaktypeUrl"]) == (
        "002564440", "https://catalogi.example/zaaktypen/1")
    assert calls[1][0] == "create-natuurlijk-persoon-zaak-rol"
    assert (calls[1][1]["inpBsn"], calls[1][1]["rolToelichting"]) == ("999993653", "Initiator")
    linked = [variables for topic, variables in calls if topic == "link-document-to-zaak"]
    assert sorted(v["documentUrl"] for v in linked) == START["documentUrls"]  # one each
    assert {(v["titel"], v["beschrijving"]) for v in linked} == {
        ("Verzoek document", "Document that belongs to a Verzoek")}
    assert calls[-1] == ("delete-object", calls[-1][1])
    assert calls[-1][1]["objectUrl"] == "https://objecten.example/objects/7"


def test_what_only_gzac_can_look_up_is_passed_as_text_and_noted(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str]) -> None:
    links = _links()
    links[0]["actionProperties"] = {"zaaknummer": "zaak:identificatie", "aantal": 2,
                                    "spoed": True, "bsn": "doc:/aanvrager/bsn",
                                    "tekst": "kost ${bedrag}"}
    response = upload(client, tokens["ontwerper"], _files(links))
    assert response.status_code == 201, response.get_json()
    [note] = [n for n in response.get_json()["notes"] if n["element_id"] == "create-zaak" and
              "plugin action" in n["message"]]
    assert "its properties zaaknummer refer to what only GZAC can look up" in note["message"]
    start(client, tokens["beheer"], "create-zaakdossier", {**START, "aanvrager": {
        "bsn": "999993653"}})
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=worker, json={
        "workerId": "w1", "maxTasks": 1, "topics": [
            {"topicName": "create-zaak", "lockDuration": 10_000}]}).get_json()
    variables = {k: v["value"] for k, v in fetched[0]["variables"].items()}
    assert (variables["zaaknummer"], variables["aantal"], variables["spoed"],
            variables["bsn"], variables["tekst"]) == (
        "zaak:identificatie", 2, True, "999993653", "kost ${bedrag}")


@pytest.mark.parametrize(("change", "element", "message"), [
    (lambda links: links.append({**links[0], "activityId": "bestaat-niet"}),
     "bestaat-niet", "names an element that is not a service or send task of the upload"),
    (lambda links: links.append({**links[0], "activityId": "start-handling-process"}),
     "start-handling-process", "a task does one thing here"),
    (lambda links: links.append(dict(links[0])), "create-zaak", "two plugin links"),
])
def test_a_plugin_link_that_cannot_run_is_refused_by_file_and_element(
        client: FlaskClient, tokens: dict[str, str], change: Any, element: str,
        message: str) -> None:
    links = _links()
    change(links)
    response = upload(client, tokens["ontwerper"], _files(links))
    assert response.status_code == 422, response.get_json()
    errors = response.get_json()["errors"]
    assert any(e["element_id"] == element and message in e["message"] for e in errors), errors
