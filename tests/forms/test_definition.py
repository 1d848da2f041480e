"""Tests for the form model and its parsers: form-js and camunda:formData."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maatwerk.forms.camunda_form_data import from_camunda_form_data
from maatwerk.forms.formjs import parse_formjs
from maatwerk.forms.model import FormDefinition, FormDefinitionError, FormField, Option
from maatwerk.forms.text import render_text

DATA = Path(__file__).parent / "data"


def formjs(*components: dict[str, Any], form_id: str = "Form_test") -> str:
    return json.dumps(
        {
            "components": list(components),
            "type": "default",
            "id": form_id,
            "exporter": {"name": "Camunda Modeler", "version": "5.25.0"},
            "executionPlatform": "Camunda Cloud",
            "executionPlatformVersion": "8.5.0",
            "schemaVersion": 16,
        }
    )


def refused(source: str) -> list[tuple[str, str]]:
    with pytest.raises(FormDefinitionError) as info:
        parse_formjs(source)
    return info.value.problems


def only_field(source: str) -> FormField:
    definition = parse_formjs(source)
    (field,) = definition.input_fields()
    return field


# --------------------------------------------------------------------------
# Realistic sample files
# --------------------------------------------------------------------------


def test_parkeervergunning_sample() -> None:
    definition = parse_formjs((DATA / "aanvraag-parkeervergunning.form").read_bytes())
    assert definition.id == "Form_parkeervergunning"
    assert [(f.key, f.type) for f in definition.input_fields()] == [
        ("naam", "textfield"),
        ("email", "textfield"),
        ("telefoon", "textfield"),
        ("postcode", "textfield"),
        ("huisnummer", "number"),
        ("soort", "radio"),
        ("kenteken", "textfield"),
        ("ingangsdatum", "date"),
        ("betaalwijze", "select"),
        ("toelichting", "textarea"),
        ("akkoord", "checkbox"),
    ]
    texts = [f for f in definition.fields if f.type == "text"]
    # Intro text plus the group label (kept as a heading); button/separator dropped.
    assert texts[0].text.startswith("# Aanvraag parkeervergunning")
    assert texts[1].text == "# Uw gegevens"
    assert len(definition.fields) == 13

    naam = definition.field("naam")
    assert naam.label == "Voor- en achternaam"
    assert (naam.required, naam.min_length, naam.max_length) == (True, 2, 80)
    assert naam.id == "Field_1n8c4vq"
    assert definition.field("email").validation_type == "email"
    assert definition.field("email").description == "Hierop ontvangt u de bevestiging."
    assert definition.field("telefoon").validation_type == "phone"
    assert definition.field("postcode").pattern == "^[1-9][0-9]{3} ?[A-Z]{2}$"
    huisnummer = definition.field("huisnummer")
    assert (huisnummer.min, huisnummer.max, huisnummer.decimal_digits) == (1.0, 99999.0, 0)
    soort = definition.field("soort")
    assert soort.options[0] == Option("bewoner", "Bewonersvergunning")
    assert soort.default == "bewoner"
    assert definition.field("ingangsdatum").label == "Ingangsdatum"
    assert definition.field("akkoord").required is True


def test_beoordeling_sample() -> None:
    definition = parse_formjs((DATA / "beoordeling-bijzondere-bijstand.form").read_text("utf-8"))
    assert definition.id == "Form_beoordeling_bijzondere_bijstand"
    html_text = definition.fields[0]
    assert html_text.type == "text"
    # html content is reduced to plain text (markup dropped, paragraphs kept).
    assert "<" not in html_text.text
    assert "beleid bijzondere bijstand 2025" in html_text.text
    assert "\n\n" in html_text.text
    assert definition.field("volledig").default is False
    assert definition.field("ontbrekend").type == "checklist"
    assert len(definition.field("ontbrekend").options) == 3
    bedrag = definition.field("bedrag")
    assert (bedrag.decimal_digits, bedrag.min, bedrag.max) == (2, 0.0, 5000.0)
    assert definition.field("besluit").required
    assert definition.field("motivering").min_length == 20
    assert definition.field("zaaknummer").readonly is True
    assert not definition.field("zaaknummer").editable


# --------------------------------------------------------------------------
# Component types
# --------------------------------------------------------------------------


def test_textfield_with_all_rules() -> None:
    field = only_field(
        formjs(
            {
                "type": "textfield",
                "key": "naam",
                "label": "Naam",
                "description": "Zoals in uw paspoort",
                "id": "Field_0x",
                "defaultValue": "Jan",
                "validate": {
                    "required": True,
                    "minLength": 2,
                    "maxLength": 80,
                    "pattern": "[A-Za-z ]+",
                },
            }
        )
    )
    assert field == FormField(
        key="naam",
        type="textfield",
        label="Naam",
        description="Zoals in uw paspoort",
        required=True,
        min_length=2,
        max_length=80,
        pattern="[A-Za-z ]+",
        default="Jan",
        id="Field_0x",
    )


def test_textarea() -> None:
    field = only_field(
        formjs({"type": "textarea", "key": "toelichting", "label": "Toelichting", "id": "F1"})
    )
    assert field.type == "textarea"
    assert field.required is False


def test_number() -> None:
    field = only_field(
        formjs(
            {
                "type": "number",
                "key": "bedrag",
                "label": "Bedrag",
                "id": "F1",
                "decimalDigits": 2,
                "increment": "0.01",
                "defaultValue": 10,
                "validate": {"min": 0, "max": 1000.5},
            }
        )
    )
    assert (field.type, field.min, field.max, field.decimal_digits, field.default) == (
        "number",
        0.0,
        1000.5,
        2,
        10,
    )


def test_checkbox() -> None:
    field = only_field(
        formjs(
            {
                "type": "checkbox",
                "key": "akkoord",
                "label": "Akkoord",
                "id": "F1",
                "defaultValue": True,
            }
        )
    )
    assert (field.type, field.default) == ("checkbox", True)


@pytest.mark.parametrize("ctype", ["checklist", "radio", "select"])
def test_static_choices(ctype: str) -> None:
    field = only_field(
        formjs(
            {
                "type": ctype,
                "key": "keuze",
                "label": "Keuze",
                "id": "F1",
                "values": [{"label": "Eén", "value": "een"}, {"label": "Twee", "value": "twee"}],
            }
        )
    )
    assert field.type == ctype
    assert field.options == (Option("een", "Eén"), Option("twee", "Twee"))


def test_checklist_default_is_hashable_tuple() -> None:
    field = only_field(
        formjs(
            {
                "type": "checklist",
                "key": "keuze",
                "label": "Keuze",
                "id": "F1",
                "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
                "defaultValue": ["a"],
            }
        )
    )
    assert field.default == ("a",)
    hash(field)


def test_taglist_is_a_checklist() -> None:
    field = only_field(
        formjs(
            {
                "type": "taglist",
                "key": "tags",
                "label": "Tags",
                "id": "F1",
                "values": [{"label": "A", "value": "a"}],
            }
        )
    )
    assert field.type == "checklist"


def test_date() -> None:
    field = only_field(
        formjs(
            {
                "type": "datetime",
                "subtype": "date",
                "dateLabel": "Geboortedatum",
                "key": "geboortedatum",
                "id": "F1",
                "validate": {"required": True},
            }
        )
    )
    assert (field.type, field.label, field.required) == ("date", "Geboortedatum", True)


def test_text_and_decorative_components() -> None:
    definition = parse_formjs(
        formjs(
            {"type": "text", "text": "Hallo **wereld**", "id": "Field_t"},
            {"type": "spacer", "height": 60, "id": "Field_s"},
            {"type": "separator", "id": "Field_sep"},
            {"type": "image", "source": "https://example.org/x.png", "alt": "x", "id": "Field_i"},
            {"type": "button", "action": "submit", "label": "Versturen", "id": "Field_b"},
            {"type": "button", "action": "reset", "label": "Wissen", "id": "Field_r"},
            {"type": "spacer", "id": "Field_s2", "conditional": {"hide": "=true"}},
        )
    )
    assert definition.input_fields() == ()
    (text,) = definition.fields
    assert (text.type, text.text, text.id) == ("text", "Hallo **wereld**", "Field_t")


def test_group_is_flattened() -> None:
    definition = parse_formjs(
        formjs(
            {
                "type": "group",
                "label": "Adres",
                "id": "Field_g",
                "showOutline": True,
                "components": [
                    {"type": "textfield", "key": "straat", "label": "Straat", "id": "F1"},
                    {
                        "type": "group",
                        "label": "",
                        "id": "Field_g2",
                        "components": [
                            {"type": "textfield", "key": "plaats", "label": "Plaats", "id": "F2"}
                        ],
                    },
                ],
            },
            {"type": "textfield", "key": "land", "label": "Land", "id": "F3"},
        )
    )
    assert [f.key for f in definition.input_fields()] == ["straat", "plaats", "land"]
    assert definition.fields[0].text == "# Adres"


def test_feel_string_literal_labels() -> None:
    field = only_field(
        formjs(
            {
                "type": "textfield",
                "key": "naam",
                "label": '="Uw \\"naam\\""',
                "description": "= 'Toelichting'",
                "id": "F1",
            }
        )
    )
    assert field.label == 'Uw "naam"'
    assert field.description == "Toelichting"


def test_readonly_and_disabled() -> None:
    definition = parse_formjs(
        formjs(
            {"type": "textfield", "key": "a", "label": "A", "id": "F1", "readonly": True},
            {"type": "textfield", "key": "b", "label": "B", "id": "F2", "disabled": True},
            {"type": "textfield", "key": "c", "label": "C", "id": "F3", "readonly": "=true"},
        )
    )
    a, b, c = definition.input_fields()
    assert a.readonly and not a.disabled
    assert b.disabled
    assert c.readonly


def test_phone_validation_type_and_custom() -> None:
    definition = parse_formjs(
        formjs(
            {
                "type": "textfield",
                "key": "tel",
                "label": "Tel",
                "id": "F1",
                "validate": {"validationType": "phone"},
            },
            {
                "type": "textfield",
                "key": "code",
                "label": "Code",
                "id": "F2",
                "validate": {"validationType": "custom", "pattern": "[0-9]{4}"},
            },
        )
    )
    tel, code = definition.input_fields()
    assert tel.validation_type == "phone"
    assert (code.validation_type, code.pattern) == ("", "[0-9]{4}")


# --------------------------------------------------------------------------
# Refusals
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "fragment"),
    [
        ({"type": "dynamiclist", "path": "kinderen", "components": []}, "dynamiclist"),
        ({"type": "table", "dataSource": "=rijen"}, "table"),
        ({"type": "iframe", "url": "https://example.org"}, "iframe"),
        ({"type": "filepicker", "key": "bijlage", "accept": ".docx"}, "'.docx'"),
        ({"type": "expression", "key": "totaal", "expression": "=a+b"}, "expression"),
        ({"type": "documentPreview"}, "documentPreview"),
        ({"type": "wizzard", "key": "x"}, "unknown type 'wizzard'"),
        (
            {"type": "datetime", "subtype": "time", "timeLabel": "Tijd", "key": "tijd"},
            "subtype 'time'",
        ),
        (
            {"type": "datetime", "subtype": "datetime", "dateLabel": "D", "key": "moment"},
            "subtype 'datetime'",
        ),
        (
            {
                "type": "datetime",
                "subtype": "date",
                "dateLabel": "D",
                "key": "d",
                "disallowPassedDates": True,
            },
            "disallowPassedDates",
        ),
        (
            {"type": "select", "key": "gemeente", "label": "Gemeente", "valuesKey": "gemeenten"},
            "valuesKey",
        ),
        (
            {"type": "radio", "key": "keuze", "label": "Keuze", "valuesExpression": "=opties"},
            "valuesKey/valuesExpression",
        ),
        ({"type": "select", "key": "s", "label": "S", "values": []}, "has no options"),
        ({"type": "textfield", "label": "Naam"}, "has no key"),
        ({"type": "textfield", "key": "naam", "label": "=voornaam + achternaam"}, "FEEL"),
        (
            {"type": "textfield", "key": "naam", "label": "Naam", "validate": {"pattern": "[a-z"}},
            "can't be used",
        ),
        (
            {
                "type": "textfield",
                "key": "naam",
                "label": "Naam",
                "conditional": {"hide": "=x > 1"},
            },
            "not one field compared with one value",
        ),
        ({"type": "group", "label": "G", "path": "adres", "components": []}, "data path"),
        ({"type": "textfield", "key": "adres.straat", "label": "Straat"}, "key 'adres.straat'"),
        ({"type": "textfield", "key": "class", "label": "Klasse"}, "Python keyword"),
        ({"type": "textfield", "key": "data", "label": "Data"}, "reserved key 'data'"),
        (
            {"type": "number", "key": "n", "label": "N", "validate": {"min": "=ondergrens"}},
            "fixed number",
        ),
        (
            {"type": "textfield", "key": "t", "label": "T", "validate": {"validationType": "iban"}},
            "iban",
        ),
        ({"type": "text", "text": "Hallo {{naam}}"}, "template"),
        (
            {"type": "textfield", "key": "t", "label": "T", "readonly": '=status = "x"'},
            "read only",
        ),
        (
            {
                "type": "select",
                "key": "s",
                "label": "S",
                "values": [{"label": "A", "value": "a"}],
                "defaultValue": "b",
            },
            "default value 'b'",
        ),
    ],
)
def test_refused_components_name_the_component(component: dict[str, Any], fragment: str) -> None:
    component = {**component, "id": "Field_bad1"}
    problems = refused(formjs(component))
    assert len(problems) == 1, problems
    where, sentence = problems[0]
    assert where == "Field_bad1"
    assert "Field_bad1" in sentence
    assert fragment in sentence


def test_all_problems_are_reported_at_once() -> None:
    problems = refused(
        formjs(
            {"type": "textfield", "label": "Zonder sleutel", "id": "Field_a"},
            {"type": "dynamiclist", "id": "Field_b", "components": []},
            {"type": "textfield", "key": "naam", "label": "Naam", "id": "Field_c"},
            {"type": "textfield", "key": "naam", "label": "Naam 2", "id": "Field_d"},
            {"type": "raar", "id": "Field_e"},
            {
                "type": "group",
                "id": "Field_f",
                "components": [
                    {
                        "type": "textfield",
                        "key": "x",
                        "label": "X",
                        "id": "Field_g",
                        "validate": {"pattern": "("},
                    }
                ],
            },
        )
    )
    assert [where for where, _ in problems] == [
        "Field_a",
        "Field_b",
        "Field_e",
        "Field_g",
        "Field_d",
    ]
    duplicate = dict(problems)["Field_d"]
    assert "'naam'" in duplicate and "Field_c" in duplicate and "Field_d" in duplicate
    message = str(FormDefinitionError(problems, form_id="Form_test"))
    assert "Field_a" in message and "Field_g" in message


def test_duplicate_keys_across_groups() -> None:
    problems = refused(
        formjs(
            {"type": "textfield", "key": "naam", "label": "Naam", "id": "Field_1"},
            {
                "type": "group",
                "id": "G",
                "components": [{"type": "number", "key": "naam", "label": "N", "id": "Field_2"}],
            },
        )
    )
    assert problems[0][0] == "Field_2"


@pytest.mark.parametrize(
    "source",
    [
        "",
        "{",
        "[1, 2]",
        b"\xff\xfe{}",
        '{"components": [], "type": "default"}',
        '{"id": "F", "type": "default"}',
    ],
)
def test_invalid_documents(source: str | bytes) -> None:
    with pytest.raises(FormDefinitionError) as info:
        parse_formjs(source)
    assert info.value.problems
    assert all(isinstance(sentence, str) and sentence for _, sentence in info.value.problems)


def test_component_without_id_is_named_by_key_or_position() -> None:
    problems = refused(formjs({"type": "table", "key": "tabel"}, {"type": "iframe"}))
    assert [where for where, _ in problems] == ["tabel", "Form_test[1]"]


def test_bytes_with_bom() -> None:
    source = "\ufeff" + formjs({"type": "textfield", "key": "naam", "label": "Naam", "id": "F"})
    assert parse_formjs(source.encode("utf-8")).input_fields()[0].key == "naam"


# --------------------------------------------------------------------------
# Serialisation
# --------------------------------------------------------------------------


def test_json_round_trip_of_samples() -> None:
    for path in DATA.glob("*.form"):
        definition = parse_formjs(path.read_bytes())
        stored = json.loads(json.dumps(definition.to_dict()))
        restored = FormDefinition.from_dict(stored)
        assert restored == definition
        assert hash(restored) == hash(definition)


def test_to_dict_shape() -> None:
    definition = FormDefinition(
        id="F",
        fields=(
            FormField(
                key="k", type="checklist", label="K", options=(Option("a", "A"),), default=("a",)
            ),
            FormField(key="", type="text", label="", text="Hallo"),
        ),
    )
    data = definition.to_dict()
    assert data["id"] == "F"
    assert data["fields"][0]["options"] == [{"value": "a", "label": "A"}]
    assert data["fields"][0]["default"] == ["a"]
    assert data["fields"][1]["text"] == "Hallo"
    assert [f.key for f in definition.input_fields()] == ["k"]


def test_unknown_field_type_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown form field type 'slider'"):
        FormField(key="k", type="slider", label="K")


# --------------------------------------------------------------------------
# camunda:formData
# --------------------------------------------------------------------------


def test_camunda_form_data_mapping() -> None:
    definition = from_camunda_form_data(
        "beoordeling",
        [
            {
                "id": "volledig",
                "label": "Volledig?",
                "type": "boolean",
                "default_value": "true",
                "validation": [("required", None)],
                "options": [],
                "properties": {},
            },
            {
                "id": "naam",
                "label": "Naam",
                "type": "string",
                "default_value": None,
                "validation": [("minlength", "3"), ("maxlength", "40")],
                "options": [],
                "properties": {},
            },
            {
                "id": "toelichting",
                "label": "Toelichting",
                "type": "string",
                "default_value": "",
                "validation": [],
                "options": [],
                "properties": {"textarea": "true"},
            },
            {
                "id": "aantal",
                "label": "Aantal",
                "type": "long",
                "default_value": "2",
                "validation": [("min", "0"), ("max", "10")],
                "options": [],
                "properties": {},
            },
            {
                "id": "datum",
                "label": "Datum",
                "type": "date",
                "default_value": None,
                "validation": [("readonly", None)],
                "options": [],
                "properties": {},
            },
            {
                "id": "besluit",
                "label": "Besluit",
                "type": "enum",
                "default_value": "toekennen",
                "validation": [("required", None)],
                "options": [("toekennen", "Toekennen"), ("afwijzen", "Afwijzen")],
                "properties": {},
            },
            {
                "id": "kanaal",
                "label": "Kanaal",
                "type": "enum",
                "default_value": None,
                "validation": [],
                "options": [("post", "Per post"), ("mail", "Per e-mail")],
                "properties": {"radio": "true"},
            },
        ],
    )
    assert definition.id == "beoordeling"
    fields = {f.key: f for f in definition.fields}
    assert (fields["volledig"].type, fields["volledig"].required, fields["volledig"].default) == (
        "checkbox",
        True,
        True,
    )
    assert (fields["naam"].type, fields["naam"].min_length, fields["naam"].max_length) == (
        "textfield",
        3,
        40,
    )
    assert fields["toelichting"].type == "textarea"
    assert fields["toelichting"].default is None
    aantal = fields["aantal"]
    assert (aantal.type, aantal.decimal_digits, aantal.min, aantal.max, aantal.default) == (
        "number",
        0,
        0.0,
        10.0,
        2,
    )
    assert (fields["datum"].type, fields["datum"].readonly) == ("date", True)
    assert fields["besluit"].type == "select"
    assert fields["besluit"].options == (
        Option("toekennen", "Toekennen"),
        Option("afwijzen", "Afwijzen"),
    )
    assert fields["kanaal"].type == "radio"
    assert all(f.id == f.key for f in definition.fields)


def test_camunda_form_data_problems_are_collected() -> None:
    with pytest.raises(FormDefinitionError) as info:
        from_camunda_form_data(
            "taak",
            [
                {
                    "id": "bestand",
                    "label": "Bestand",
                    "type": "file",
                    "validation": [],
                    "options": [],
                    "properties": {},
                },
                {
                    "id": "n",
                    "label": "N",
                    "type": "long",
                    "validation": [("min", "nul")],
                    "options": [],
                    "properties": {},
                },
                {
                    "id": "e",
                    "label": "E",
                    "type": "enum",
                    "validation": [],
                    "options": [],
                    "properties": {},
                },
                {
                    "id": "s",
                    "label": "S",
                    "type": "string",
                    "validation": [("validator", "x")],
                    "options": [],
                    "properties": {},
                },
                {
                    "id": "s",
                    "label": "S2",
                    "type": "string",
                    "validation": [],
                    "options": [],
                    "properties": {},
                },
            ],
        )
    where = [w for w, _ in info.value.problems]
    assert where == ["bestand", "n", "e", "s", "s"]
    sentences = " ".join(s for _, s in info.value.problems)
    assert "'file'" in sentences and "'nul'" in sentences and "has no options" in sentences
    assert "more than one component" in sentences


# --------------------------------------------------------------------------
# Static text rendering
# --------------------------------------------------------------------------


def test_render_text_escapes_and_formats() -> None:
    html = str(
        render_text("# Titel\n\nRegel 1 <script>alert(1)</script>\nRegel **2**\n\n- een\n- *twee*")
    )
    assert '<h2 class="utrecht-heading-2">Titel</h2>' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>" in html
    assert "<strong>2</strong>" in html
    assert "<script>" not in html
    assert html.count('<li class="utrecht-unordered-list__item">') == 2
    assert "<em>twee</em>" in html


def test_render_text_does_not_trust_markdown_html() -> None:
    html = str(render_text('**<img src=x onerror="alert(1)">**'))
    assert "<img" not in html
    assert html.startswith('<p class="utrecht-paragraph"><strong>&lt;img')
