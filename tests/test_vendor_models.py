"""Models from other modelers and engines: Operaton's are read as Camunda 7's, a Camunda 8
(zeebe) model and other engines' extensions are refused by name, and a data store
reference (a drawing) is left out."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from helpers import bearer, complete, start, upload

DATA = Path(__file__).parent / "data"


def _upload(client: FlaskClient, token: str, name: str, content: str) -> Any:
    return upload(client, token, [(name, content.encode())])


def test_an_operaton_model_runs_as_a_camunda_7_model(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    operaton = (DATA / "bean_service_tasks.bpmn").read_text().replace(
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        'xmlns:operaton="http://operaton.org/schema/1.0/bpmn"').replace("camunda:", "operaton:")
    assert "camunda" not in operaton
    response = _upload(client, tokens["ontwerper"], "melding.bpmn", operaton)
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "melding_openbare_ruimte", {"melder": "Ali",
                                                                          "prioriteit": 1})
    # operaton:expression became the external task of its bean, as camunda:expression does
    assert [(t["element_id"], t["kind"]) for t in case["open_tasks"]] == [
        ("Task_StatusOntvangen", "external")]


def test_a_camunda_8_model_is_refused_as_a_whole(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = _upload(client, tokens["ontwerper"], "c8.bpmn",
                       (DATA / "vendors" / "camunda8.bpmn").read_text())
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["file"] == "c8.bpmn"
    assert "this is a Camunda 8 model (zeebe)" in problem["message"]


def test_another_engines_extensions_are_refused_where_they_are(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    flowable = (DATA / "io_mappings.bpmn").read_text().replace(
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" '
        'xmlns:flowable="http://flowable.org/bpmn"').replace(
        '<bpmn:userTask id="Task_Afhandelen" name="Melding afhandelen"',
        '<bpmn:userTask id="Task_Afhandelen" name="Melding afhandelen" '
        'flowable:dueDate="P3D"')
    response = _upload(client, tokens["ontwerper"], "melding.bpmn", flowable)
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["element_id"] == "Task_Afhandelen"
    assert "the Flowable extensions here are not read by Maatwerk" in problem["message"]


def test_a_data_store_is_a_drawing_and_is_left_out(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = _upload(client, tokens["ontwerper"], "registreren.bpmn",
                       (DATA / "vendors" / "data_store.bpmn").read_text())
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "registreren_in_zaaksysteem", {"a": 1})
    done = complete(client, tokens["consulent"], case, "Task_Registreren", {"b": 2})
    assert done["status"] == "completed" and done["data"] == {"a": 1, "b": 2}


FORM_KEY_MODEL = (DATA / "vendors" / "data_store.bpmn").read_text().replace(
    'camunda:candidateGroups="consulenten">',
    'camunda:candidateGroups="consulenten" '
    'camunda:formKey="camunda-forms:deployment:forms/aanvulling.form">')
ROOT = Path(__file__).parent.parent


def test_a_camunda_forms_form_key_is_the_uploaded_form_file(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [
        ("registreren.bpmn", FORM_KEY_MODEL),
        ("aanvulling.form", (ROOT / "forms" / "aanvulling.form").read_bytes())])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "registreren_in_zaaksysteem", {})
    [task] = case["open_tasks"]
    refused = client.post(f"/api/v1/tasks/{task['id']}/complete", json={"data": {}},
                          headers=bearer(tokens["consulent"]))
    assert refused.status_code == 422  # the form's required field
    assert "aanvulling" in refused.get_json()["errors"]


BROKEN_FORM = '{"id": "aanvulling", "type": "default", "components": [{"type": "textfield"}]}'


def test_a_form_key_whose_file_is_missing_or_refused_says_so_once(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    missing = _upload(client, tokens["ontwerper"], "registreren.bpmn", FORM_KEY_MODEL)
    assert missing.status_code == 422
    [problem] = missing.get_json()["errors"]
    assert problem["element_id"] == "Task_Registreren"
    assert "the form file 'aanvulling.form' (camunda:formKey" in problem["message"]
    response = upload(client, tokens["ontwerper"], [
        ("registreren.bpmn", FORM_KEY_MODEL),
        ("aanvulling.form", BROKEN_FORM)])
    assert response.status_code == 422
    problems = response.get_json()["errors"]
    assert problems and all(p["file"] == "aanvulling.form" for p in problems), problems
