"""Real models, as their owners saved them, run here (tests/data/corpus/*/SOURCE.md): each is
uploaded, started and driven to its end through the APIs: user tasks by a person, every
topic its beans became by a worker that speaks Camunda 7's REST API. A model that can't
run is refused with the reasons listed, nothing else."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

GZAC = Path(__file__).parent / "data" / "corpus" / "gzac"


@dataclass(frozen=True)
class Run:
    """One model: its files, the start data, what each step is answered with (by element
    id), and the steps it must pass in that order."""

    files: tuple[str, ...]
    key: str
    trail: tuple[str, ...]
    start: dict[str, Any] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: int = 0  # how many notes the upload gives (what changes nothing, or is not sent)


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
    "form-flow": Run(("form-flow.bpmn",), "form-flow-process", trail=("use-form-flow",)),
}
REFUSED = {
    # Valtimo's own form engine and JSON documents, and Valtimo connector chains
    "evenementenvergunning.bpmn": [
        ("StartEvent_1", "form key 'form:evenementenvergunning-start-formulier' points at"),
        ("ExclusiveGateway_0v5tocu", ("execution listener 'start': a listener on a gateway "
         "that joins paths is not supported")),
        ("Task_04cardr__end_listener_1", ("camunda:inputOutput, output parameter 'getPermit': "
         "Method calls like 'findValueByJsonPointer(...)'"))],
    "lening-aanvragen.bpmn": [
        ("burger-controleer-lening-task", ("task listener 'create': camunda:expression "
         "'${connectorService.loadByName("))],
}
TOPICS = [STATUS,
          "processService.startProcessByProcessDefinitionKey",
          "uploadProcessDelegate.publishFileUploadedEvent"]


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
    trail, seen = _drive(client, tokens["beheer"], worker, case["id"], run.answers)
    assert tuple(trail) == run.trail, trail
    if name == "create-zaakdossier":
        [call] = seen
        variables = {k: v["value"] for k, v in call["variables"].items()}
        assert (variables["arg0"], variables["arg1"]) == ("bezwaar", case["reference"])
        assert call["variables"]["arg2"]["type"] == "Json"  # execution.variables
        assert json.loads(variables["arg2"])["documentUrls"] == run.start["documentUrls"]
        assert case_of(client, tokens["beheer"], case["id"])["data"]["betrokkeneType"] == \
            "natuurlijk_persoon"  # the decision table's output
    if name == "bezwaar":
        statuses = [c["variables"]["arg1"]["value"] for c in seen
                    if c["topicName"] == STATUS]
        assert statuses == ["aanvraag-ontvangen", "in-behandeling", "informatieverzoek-uitgezet"]


def _drive(client: FlaskClient, person: str, worker: dict[str, str], case_id: int,
           answers: dict[str, dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Do every open step until the case ends; the steps done, and the external tasks as
    the worker saw them."""
    trail: list[str] = []
    seen: list[dict[str, Any]] = []
    for _ in range(30):
        case = case_of(client, person, case_id)
        if case["status"] == "completed":
            return trail, seen
        assert case["open_tasks"], f"the case is stuck: {case}"
        task = case["open_tasks"][0]
        trail.append(task["element_id"])
        if task["kind"] == "external":
            seen.append(_work(client, worker, case_id, answers))
        else:
            done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(person),
                               json={"data": answers.get(task["element_id"], {})})
            assert done.status_code == 200, done.get_json()
    raise AssertionError(f"the case did not end: {trail}")


def _work(client: FlaskClient, worker: dict[str, str], case_id: int,
          answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The generic worker: finds the topic of the case's external task, fetches and
    completes it as a Camunda client does."""
    [open_task] = client.get(f"/engine-rest/external-task?processInstanceId={case_id}",
                             headers=worker).get_json()
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=worker, json={
        "workerId": "corpus", "maxTasks": 1, "topics": [{
            "topicName": open_task["topicName"], "lockDuration": 60_000}]}).get_json()
    [task] = fetched
    variables = {k: {"value": v} for k, v in answers.get(task["activityId"], {}).items()}
    done = client.post(f"/engine-rest/external-task/{task['id']}/complete", headers=worker,
                       json={"workerId": "corpus", "variables": variables})
    assert done.status_code == 204, done.get_data(as_text=True)
    result: dict[str, Any] = task
    return result


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_real_model_that_cannot_run_is_refused_with_its_reasons(
        client: FlaskClient, tokens: dict[str, str], name: str) -> None:
    response = upload(client, tokens["ontwerper"], [(name, (GZAC / name).read_bytes())])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert all(e["file"] == name for e in errors)
    for element_id, opening in REFUSED[name]:
        assert any(e["element_id"] == element_id and e["message"].startswith(opening)
                   for e in errors), (element_id, opening, errors)
