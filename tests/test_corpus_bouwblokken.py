"""GZAC's process building blocks (tests/data/corpus/gzac-bouwblokken/SOURCE.md), as the
municipalities' GZAC community publishes them: each is uploaded as saved (with the block it
calls), started and driven to its end through the APIs. The template that names no called
process yet is refused with that reason."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from corpus_driver import Run, drive
from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

BLOCKS = Path(__file__).parent / "data" / "corpus" / "gzac-bouwblokken"
RUNS = {
    # a call activity to the status block; every plugin action is a ${true} task
    "afsluiten-zaak": Run(("afsluiten-zaak.bpmn", "update-zaakstatus.bpmn"), "afsluiten-zaak",
                          trail=()),
    # plugin actions with result variables, gateways on them, a message throw with
    # ${true} as its implementation
    "controleren-afhandeltermijn": Run(("controleren-afhandeltermijn.bpmn",),
                                       "controleren-afhandeltermijn", trail=()),
    # the applicant's channel picks the path; a start listener removes the choice
    "informeren-aanvrager-post": Run(
        ("informeren-aanvrager.bpmn",), "informeren-aanvrager", trail=("AfdrukkenBriefTask",),
        start={"communicatievoorkeur": "post"}, expect={"portaalnotificatieVerstuurd": False}),
    "informeren-aanvrager-portaal": Run(
        ("informeren-aanvrager.bpmn",), "informeren-aanvrager", trail=(),
        start={"communicatievoorkeur": "portaal"},
        expect={"portaalnotificatieVerstuurd": True}),
}


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "gzac-bouwblokken", ["zaakService.zetStatus"]))


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_building_block_runs_to_its_end(client: FlaskClient, tokens: dict[str, str],
                                          worker: dict[str, str], name: str) -> None:
    run = RUNS[name]
    response = upload(client, tokens["ontwerper"], [
        (file, (BLOCKS / file).read_bytes()) for file in run.files])
    assert response.status_code == 201, response.get_json()
    notes = response.get_json()["notes"]
    assert all(note["element_id"] and note["message"] for note in notes)
    if name == "afsluiten-zaak":  # the dossier it writes to is a drawing, as in Camunda 7
        assert any(note["element_id"] == "ZaakdossierDataObjectReference" and
                   note["message"].startswith("a data object is a drawing here")
                   for note in notes), notes
    case = start(client, tokens["beheer"], run.key, run.start)
    done = drive(client, tokens["beheer"], worker, case["id"], run.answers)
    assert tuple(done.trail) == run.trail, done.trail
    after = case_of(client, tokens["beheer"], case["id"])
    assert after["status"] == "completed"
    for variable, value in run.expect.items():
        assert after["data"][variable] == value, (variable, after["data"])
    if name.startswith("informeren-aanvrager") and name != "informeren-aanvrager-post":
        assert "communicatievoorkeur" not in after["data"]  # removed by its listener


def test_the_template_that_calls_no_process_yet_is_refused_with_the_reason(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    files = ["opvragen-informatie.bpmn", "annuleren-portaaltaak.bpmn",
             "vastleggen-reactie-op-informatieverzoek.bpmn"]
    response = upload(client, tokens["ontwerper"], [
        (file, (BLOCKS / file).read_bytes()) for file in files])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert any(e["file"] == "opvragen-informatie.bpmn"
               and e["element_id"] == "UpdateZaakstatusCallActivity"
               and e["message"] == "the call activity names no process to call"
               for e in errors), errors
