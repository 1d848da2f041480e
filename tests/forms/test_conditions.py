"""Fields shown on a condition (forms/conditions.py): what is not shown is not taken from a
submission and can't be wrong, the same over the JSON API and the HTML form; the page
carries the condition for the script and, in words, for readers without JavaScript."""
from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask, render_template_string
from test_wtf import RENDER, make_app
from werkzeug.datastructures import MultiDict

from maatwerk.forms.conditions import answer_texts, condition_text, shown_keys
from maatwerk.forms.formio import parse_formio
from maatwerk.forms.formjs import parse_formjs
from maatwerk.forms.model import FormDefinition, FormDefinitionError
from maatwerk.forms.validation import validate_submission
from maatwerk.web.form_classes import build_form_class, form_data

YES_NO = [{"label": "Ja", "value": True}, {"label": "Nee", "value": False}]


def _when(key: str, eq: Any, show: bool = True) -> dict[str, Any]:
    return {"show": show, "when": key, "eq": eq}


@pytest.fixture
def children() -> FormDefinition:
    """Do you have children; if so, how many (required), and (if more than 2) a note; a
    separate question shown unless the answer is no."""
    return parse_formio("kinderen", json.dumps({"components": [
        {"type": "radio", "key": "kinderen", "label": "Heeft u kinderen?", "values": YES_NO},
        {"type": "number", "key": "aantal", "label": "Hoeveel?", "validate": {"required": True},
         "conditional": _when("kinderen", True)},
        {"type": "textarea", "key": "toelichting", "label": "Toelichting",
         "validate": {"required": True}, "conditional": _when("aantal", 3)},
        {"type": "selectboxes", "key": "hulp", "label": "Welke hulp?", "values": [
            {"label": "Opvang", "value": "opvang"}, {"label": "Vervoer", "value": "vervoer"}],
         "conditional": _when("kinderen", False, show=False)},
        {"type": "textfield", "key": "vervoerder", "label": "Wie rijdt?",
         "conditional": _when("hulp", "vervoer")},
    ]}))


def test_the_answers_decide_which_fields_are_shown(children: FormDefinition) -> None:
    assert shown_keys(children, {}) == {"kinderen", "hulp"}  # unanswered: "not no"
    assert shown_keys(children, {"kinderen": "true", "aantal": 3.0}) == {
        "kinderen", "aantal", "toelichting", "hulp"}
    # a condition on a hidden field is judged on that field's hidden (empty) value
    assert shown_keys(children, {"kinderen": "false", "aantal": 3, "hulp": ["vervoer"]}) == {
        "kinderen"}
    assert "vervoerder" in shown_keys(children, {"hulp": ["opvang", "vervoer"]})
    assert answer_texts(True) == ["true"] and answer_texts(2.0) == ["2"]


def test_a_hidden_field_is_not_taken_and_not_checked(children: FormDefinition) -> None:
    clean, errors = validate_submission(children, {
        "kinderen": "false", "aantal": "veel", "toelichting": "", "hulp": ["vervoer"],
        "vervoerder": "oma"})
    assert errors == {}  # "veel" is no number and the note is required, but neither is shown
    assert clean == {"kinderen": "false", "aantal": None, "toelichting": "", "hulp": [],
                     "vervoerder": ""}
    clean, errors = validate_submission(children, {"kinderen": "true", "aantal": "3"})
    assert errors == {"toelichting": "Dit veld is verplicht."}
    clean, errors = validate_submission(children, {"kinderen": "true"})
    assert set(errors) == {"aantal"}


def _post(app: Flask, definition: FormDefinition, data: MultiDict[str, str]
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    with app.test_request_context(method="POST", data=data):
        form = build_form_class(definition)()
        valid = form.validate()
        return (form_data(form, definition) if valid else {}), form.errors


@pytest.mark.parametrize("answers", [
    {"kinderen": "false", "aantal": "veel", "hulp": "vervoer", "vervoerder": "oma"},
    {"kinderen": "true", "aantal": "3", "toelichting": ""},
    {"kinderen": "true", "aantal": "2", "toelichting": "x", "hulp": "vervoer"},
])
def test_the_html_form_and_the_api_agree(children: FormDefinition,
                                         answers: dict[str, str]) -> None:
    clean, errors = validate_submission(children, {
        key: ([value] if key == "hulp" else value) for key, value in answers.items()})
    html_clean, html_errors = _post(make_app(), children, MultiDict(answers))
    assert {key: messages[0] for key, messages in html_errors.items()} == errors
    assert html_clean == (clean if not errors else {})


def test_the_page_carries_the_condition_and_says_it_in_words(children: FormDefinition) -> None:
    app = make_app()
    app.jinja_env.globals.update(condition_text=condition_text, answer_texts=answer_texts)
    with app.test_request_context():
        form = build_form_class(children)(prefix="t1")
        html = render_template_string(RENDER, form=form, definition=children)
    assert ('data-shown-when="t1-kinderen" data-shown-type="radio" data-shown-value="true" '
            'data-shown-show="true" data-field-name="t1-aantal"') in html
    assert "Alleen nodig als het antwoord op ‘Heeft u kinderen?’ ‘Ja’ is." in html
    assert "Alleen nodig als het antwoord op ‘Heeft u kinderen?’ niet ‘Nee’ is." in html
    assert 'data-hidden-answer="[]"' in html  # what a hidden checklist answers: nothing


def test_form_js_hides_a_field_on_a_simple_comparison() -> None:
    """Camunda Forms say when a field is hidden, in FEEL; one answer compared with one
    value is understood, in a group for everything in it."""
    with pytest.raises(FormDefinitionError) as refused:
        parse_formjs(json.dumps({"id": "f", "type": "default", "components": [
            {"type": "number", "key": "aantal", "label": "Hoeveel?"},
            {"type": "group", "label": "Groot gezin", "conditional": {"hide": "=aantal < 3"},
             "components": []}]}).encode())
    assert "not one field compared with one value" in str(refused.value)
    form = parse_formjs(json.dumps({"id": "f", "type": "default", "components": [
        {"type": "checkbox", "key": "kinderen", "label": "Ik heb kinderen"},
        {"type": "number", "key": "aantal", "label": "Hoeveel?",
         "conditional": {"hide": "=not(kinderen)"}},
        {"type": "group", "label": "Opvang", "conditional": {"hide": '=soort != "opvang"'},
         "components": [{"type": "textfield", "key": "opvang", "label": "Waar?"}]},
        {"type": "select", "key": "soort", "label": "Soort", "values": [
            {"label": "Opvang", "value": "opvang"}, {"label": "Geen", "value": "geen"}]},
        {"type": "textfield", "key": "reden", "label": "Waarom geen?",
         "conditional": {"hide": '=soort = "opvang"'}},
    ]}).encode())
    assert [(f.key or f.text, f.shown_when_key, f.shown_when_value, f.shown_when_show)
            for f in form.fields if f.conditional] == [
        ("aantal", "kinderen", "true", True), ("# Opvang", "soort", "opvang", True),
        ("opvang", "soort", "opvang", True), ("reden", "soort", "opvang", False)]
    assert shown_keys(form, {"kinderen": False, "soort": "geen"}) == {
        "kinderen", "soort", "reden"}
    clean, errors = validate_submission(form, {"kinderen": True, "aantal": "2",
                                               "soort": "opvang", "reden": "x"})
    assert errors == {} and clean["reden"] == "" and clean["aantal"] == 2
