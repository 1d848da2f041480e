"""Real models, as their owners saved them, run here (tests/data/corpus/*/SOURCE.md): each is
uploaded, started and driven to its end through the APIs: user tasks by a person, every
topic its beans became by a worker that speaks Camunda 7's REST API. A model that can't
run is refused with the reasons listed, nothing else."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from corpus_driver import Run, drive
from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

GZAC = Path(__file__).parent / "data" / "corpus" / "gzac"


STATUS = "documentDelegateService.setInternalStatus"
RUNS = {
    # listeners and bean calls on every step: the GZAC objection process
    "bezwaar": Run(("bezwaar.bpmn",), "bezwaar", trail=(
        "validate-request__start_listener_1", "validate-request",
        "in-behandeling__start_listener_1", "in-behandeling",
        "bezwaar_Event_0m4dd1v__start_listener_1")),
    # plugin actions (${true}), a DMN decision, a multi-instance over the documents, a bean
    # whose arguments read execution.businessKey and execution.variables
    "create-zaakdossier": Run(
        ("create-zaakdossier.bpmn", "zaakdossier_decision.dmn"), "create-zaakdossier",
        trail=("start-handling-process",),
        start={"initiatorType": "bsn", "processDefinitionKey": "bezwaar",
               "documentUrls": ["https://documenten.example/1", "https://documenten.example/2"]},
        notes=9),
    "upload-document": Run(("upload-document.bpmn",), "document-upload",
                           trail=("Activity_13ce6d0",), notes=2),
    "process-completed-portaaltaak": Run(
        ("process-completed-portaaltaak.bpmn",), "process-completed-portaaltaak", trail=(),
        start={"documentUrls": ["https://documenten.example/1"]}, notes=5),
    "open-zaak-melding-behandelen": Run(("open-zaak-melding-behandelen.bpmn",),
                                        "melding-behandelen", trail=("melding-bekijken",),
                                        notes=3),
    "verlofaanvraag": Run(("verlofaanvraag.bpmn",), "verlofaanvraag", trail=("akkoord-verlof",)),
    "portal-person": Run(("portal-person.bpmn",), "portal-person",
                         trail=("valtimo-task", "portal-task"), notes=3),
    "process-vars": Run(("process-vars.bpmn",), "process-vars", trail=("do-something",),
                        start={"name": "Anna"}, answers={"do-something": {"naam": "Anna"}}),
    "medewerker-dossier": Run(("medewerker-dossier.bpmn",), "nieuwe-medewerker", trail=()),
    # a start form whose field ids have hyphens (jaar-omzet), as camunda:formData allows
    "big-example": Run(("big-example.bpmn",), "big-example",
                       trail=("Task_16y6fvk", "UserTask_1kitoe5", "UserTask_1qsou1e",
                              "UserTask_0nfi7o9"),
                       start={"voornaam": "Anna", "achternaam": "Bakker",
                              "emailadres": "anna@example.nl", "jaar-omzet": "120000",
                              "leen-bedrag": "25000", "lening-startdatum": "2027-03-01"},
                       notes=2),  # its form.io form key, and formData's businessKey
    "form-flow": Run(("form-flow.bpmn",), "form-flow-process", trail=("use-form-flow",)),
    # GZAC's connectors called in chains, from a task listener and a service task
    "lening-aanvragen": Run(
        ("lening-aanvragen.bpmn",), "lening-aanvragen",
        trail=("akkoord-op-lening-task", "burger-controleer-lening-task__create_listener_1",
               "burger-controleer-lening-task", "create-product-straatverlichting-task",
               "generate-pdf"),
        start={"voornaam": "Anna", "achternaam": "Bakker", "emailadres": "anna@example.nl",
               "jaar-omzet": "120000", "leen-bedrag": "25000",
               "lening-startdatum": "2027-03-01"},
        notes=10),  # its form.io form key, businessKey, asyncBefore and -After on 4 steps
}
REFUSED = {
    # Form.io forms kept elsewhere (and needing JavaScript: tests/forms/test_formio.py), a
    # decision kept elsewhere (its start listener on a joining gateway runs: no reason)
    "evenementenvergunning.bpmn": [
        ("StartEvent_1", ("the form 'evenementenvergunning-start-formulier' (camunda:formKey "
         "'form:evenementenvergunning-start-formulier') was not uploaded")),
        ("Task_1yozbjx", ("decision 'Evenementenvergunning-risico' (camunda:decisionRef) was "
         "not uploaded"))],
}
TASK_CONNECTOR = "connectorService.loadByName.createTask"
OBJECTS_CONNECTOR = "connectorFluentBuilder.builder.withConnector.put.executeCreateObjectRequest"
TOPICS = [STATUS,
          "processService.startProcessByProcessDefinitionKey",
          "uploadProcessDelegate.publishFileUploadedEvent",
          TASK_CONNECTOR, OBJECTS_CONNECTOR, "processDocumentGenerator.generate"]


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "gzac", TOPICS))


@pytest.mark.parametrize("name", sorted(RUNS))
def test_a_real_model_runs_to_its_end(client: FlaskClient, tokens: dict[str, str],
                                      worker: dict[str, str], name: str) -> None:
    run = RUNS[name]
    response = upload(client, tokens["ontwerper"], [
        (file, (GZAC / file).read_bytes()) for file in run.files])
    assert response.status_code == 201, response.get_json()
    assert len(response.get_json()["notes"]) == run.notes, response.get_json()["notes"]
    case = start(client, tokens["beheer"], run.key, run.start)
    done = drive(client, tokens["beheer"], worker, case["id"], run.answers)
    assert tuple(done.trail) == run.trail, done.trail
    seen = done.seen
    if name == "create-zaakdossier":
        [call] = seen
        variables = {k: v["value"] for k, v in call["variables"].items()}
        assert (variables["arg0"], variables["arg1"]) == ("bezwaar", case["reference"])
        assert call["variables"]["arg2"]["type"] == "Json"  # execution.variables
        assert json.loads(variables["arg2"])["documentUrls"] == run.start["documentUrls"]
        assert case_of(client, tokens["beheer"], case["id"])["data"]["betrokkeneType"] == \
            "natuurlijk_persoon"  # the decision table's output
    if name == "lening-aanvragen":
        calls = {c["topicName"]: {k: v["value"] for k, v in c["variables"].items()
                                  if k.startswith("arg")} for c in seen}
        assert calls[TASK_CONNECTOR] == {"arg0": "TaakConnector",
                                         "arg1": "burger-controleer-lening-task",
                                         "arg2": "test-form"}
        assert calls[OBJECTS_CONNECTOR] == {"arg0": "ObjectsApi-ConnectorInstance",
                                            "arg1": case["reference"], "arg2": "height",
                                            "arg3": "/height"}
    if name == "big-example":
        data = case_of(client, tokens["beheer"], case["id"])["data"]
        assert (data["jaar-omzet"], data["lening-startdatum"]) == ("120000", "2027-03-01")
        page = client.get("/aanvragen/big-example").get_data(as_text=True)
        assert 'name="jaar-omzet"' in page and 'name="lening-startdatum"' in page
    if name == "bezwaar":
        statuses = [c["variables"]["arg1"]["value"] for c in seen
                    if c["topicName"] == STATUS]
        assert statuses == ["aanvraag-ontvangen", "in-behandeling", "informatieverzoek-uitgezet"]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_real_model_that_cannot_run_is_refused_with_its_reasons(
        client: FlaskClient, tokens: dict[str, str], name: str) -> None:
    response = upload(client, tokens["ontwerper"], [(name, (GZAC / name).read_bytes())])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert all(e["file"] == name for e in errors)
    # nothing but files GZAC keeps elsewhere is missing
    assert all("was not uploaded" in e["message"] for e in errors), errors
    for element_id, opening in REFUSED[name]:
        assert any(e["element_id"] == element_id and e["message"].startswith(opening)
                   for e in errors), (element_id, opening, errors)
