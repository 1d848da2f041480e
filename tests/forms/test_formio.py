"""Form.io forms as GZAC keeps them (`config/form/<name>.json`; real ones from GZAC's example
application in tests/data/corpus/gzac/forms, EUPL): read into the same form definition as
Camunda Forms, or refused with every reason and the component named."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maatwerk.forms.formio import parse_formio
from maatwerk.forms.model import FormDefinitionError

FORMS = Path(__file__).parent.parent / "data" / "corpus" / "gzac" / "forms"


def _read(name: str) -> Any:
    return parse_formio(name, (FORMS / f"{name}.json").read_bytes())


def _form(*components: dict[str, Any]) -> str:
    return json.dumps({"display": "form", "components": list(components)})


def test_a_real_gzac_decision_form_is_read_field_by_field() -> None:
    form = _read("user-task-neem-besluit")
    assert form.id == "user-task-neem-besluit"
    assert [(f.key, f.type) for f in form.fields] == [
        ("naamBehandelaar", "textfield"), ("e-mailBehandelaar", "textfield"),
        ("zaaknummer", "textfield"), ("aanvullendeInfo", "textarea"),
        ("beslissingBezwaar", "textarea"), ("gegrond", "radio")]
    decided = form.fields[-1]
    assert [(o.value, o.label) for o in decided.options] == [
        ("true", "Het bezwaar is gegrond"), ("false", "Het bezwaar is ongegrond")]
    assert form.fields[0].disabled and not form.fields[4].disabled  # shown, not filled in


def test_a_real_gzac_start_form_with_a_file_and_a_checkbox() -> None:
    start = _read("start-form-lening-aanvragen")
    assert [(f.key, f.type) for f in start.fields] == [
        ("voornaam", "textfield"), ("height", "number"), ("bijlagen", "filepicker")]
    assert start.fields[2].multiple
    agreed = _read("user-task-akkoord-administratie")
    assert agreed.fields[-1].type == "checkbox" and agreed.fields[-1].key == "akkoord"


@pytest.mark.parametrize(("name", "where", "fragment"), [
    ("start-form-nieuwe-medewerker", "medewerker.naam", "has key 'medewerker.naam'"),
    ("start-form-verlofaanvraag", "verlofId", "uses calculateValue"),  # pv. dropped
])
def test_a_real_gzac_form_that_needs_javascript_or_nested_data_is_refused(
        name: str, where: str, fragment: str) -> None:
    with pytest.raises(FormDefinitionError) as refused:
        _read(name)
    assert any(at == where and fragment in sentence
               for at, sentence in refused.value.problems), refused.value.problems


def test_layout_is_flattened_with_titles_and_buttons_left_out() -> None:
    form = parse_formio("aanvraag", _form(
        {"type": "panel", "key": "p", "title": "Uw gegevens", "components": [
            {"type": "columns", "key": "c", "columns": [
                {"components": [{"type": "textfield", "key": "voornaam", "label": "Voornaam",
                                 "validate": {"required": True, "maxLength": 40}}]},
                {"components": [{"type": "email", "key": "email", "label": "E-mail"}]}]}]},
        {"type": "htmlelement", "key": "uitleg", "content": "<p>Wij <b>bellen</b> u.</p>"},
        {"type": "selectboxes", "key": "dagen", "label": "Dagen", "values": [
            {"label": "Maandag", "value": "ma"}, {"label": "Dinsdag", "value": "di"}],
         "defaultValue": {"ma": True, "di": False}},
        {"type": "select", "key": "wijk", "label": "Wijk", "data": {"values": [
            {"label": "Noord", "value": "noord"}]}},
        {"type": "datetime", "key": "datum", "label": "Datum", "enableTime": False},
        {"type": "radio", "key": "akkoord", "label": "Akkoord?", "defaultValue": True,
         "values": [{"label": "Ja", "value": True}, {"label": "Nee", "value": False}]},
        {"type": "button", "key": "submit", "label": "Verzenden"}))
    assert [(f.key, f.type) for f in form.fields] == [
        ("", "text"), ("voornaam", "textfield"), ("email", "textfield"), ("", "text"),
        ("dagen", "checklist"), ("wijk", "select"), ("datum", "date"), ("akkoord", "radio")]
    assert form.fields[0].text == "# Uw gegevens"
    assert form.fields[1].required and form.fields[1].max_length == 40
    assert form.fields[2].validation_type == "email"
    assert form.fields[4].default == ("ma",)
    agreed = form.fields[7]  # true and false as the option values, and as its default
    assert [o.value for o in agreed.options] == ["true", "false"] and agreed.default == "true"


@pytest.mark.parametrize(("component", "fragment"), [
    ({"type": "datagrid", "key": "kinderen"}, "a repeating grid (datagrid)"),
    ({"type": "datetime", "key": "wanneer"}, "asks for a date with a time"),
    ({"type": "select", "key": "land", "dataSrc": "url"}, "takes its options from 'url'"),
    ({"type": "textfield", "key": "x", "validate": {"custom": "valid = input > 3"}},
     "uses validate.custom"),
    ({"type": "textfield", "key": "x", "conditional": {"json": {"==": [{"var": "y"}, 1]}}},
     "uses conditional.json"),
    ({"type": "textfield", "key": "x", "conditional": {"show": True, "when": "y", "eq": "1"}},
     "which is not an input field of this form"),
    ({"type": "textfield", "key": "x", "conditional": {"show": True, "when": "x", "eq": "1"}},
     "its own answer"),
    ({"type": "textfield", "key": "x", "conditional": {"show": "soms", "when": "x", "eq": "1"}},
     "has a condition (conditional) that is not"),
    ({"type": "textfield", "key": "x", "hidden": True, "defaultValue": "a"},
     "is hidden (hidden: true), so no one could fill it in"),
    ({"type": "sketchpad", "key": "x"}, "has an unknown type 'sketchpad'"),
    ({"type": "textfield", "label": "Zonder sleutel"}, "has no key"),
])
def test_what_cannot_run_without_javascript_is_refused_by_name(component: dict[str, Any],
                                                                fragment: str) -> None:
    with pytest.raises(FormDefinitionError) as refused:
        parse_formio("f", _form(component))
    assert any(fragment in sentence for _, sentence in refused.value.problems), \
        refused.value.problems


def test_a_file_that_is_no_form_says_so() -> None:
    with pytest.raises(FormDefinitionError, match="not valid JSON"):
        parse_formio("kapot", b"{nee")
    with pytest.raises(FormDefinitionError, match="has no 'components' list"):
        parse_formio("leeg", b"{}")


def test_a_real_gzac_form_shows_a_field_only_for_one_answer() -> None:
    """GZAC's 'behandel zaak' form asks whether the objection is well-founded only when a
    decision can be taken; a hidden component of the same key gives the answer otherwise."""
    form = _read("user-task-behandel-zaak")
    keys = [f.key for f in form.input_fields()]
    assert keys.count("gegrond") == 1 and keys[-2:] == ["besluitGenomen", "gegrond"]
    founded = form.field("gegrond")
    assert (founded.shown_when_key, founded.shown_when_value, founded.shown_when_show) == (
        "besluitGenomen", "true", True)
    assert founded.label == "Is het bezwaar gegrond?" and founded.hidden_value == "true"
    assert form.to_dict() == type(form).from_dict(form.to_dict()).to_dict()  # stored as is


def test_a_panels_condition_holds_for_what_it_holds() -> None:
    form = parse_formio("f", _form(
        {"type": "radio", "key": "kinderen", "values": [{"label": "Ja", "value": "ja"},
                                                        {"label": "Nee", "value": "nee"}]},
        {"type": "panel", "key": "kinderPanel", "title": "Uw kinderen",
         "conditional": {"show": "true", "when": "kinderen", "eq": "ja"},
         "components": [{"type": "number", "key": "aantal"},
                        {"type": "columns", "columns": [
                            {"components": [{"type": "textfield", "key": "school"}]}]}]}))
    assert [(f.key or f.text, f.shown_when_key) for f in form.fields] == [
        ("kinderen", ""), ("# Uw kinderen", "kinderen"), ("aantal", "kinderen"),
        ("school", "kinderen")]


@pytest.mark.parametrize(("components", "fragment"), [
    ([{"type": "checkbox", "key": "a", "conditional": {"show": True, "when": "b", "eq": "x"}},
      {"type": "checkbox", "key": "b", "conditional": {"show": True, "when": "a", "eq": "x"}}],
     "depend on each other in a ring"),
    ([{"type": "textfield", "key": "a", "disabled": True},
      {"type": "textfield", "key": "b", "conditional": {"show": True, "when": "a", "eq": "x"}}],
     "which is read-only or disabled"),
    ([{"type": "checkbox", "key": "a"},
      {"type": "panel", "conditional": {"show": True, "when": "a", "eq": "true"}, "components": [
          {"type": "textfield", "key": "b",
           "conditional": {"show": False, "when": "a", "eq": "false"}}]}],
     "has a condition of its own inside a panel"),
    ([{"type": "radio", "key": "a", "values": [{"label": "Ja", "value": True}],
       "conditional": {"show": True, "when": "b", "eq": "x"}},
      {"type": "textfield", "key": "b"},
      {"type": "radio", "key": "a", "hidden": True, "defaultValue": "misschien",
       "values": [{"label": "Misschien", "value": "misschien"}]}],
     "gives 'misschien' to 'a' while it is hidden, which is not one of its options"),
])
def test_conditions_that_cannot_work_are_refused(components: list[dict[str, Any]],
                                                 fragment: str) -> None:
    with pytest.raises(FormDefinitionError) as refused:
        parse_formio("f", _form(*components))
    assert any(fragment in sentence for _, sentence in refused.value.problems), \
        refused.value.problems
