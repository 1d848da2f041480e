"""A real GZAC form with a field shown on a condition ('behandel zaak': is the objection
well-founded, asked only when a decision can be taken; tests/data/corpus/gzac, EUPL), at a
user task of a small model: over the API, as an HTML form, and in headless Chromium. What
was not shown is never stored: the case gets the value the form gives the field while it
is hidden, and the process routes on it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from conftest import csrf_token, login
from helpers import bearer, case_of, open_task, sign_in, start, upload

FORM = ("user-task-behandel-zaak.json", (Path(__file__).parent / "data" / "corpus" / "gzac" /
                                         "forms" / "user-task-behandel-zaak.json").read_bytes())
BPMN = ("bezwaar-behandelen.bpmn", """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="bezwaar_behandelen" name="Bezwaar behandelen" isExecutable="true">
    <bpmn:startEvent id="Start" />
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Behandelen" />
    <bpmn:userTask id="Behandelen" name="Bezwaar behandelen"
        camunda:formKey="form:user-task-behandel-zaak" camunda:candidateGroups="consulenten" />
    <bpmn:sequenceFlow id="f2" sourceRef="Behandelen" targetRef="Gegrond" />
    <bpmn:exclusiveGateway id="Gegrond" name="Gegrond?" />
    <bpmn:sequenceFlow id="ja" sourceRef="Gegrond" targetRef="Herzien">
      <bpmn:conditionExpression>${gegrond == 'true'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="nee" sourceRef="Gegrond" targetRef="Afwijzen">
      <bpmn:conditionExpression>${gegrond != 'true'}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:userTask id="Herzien" name="Besluit herzien" camunda:candidateGroups="consulenten" />
    <bpmn:userTask id="Afwijzen" name="Bezwaar afwijzen" camunda:candidateGroups="consulenten" />
    <bpmn:sequenceFlow id="f3" sourceRef="Herzien" targetRef="Einde" />
    <bpmn:sequenceFlow id="f4" sourceRef="Afwijzen" targetRef="Einde" />
    <bpmn:endEvent id="Einde" />
  </bpmn:process>
</bpmn:definitions>
""")
ANSWERS = {"naamBehandelaar": "Chris Consulent", "beslissingBezwaar": "Het besluit blijft staan."}


@pytest.fixture
def case(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    response = upload(client, tokens["ontwerper"], [BPMN, FORM])
    assert response.status_code == 201, response.get_json()
    return start(client, tokens["consulent"], "bezwaar_behandelen", {"zaaknummer": "Z-1"})


@pytest.mark.parametrize(("answers", "founded", "next_step"), [
    ({"besluitGenomen": "false", "gegrond": "false"}, "true", "Herzien"),  # not shown: its value
    ({"besluitGenomen": "true", "gegrond": "false"}, "false", "Afwijzen"),
    ({"besluitGenomen": "true", "gegrond": "true"}, "true", "Herzien"),
])
def test_over_the_api_a_hidden_field_holds_its_hidden_value(
        client: FlaskClient, tokens: dict[str, str], case: dict[str, Any],
        answers: dict[str, str], founded: str, next_step: str) -> None:
    task = open_task(case, "Behandelen")
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(
        tokens["consulent"]), json={"data": {**ANSWERS, **answers}})
    assert response.status_code == 200, response.get_json()
    assert [t["element_id"] for t in response.get_json()["open_tasks"]] == [next_step]
    assert case_of(client, tokens["consulent"], case["id"])["data"]["gegrond"] == founded


def test_the_html_form_ignores_what_was_left_in_a_hidden_field(
        client: FlaskClient, tokens: dict[str, str], case: dict[str, Any]) -> None:
    task = open_task(case, "Behandelen")
    login(client, "consulent")
    page = client.get(f"/werk/taken/{task['id']}").get_data(as_text=True)
    assert 'data-shown-when="besluitGenomen"' in page and "shown_when.js" in page
    assert "Alleen nodig als het antwoord op ‘Kan je een besluit nemen?’ ‘Ja’ is." in page
    response = client.post(f"/werk/taken/{task['id']}", data={
        "csrf_token": csrf_token(page), **ANSWERS, "besluitGenomen": "false",
        "gegrond": "false"})
    assert response.status_code == 302, response.get_data(as_text=True)
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["data"]["gegrond"] == "true"
    assert [t["element_id"] for t in after["open_tasks"]] == ["Herzien"]


@pytest.mark.browser
def test_in_the_browser_the_question_appears_for_its_answer(
        live_server: str, browser: Any, client: FlaskClient, tokens: dict[str, str],
        case: dict[str, Any]) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server, "consulent", "Werkvoorraad")
    page.goto(f"{live_server}/werk/taken/{open_task(case, 'Behandelen')['id']}")
    founded = page.get_by_role("group", name="Is het bezwaar gegrond?")
    decided = page.get_by_role("group", name="Kan je een besluit nemen?")
    assert founded.is_hidden()  # no answer yet: not asked
    box = decided.get_by_label("Ja").bounding_box()
    label = decided.get_by_text("Ja", exact=True).bounding_box()
    assert box and label and box["x"] + box["width"] <= label["x"]  # the box before its label
    assert page.get_by_text("Alleen nodig als").is_hidden()  # the words are for no script
    decided.get_by_label("Ja").check()
    founded.wait_for(state="visible")
    founded.get_by_label("nee").check()
    decided.get_by_label("Nee").check()
    founded.wait_for(state="hidden")
    page.get_by_label("Naam behandelaar", exact=False).fill("Chris Consulent")
    page.get_by_label("Omschrijving van de beslissing").fill("Het besluit blijft staan.")
    page.get_by_role("button", name="Taak afronden").click()
    page.get_by_text("is afgerond").wait_for()
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["data"]["besluitGenomen"] == "false" and after["data"]["gegrond"] == "true"
    assert errors == []
