"""GZAC's forms beside a model: Form.io forms (`<name>.json`) shown at the user task that a
GZAC form link (`config/formlink/*.json`) or `camunda:formKey="form:<name>"` names; what
is missing or wrong is refused with the file and element."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import login
from corpus_driver import drive
from helpers import bearer, case_of, open_task, start, upload, worker_account

BLOCKS = Path(__file__).parent / "data" / "corpus" / "gzac-bouwblokken"
BPMN = ("informeren-aanvrager.bpmn", (BLOCKS / "informeren-aanvrager.bpmn").read_bytes())
FORM = ("informeren-aanvrager.afdrukken-brief.json",
        (BLOCKS / "informeren-aanvrager.afdrukken-brief.json").read_bytes())
LINKS = ("informeren-aanvrager.formlink.json",
         (BLOCKS / "informeren-aanvrager.formlink.json").read_bytes())
OWN = ('<bpmn:userTask id="AfdrukkenBriefTask" name="Afdrukken brief" '
       'camunda:candidateGroups="ROLE_USER">')


def _errors(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.get_json()
    errors: list[dict[str, Any]] = response.get_json()["errors"]
    return errors


def test_a_form_link_shows_the_gzac_form_at_its_task(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """GZAC's own building block, its Form.io form and its form link, as published."""
    response = upload(client, tokens["ontwerper"], [BPMN, FORM, LINKS])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["beheer"], "informeren-aanvrager",
                 {"communicatievoorkeur": "post"})
    task = open_task(case_of(client, tokens["beheer"], case["id"]), "AfdrukkenBriefTask")
    login(client, "beheer")
    page = client.get(f"/werk/taken/{task['id']}").get_data(as_text=True)
    assert "Genereren van de brief is buiten scope van dit voorbeeld" in page


def test_a_form_key_names_the_gzac_form(client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = BPMN[1].decode().replace(OWN, OWN[:-1] + ' camunda:formKey="form:'
                                    'informeren-aanvrager.afdrukken-brief">')
    response = upload(client, tokens["ontwerper"], [(BPMN[0], bpmn), FORM])
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(("files", "where", "message"), [
    # the link names a form that was not uploaded
    ([BPMN, LINKS], ("informeren-aanvrager.formlink.json", "AfdrukkenBriefTask"),
     ("the form 'informeren-aanvrager.afdrukken-brief' (the form link in "
     "informeren-aanvrager.formlink.json) was not uploaded")),
    # a link to an element the model does not have
    ([BPMN, FORM, ("links.json", json.dumps([{
        "formName": "informeren-aanvrager.afdrukken-brief", "formLinkElementId": "Bestaat_Niet",
        "formAssociationType": "user-task"}]).encode())],
     ("links.json", "Bestaat_Niet"), "names an element that is not a user task or start"),
    ([BPMN, ("links.json", (b'[{"formName": "x", "formLinkElementId": "AfdrukkenBriefTask",'
                           b' "formAssociationType": "form-flow"}]'))],
     ("links.json", "AfdrukkenBriefTask"), "a form link of type 'form-flow' is not supported"),
    ([BPMN, ("iets.json", b'{"naam": "geen formulier"}')], ("iets.json", None),
     "is read as a GZAC Form.io form"),
    ([BPMN, FORM, LINKS, ("kapot.json", b"{nee")], ("kapot.json", None), "is not valid JSON"),
])
def test_gzac_forms_that_cannot_be_used_are_refused_by_file_and_element(
        client: FlaskClient, tokens: dict[str, str], files: list[tuple[str, bytes]],
        where: tuple[str, str | None], message: str) -> None:
    errors = _errors(upload(client, tokens["ontwerper"], files))
    assert any((e["file"], e["element_id"]) == where and message in e["message"]
               for e in errors), errors


def test_a_form_key_without_its_form_and_a_refused_form_are_named_once(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = BPMN[1].decode().replace(OWN, OWN[:-1] + ' camunda:formKey="form:brief">')
    errors = _errors(upload(client, tokens["ontwerper"], [(BPMN[0], bpmn)]))
    assert any(e["element_id"] == "AfdrukkenBriefTask" and "the form 'brief' "
               "(camunda:formKey 'form:brief') was not uploaded" in e["message"]
               for e in errors), errors
    refused = json.dumps({"components": [{"type": "datagrid", "key": "kinderen"}]})
    errors = _errors(upload(client, tokens["ontwerper"], [(BPMN[0], bpmn),
                                                            ("brief.json", refused.encode())]))
    assert [e["file"] for e in errors] == ["brief.json"], errors  # not also "not uploaded"


GZAC = Path(__file__).parent / "data" / "corpus" / "gzac"


def _gzac(*names: str) -> list[tuple[str, bytes]]:
    return [(name.rsplit("/", 1)[-1], (GZAC / name).read_bytes()) for name in names]


def test_gzac_process_links_give_its_example_objection_process_its_forms(
        client: FlaskClient, tokens: dict[str, str], database: Any) -> None:
    """GZAC's objection process with its process links and Form.io forms, as its example
    application ships them: the start form's text and the task's fields are shown."""
    response = upload(client, tokens["ontwerper"], _gzac(
        "bezwaar.bpmn", "processlinks/bezwaar.processlink.json", "forms/start-form-bezwaar.json",
        "forms/user-task-validate-request.json", "forms/empty-form.json"))
    assert response.status_code == 201, response.get_json()
    login(client, "beheer")
    page = client.get("/werk/balie/bezwaar").get_data(as_text=True)
    assert "Klik start om uw bezwaar in te dienen." in page  # the start form's text
    case = start(client, tokens["beheer"], "bezwaar", {})
    worker = bearer(worker_account(database, "gzac", [
        "documentDelegateService.setInternalStatus"]))
    done = drive(client, tokens["beheer"], worker, case["id"], {}, limit=3,
                 stop_at="validate-request")
    assert done.trail[-1] == "validate-request"
    task = open_task(case_of(client, tokens["beheer"], case["id"]), "validate-request")
    page = client.get(f"/werk/taken/{task['id']}").get_data(as_text=True)
    assert "Burgerservicenummer" in page and 'value="234567861"' in page


def test_a_process_link_to_a_form_that_needs_javascript_and_a_plugin_link(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    errors = _errors(upload(client, tokens["ontwerper"], _gzac(
        "verlofaanvraag.bpmn", "processlinks/verlofaanvraag.processlink.json",
        "forms/start-form-verlofaanvraag.json", "forms/user-task-akkoord-administratie.json")))
    assert any(e["file"] == "start-form-verlofaanvraag.json" and "uses calculateValue" in
               e["message"] for e in errors), errors
    plugin = json.dumps([{"activityId": "akkoord-verlof", "activityType": "bpmn:UserTask:create",
                          "processLinkType": "plugin", "pluginConfigurationId": "1",
                          "pluginActionDefinitionKey": "create-zaak", "actionProperties": {}}])
    response = upload(client, tokens["ontwerper"], [
        *_gzac("verlofaanvraag.bpmn"), ("verlofaanvraag.processlink.json", plugin.encode())])
    assert response.status_code == 201, response.get_json()
    assert any(n["element_id"] == "akkoord-verlof" and "plugin action 'create-zaak'" in
               n["message"] for n in response.get_json()["notes"]), response.get_json()
