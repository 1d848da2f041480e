"""GZAC process blueprints that municipalities share (tests/data/corpus/gzac-basisprocessen/
SOURCE.md), as saved: the appreciation of informal carers runs to its end, started by the
portal's message or by hand; the blueprint that names `${true}` as a delegate is refused."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from corpus_driver import drive, start_by_message
from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

BLUEPRINTS = Path(__file__).parent / "data" / "corpus" / "gzac-basisprocessen"
WMV = ("wmv-verwerken-aanvraag.bpmn", "generic-afsluiten-zaak.bpmn",
       "generic-update-zaak-status.bpmn")
NOTIFICATION = "NOTIFICATIE_OBJECT_GEWIJZIGD_ONTVANGEN_MESSAGE"


@pytest.fixture
def portal(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "portaal", [
        "VERZOEK_ONTVANGEN_MESSAGE", NOTIFICATION, "correlationService.sendCatchEventMessage"]))


@pytest.mark.parametrize("by_message", [True, False], ids=["from the portal", "by hand"])
def test_the_informal_carers_appreciation_runs_to_its_end(
        client: FlaskClient, tokens: dict[str, str], portal: dict[str, str],
        by_message: bool) -> None:
    response = upload(client, tokens["ontwerper"], [
        (file, (BLUEPRINTS / file).read_bytes()) for file in WMV])
    assert response.status_code == 201, response.get_json()
    assert all(note["element_id"] and note["message"] for note in response.get_json()["notes"])
    # the portal's request: GZAC's document, read by the model with JSON pointers
    aanvraag = {"aanvrager": {"bsn": "999990019", "voornaam": "Anna", "achternaam": "Jansen",
                              "emailadres": "anna@example.nl"}, "mantelzorger": "ja"}
    if by_message:
        case_id = start_by_message(client, portal, "VERZOEK_ONTVANGEN_MESSAGE", aanvraag)
    else:
        case_id = start(client, tokens["beheer"], "wmv-verwerken-aanvraag", aanvraag)["id"]
    waiting = case_of(client, tokens["beheer"], case_id)
    assert [w["name"] for w in waiting["waiting_for_messages"]] == [NOTIFICATION]
    assert waiting["data"]["aantalZakenVoorBSN"] == 0  # the plugin placeholder's value
    done = drive(client, tokens["beheer"], portal, case_id, {})
    assert done.trail == [NOTIFICATION]
    after = case_of(client, tokens["beheer"], case_id)
    assert after["status"] == "completed" and after["data"]["aanvrager"] == aanvraag["aanvrager"]
    # read from the document by its listeners (tussenvoegsel: the default, "")
    assert (after["data"]["voornaam"], after["data"]["tussenvoegsel"],
            after["data"]["emailAanvrager"]) == ("Anna", "", "anna@example.nl")
    # the status and result were the call activities' own input parameters
    assert "status" not in after["data"] and "resultaat" not in after["data"]


def test_the_notification_simulation_runs(client: FlaskClient, tokens: dict[str, str],
                                          portal: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [
        ("simuleren-notificatie.bpmn", (BLUEPRINTS / "simuleren-notificatie.bpmn").read_bytes())])
    assert response.status_code == 201, response.get_json()
    key = response.get_json()["key"]
    case = start(client, tokens["beheer"], key, {})
    done = drive(client, tokens["beheer"], portal, case["id"], {})
    # its message end event is the worker's: the topic of its correlationService call, with
    # the message name and the case's reference as arguments
    [sent] = done.seen
    assert sent["topicName"] == "correlationService.sendCatchEventMessage"
    assert (sent["variables"]["arg0"]["value"], sent["variables"]["arg1"]["value"]) == (
        NOTIFICATION, case["reference"])
    assert case_of(client, tokens["beheer"], case["id"])["status"] == "completed"


def test_a_blueprint_with_a_delegate_that_is_no_bean_is_refused(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    name = "vergunning-opkoopbescherming.bpmn"
    response = upload(client, tokens["ontwerper"], [(name, (BLUEPRINTS / name).read_bytes())])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert any(e["element_id"] == "AanpassenZaakdossierNaGeenReactieAanvragerTask"
               and e["message"].startswith("camunda:delegateExpression '${true}' must name "
                                           "a bean") for e in errors), errors
