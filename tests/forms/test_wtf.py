"""Tests for maatwerk.web.form_classes and the forms/_fields.html macros."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, render_template_string
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField

from maatwerk.forms.formjs import parse_formjs
from maatwerk.forms.model import RESERVED_KEYS, FormDefinition, FormField, Option
from maatwerk.forms.validation import validate_submission
from maatwerk.web.form_classes import (
    DutchDateField,
    DutchNumberField,
    MultiCheckboxField,
    build_form_class,
    form_data,
    prefill,
)

DATA = Path(__file__).parent / "data"
TEMPLATES = Path(__file__).resolve().parents[2] / "platform" / "maatwerk" / "web" / "templates"

RENDER = (
    '{% from "forms/_fields.html" import error_summary, render_form_fields %}'
    "{{ error_summary(form, definition) }}"
    '<form method="post" novalidate>{{ form.csrf_token }}{{ render_form_fields(form, definition) }}'
    "</form>"
)


def make_app(csrf: bool = False) -> Flask:
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.config.update(SECRET_KEY="test-secret", WTF_CSRF_ENABLED=csrf)
    return app


@pytest.fixture
def app() -> Flask:
    return make_app()


@pytest.fixture
def parkeren() -> FormDefinition:
    return parse_formjs((DATA / "aanvraag-parkeervergunning.form").read_bytes())


@pytest.fixture
def beoordeling() -> FormDefinition:
    return parse_formjs((DATA / "beoordeling-bijzondere-bijstand.form").read_bytes())


def post(app: Flask, definition: FormDefinition, data: Any) -> Iterator[FlaskForm]:
    """Yield (once) a validated form bound to a POST request, inside its request context.

    Used as ``for form in post(...):`` so assertions and rendering run while the
    request context is active.
    """
    with app.test_request_context(method="POST", data=data):
        form = build_form_class(definition)()
        form.validate()
        yield form


def render(form: FlaskForm, definition: FormDefinition) -> str:
    return render_template_string(RENDER, form=form, definition=definition)


VALID_PARKEREN = MultiDict(
    [
        ("naam", "Jan Jansen"),
        ("email", "jan@voorbeeld.nl"),
        ("telefoon", ""),
        ("postcode", "3511 AB"),
        ("huisnummer", "12"),
        ("soort", "bewoner"),
        ("kenteken", "AB123C"),
        ("ingangsdatum", "2025-03-01"),
        ("betaalwijze", ""),
        ("toelichting", "Graag \r\nsnel"),
        ("akkoord", "y"),
    ]
)


# --------------------------------------------------------------------------
# Form class construction
# --------------------------------------------------------------------------


def test_form_class_fields(
    app: Flask, parkeren: FormDefinition, beoordeling: FormDefinition
) -> None:
    with app.test_request_context():
        form = build_form_class(parkeren)()
        assert isinstance(form, FlaskForm)
        assert [name for name in form._fields if name != "csrf_token"] == [
            f.key for f in parkeren.input_fields()
        ]
        assert type(form.naam) is StringField
        assert isinstance(form.huisnummer, DutchNumberField)
        assert isinstance(form.soort, RadioField)
        assert isinstance(form.ingangsdatum, DateField) and isinstance(
            form.ingangsdatum, DutchDateField
        )
        assert isinstance(form.betaalwijze, SelectField)
        assert isinstance(form.toelichting, TextAreaField)
        assert isinstance(form.akkoord, BooleanField)
        assert form.naam.label.text == "Voor- en achternaam"
        assert (
            form.naam.flags.required
            and form.naam.flags.minlength == 2
            and form.naam.flags.maxlength == 80
        )
        form2 = build_form_class(beoordeling)()
        assert isinstance(form2.ontbrekend, MultiCheckboxField)


def test_form_class_is_cached(parkeren: FormDefinition) -> None:
    again = parse_formjs((DATA / "aanvraag-parkeervergunning.form").read_bytes())
    assert again is not parkeren
    assert build_form_class(again) is build_form_class(parkeren)
    restored = FormDefinition.from_dict(json.loads(json.dumps(parkeren.to_dict())))
    assert build_form_class(restored) is build_form_class(parkeren)


def test_reserved_keys_cover_form_attributes() -> None:
    public = {name for name in dir(FlaskForm) if not name.startswith("_")}
    assert public <= RESERVED_KEYS
    with pytest.raises(ValueError, match="clashes with a form attribute"):
        build_form_class(
            FormDefinition(id="X", fields=(FormField(key="errors", type="textfield", label="E"),))
        )


# --------------------------------------------------------------------------
# Validation and typed data
# --------------------------------------------------------------------------


def test_valid_post_gives_typed_data(app: Flask, parkeren: FormDefinition) -> None:
    for form in post(app, parkeren, VALID_PARKEREN):
        assert form.errors == {}
        assert form_data(form, parkeren) == {
            "naam": "Jan Jansen",
            "email": "jan@voorbeeld.nl",
            "telefoon": "",
            "postcode": "3511 AB",
            "huisnummer": 12,
            "soort": "bewoner",
            "kenteken": "AB123C",
            "ingangsdatum": "2025-03-01",
            "betaalwijze": None,
            "toelichting": "Graag \nsnel",
            "akkoord": True,
        }


def test_html_and_json_paths_agree(app: Flask, parkeren: FormDefinition) -> None:
    json_clean, json_errors = validate_submission(
        parkeren,
        {key: VALID_PARKEREN[key] for key in VALID_PARKEREN if key != "akkoord"}
        | {"akkoord": True},
    )
    assert json_errors == {}
    for form in post(app, parkeren, VALID_PARKEREN):
        assert form_data(form, parkeren) == json_clean


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("naam", "J"),
        ("naam", ""),
        ("email", "jan@"),
        ("telefoon", "bel me"),
        ("postcode", "3511 ab"),
        ("huisnummer", "0"),
        ("huisnummer", "12,5"),
        ("huisnummer", "twaalf"),
        ("soort", "vrachtwagen"),
        ("kenteken", "AB-123-C"),
        ("ingangsdatum", "30-02-2025"),
        ("betaalwijze", "contant"),
        ("toelichting", "x" * 501),
    ],
)
def test_html_errors_equal_json_errors(
    app: Flask, parkeren: FormDefinition, key: str, value: str
) -> None:
    data = MultiDict(VALID_PARKEREN)
    data[key] = value
    json_raw = {k: data[k] for k in data if k != "akkoord"} | {"akkoord": True}
    _, json_errors = validate_submission(parkeren, json_raw)
    assert list(json_errors) == [key]
    for form in post(app, parkeren, data):
        assert form.errors == {key: [json_errors[key]]}


def test_dutch_decimal_comma_and_hand_typed_date(app: Flask) -> None:
    definition = FormDefinition(
        id="F",
        fields=(
            FormField(key="bedrag", type="number", label="Bedrag", decimal_digits=2, min=0),
            FormField(key="datum", type="date", label="Datum"),
        ),
    )
    for form in post(app, definition, {"bedrag": "1.234,50", "datum": "31-12-2024"}):
        assert form.errors == {}
        assert form_data(form, definition) == {"bedrag": 1234.5, "datum": "2024-12-31"}
        assert form.datum.data == dt.date(2024, 12, 31)
        html = render(form, definition)
        # The date is re-shown in the ISO format <input type=date> understands.
        assert re.search(r'<input[^>]*id="datum"[^>]*type="date"[^>]*value="2024-12-31"', html)
        assert re.search(
            r'<input[^>]*id="bedrag"[^>]*inputmode="decimal"[^>]*type="text"[^>]*value="1.234,50"',
            html,
        )


def test_missing_inputs(app: Flask, parkeren: FormDefinition) -> None:
    for form in post(app, parkeren, {}):
        assert form.errors == {
            "naam": ["Dit veld is verplicht."],
            "email": ["Dit veld is verplicht."],
            "postcode": ["Dit veld is verplicht."],
            "huisnummer": ["Dit veld is verplicht."],
            "soort": ["Dit veld is verplicht."],
            "kenteken": ["Dit veld is verplicht."],
            "ingangsdatum": ["Dit veld is verplicht."],
            "akkoord": ["Vink dit aan om verder te gaan."],
        }
        with pytest.raises(ValueError, match="not valid"):
            form_data(form, parkeren)


def test_checklist_and_readonly(app: Flask, beoordeling: FormDefinition) -> None:
    data = MultiDict(
        [
            ("ontbrekend", "offerte"),
            ("ontbrekend", "bankafschriften"),
            ("bedrag", "149,95"),
            ("besluit", "gedeeltelijk"),
            ("motivering", "Alleen de offerte komt in aanmerking."),
            ("zaaknummer", "gewijzigd"),
        ]
    )
    for form in post(app, beoordeling, data):
        assert form.errors == {}
        assert form_data(form, beoordeling) == {
            "volledig": False,
            "ontbrekend": ["bankafschriften", "offerte"],
            "bedrag": 149.95,
            "besluit": "gedeeltelijk",
            "motivering": "Alleen de offerte komt in aanmerking.",
        }
    data["ontbrekend"] = "paspoort"
    for form in post(app, beoordeling, data):
        assert form.errors == {"ontbrekend": ["Kies alleen uit de gegeven mogelijkheden."]}


def test_required_select_refuses_placeholder(app: Flask, beoordeling: FormDefinition) -> None:
    data = {"besluit": "", "motivering": "Een motivering van voldoende lengte."}
    for form in post(app, beoordeling, data):
        assert form.errors == {"besluit": ["Dit veld is verplicht."]}
        html = render(form, beoordeling)
        assert '<option selected value="">Maak een keuze</option>' in html
        assert re.search(r'<select[^>]*id="besluit"[^>]*required', html)


def test_csrf_is_on_by_default(parkeren: FormDefinition) -> None:
    app = make_app(csrf=True)
    app.config.pop("WTF_CSRF_ENABLED")
    with app.test_request_context(method="POST", data=VALID_PARKEREN):
        form = build_form_class(parkeren)()
        assert "csrf_token" in form._fields
        assert not form.validate()
        assert "csrf_token" in form.errors
        html = render(form, parkeren)
        assert 'name="csrf_token"' in html
        assert "Het formulier is verlopen of ongeldig." in html


# --------------------------------------------------------------------------
# Prefill
# --------------------------------------------------------------------------


def test_prefill_converts_stored_data(beoordeling: FormDefinition) -> None:
    stored = {
        "volledig": True,
        "ontbrekend": ["huurcontract"],
        "bedrag": 12.5,
        "besluit": "toekennen",
        "zaaknummer": "Z-2025-001",
        "onbekend": "x",
    }
    assert prefill(beoordeling, stored) == {
        "volledig": True,
        "ontbrekend": ["huurcontract"],
        "bedrag": 12.5,
        "besluit": "toekennen",
        "zaaknummer": "Z-2025-001",
    }
    date_form = FormDefinition(
        id="F",
        fields=(
            FormField(key="d", type="date", label="D", default="2025-01-31"),
            FormField(key="e", type="date", label="E"),
            FormField(
                key="k", type="checklist", label="K", options=(Option("a", "A"),), default=("a",)
            ),
        ),
    )
    assert prefill(date_form, {"e": "kapot"}) == {"d": dt.date(2025, 1, 31), "k": ["a"]}


def test_prefilled_form_reshows_values(app: Flask, beoordeling: FormDefinition) -> None:
    stored = {
        "volledig": True,
        "ontbrekend": ["huurcontract"],
        "bedrag": 12.5,
        "besluit": "afwijzen",
        "motivering": "Eerder ingevulde motivering",
        "zaaknummer": "Z-2025-001",
    }
    with app.test_request_context(method="GET"):
        form_class = build_form_class(beoordeling)
        form = form_class(data=prefill(beoordeling, stored))
        html = render(form, beoordeling)
        assert "Er ging iets mis" not in html
        assert re.search(r'<input checked[^>]*id="volledig"', html)
        assert re.search(r'<input checked[^>]*id="ontbrekend-1"[^>]*value="huurcontract"', html)
        assert not re.search(r'<input checked[^>]*id="ontbrekend-0"', html)
        assert 'value="12,5"' in html
        assert '<option selected value="afwijzen">Afwijzen</option>' in html
        assert "Eerder ingevulde motivering</textarea>" in html
        assert re.search(r'<input[^>]*id="zaaknummer"[^>]*readonly[^>]*value="Z-2025-001"', html)
        # A pre-filled form that was not submitted can still be validated.
        assert form.validate()
        assert form_data(form, beoordeling)["bedrag"] == 12.5


# --------------------------------------------------------------------------
# Template macros
# --------------------------------------------------------------------------


def test_rendered_fields_are_accessible(app: Flask, parkeren: FormDefinition) -> None:
    data = MultiDict(VALID_PARKEREN)
    data["naam"] = "J"
    for form in post(app, parkeren, data):
        html = render(form, parkeren)
    # Label linked to the input, required marker, description and error linked.
    assert (
        '<label class="utrecht-form-label" for="naam">Voor- en achternaam '
        '<span class="utrecht-form-label__required">(verplicht)</span></label>'
    ) in html
    assert (
        '<div class="utrecht-form-field-error-message" id="naam-error">'
        "Vul minimaal 2 tekens in.</div>" in html
    )
    naam_input = re.search(r'<input[^>]*id="naam"[^>]*>', html).group(0)
    assert 'aria-describedby="naam-error"' in naam_input
    assert 'aria-invalid="true"' in naam_input
    assert 'aria-required="true"' in naam_input
    assert " required" in naam_input
    assert (
        'class="utrecht-textbox utrecht-textbox--html-input utrecht-textbox--invalid"' in naam_input
    )
    # Description without error.
    email_input = re.search(r'<input[^>]*id="email"[^>]*>', html).group(0)
    assert 'aria-describedby="email-description"' in email_input
    assert 'type="email"' in email_input
    assert "aria-invalid" not in email_input
    assert (
        '<div class="utrecht-form-field-description" id="email-description">'
        "Hierop ontvangt u de bevestiging.</div>"
    ) in html
    # Optional fields have no required marker or attribute.
    telefoon = re.search(r'<input[^>]*id="telefoon"[^>]*>', html).group(0)
    assert "required" not in telefoon and 'type="tel"' in telefoon
    # Radios in a fieldset with legend.
    assert re.search(
        r'<fieldset[^>]*id="soort"[^>]*>\s*'
        r"<legend[^>]*>Soort vergunning <span[^>]*>\(verplicht\)</span></legend>",
        html,
    )
    assert re.search(
        r'<input checked[^>]*id="soort-0"[^>]*required[^>]*type="radio"[^>]*value="bewoner"', html
    )
    assert (
        '<label class="utrecht-form-label utrecht-form-label--radio" for="soort-1">'
        "Bezoekersvergunning</label>" in html
    )
    # Text components: escaped markdown subset.
    assert '<h2 class="utrecht-heading-2">Aanvraag parkeervergunning</h2>' in html
    assert "<strong>5 minuten</strong>" in html
    assert '<h2 class="utrecht-heading-2">Uw gegevens</h2>' in html
    # Error summary.
    summary = re.search(r'<div[^>]*role="alert".*?</div>', html, re.S).group(0)
    assert "Er ging iets mis" in summary
    assert (
        '<a class="utrecht-link" href="#naam">Voor- en achternaam: Vul minimaal 2 tekens in.</a>'
        in summary
    )
    assert summary.count("<li") == 1


def test_checklist_rendering(app: Flask, beoordeling: FormDefinition) -> None:
    for form in post(app, beoordeling, {"besluit": "x"}):
        html = render(form, beoordeling)
    assert re.search(
        r'<fieldset[^>]*id="ontbrekend"[^>]*>\s*<legend[^>]*>Ontbrekende stukken</legend>', html
    )
    checkboxes = re.findall(r'<input[^>]*name="ontbrekend"[^>]*>', html)
    assert len(checkboxes) == 3
    assert all('type="checkbox"' in c and "required" not in c for c in checkboxes)
    assert 'href="#besluit">Besluit: Kies een van de mogelijkheden.</a>' in html
    assert 'href="#motivering">Motivering: Dit veld is verplicht.</a>' in html
    # The html component's text is shown, its markup is not.
    assert "beleid bijzondere bijstand 2025" in html
    assert "<b>" not in html


def test_required_checklist_has_no_required_attribute_per_box(app: Flask) -> None:
    definition = FormDefinition(
        id="F",
        fields=(
            FormField(
                key="k",
                type="checklist",
                label="K",
                required=True,
                options=(Option("a", "A"), Option("b", "B")),
            ),
        ),
    )
    for form in post(app, definition, {}):
        assert form.errors == {"k": ["Dit veld is verplicht."]}
        html = render(form, definition)
    assert "(verplicht)" in html
    assert not re.search(r"<input[^>]*required", html)
    assert re.search(r'<fieldset[^>]*aria-describedby="k-error"', html)


def test_prefixed_form_uses_prefixed_ids(app: Flask, parkeren: FormDefinition) -> None:
    data = MultiDict((f"t1-{key}", value) for key, value in VALID_PARKEREN.items(multi=True))
    with app.test_request_context(method="POST", data=data):
        form = build_form_class(parkeren)(prefix="t1")
        assert form.validate()
        assert form_data(form, parkeren)["huisnummer"] == 12
    data["t1-naam"] = ""
    data["t1-soort"] = "x"
    with app.test_request_context(method="POST", data=data):
        form = build_form_class(parkeren)(prefix="t1")
        assert not form.validate()
        html = render(form, parkeren)
    assert '<label class="utrecht-form-label" for="t1-naam">' in html
    assert 'id="t1-naam-error"' in html
    assert 'aria-describedby="t1-naam-error"' in html
    assert 'id="t1-email-description"' in html
    assert re.search(r'<fieldset[^>]*id="t1-soort"[^>]*aria-describedby="t1-soort-error"', html)
    assert 'for="t1-soort-0"' in html
    assert 'href="#t1-naam"' in html and 'href="#t1-soort"' in html
    assert 'id="naam' not in html


def test_labels_and_texts_are_escaped(app: Flask) -> None:
    evil = "<script>alert(1)</script>"
    definition = FormDefinition(
        id="F",
        fields=(
            FormField(key="", type="text", label="", text=f"Let op: {evil}\n**vet**"),
            FormField(key="naam", type="textfield", label=evil, description=evil, required=True),
            FormField(key="keuze", type="radio", label=evil, options=(Option("a", evil),)),
            FormField(key="akkoord", type="checkbox", label=evil),
        ),
    )
    for form in post(app, definition, {"naam": '"><script>alert(2)</script>'}):
        assert form.errors == {}
        html = render(form, definition)
    for form in post(app, definition, {}):
        html += render(form, definition)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"' in html
    assert "Let op: &lt;script&gt;alert(1)&lt;/script&gt;<br>" in html
    assert "<strong>vet</strong>" in html
    assert 'href="#naam">&lt;script&gt;alert(1)&lt;/script&gt;: Dit veld is verplicht.</a>' in html
