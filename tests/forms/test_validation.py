"""Tests for maatwerk.forms.validation (the JSON API path and the shared rules)."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from maatwerk.forms.formjs import parse_formjs
from maatwerk.forms.model import FormDefinition, FormField, Option
from maatwerk.forms.validation import (
    clean_value,
    format_number,
    parse_date,
    parse_number,
    validate_submission,
)

DATA = Path(__file__).parent / "data"


def single(field: FormField, value: Any) -> tuple[dict[str, Any], dict[str, str]]:
    return validate_submission(FormDefinition(id="F", fields=(field,)), {field.key: value})


def ok(field: FormField, value: Any) -> Any:
    clean, errors = single(field, value)
    assert errors == {}, errors
    return clean[field.key]


def error(field: FormField, value: Any) -> str:
    clean, errors = single(field, value)
    assert field.key not in clean
    return errors[field.key]


TEXT = FormField(key="t", type="textfield", label="T")
OPTIONS = (Option("a", "A"), Option("b", "B"), Option("c", "C"))


# --------------------------------------------------------------------------
# Samples
# --------------------------------------------------------------------------


def test_valid_parkeervergunning_submission() -> None:
    definition = parse_formjs((DATA / "aanvraag-parkeervergunning.form").read_bytes())
    clean, errors = validate_submission(
        definition,
        {
            "naam": "  Jan Jansen ",
            "email": "jan@voorbeeld.nl",
            "telefoon": "06-12345678",
            "postcode": "3511 AB",
            "huisnummer": "12",
            "soort": "bezoeker",
            "kenteken": "AB123C",
            "ingangsdatum": "2025-03-01",
            "akkoord": True,
            "is_admin": True,  # unknown key: ignored
        },
    )
    assert errors == {}
    assert clean == {
        "naam": "Jan Jansen",
        "email": "jan@voorbeeld.nl",
        "telefoon": "06-12345678",
        "postcode": "3511 AB",
        "huisnummer": 12,
        "soort": "bezoeker",
        "kenteken": "AB123C",
        "ingangsdatum": "2025-03-01",
        "betaalwijze": None,
        "toelichting": "",
        "akkoord": True,
    }


def test_empty_parkeervergunning_submission() -> None:
    definition = parse_formjs((DATA / "aanvraag-parkeervergunning.form").read_bytes())
    clean, errors = validate_submission(definition, {})
    assert errors == {
        "naam": "Dit veld is verplicht.",
        "email": "Dit veld is verplicht.",
        "postcode": "Dit veld is verplicht.",
        "huisnummer": "Dit veld is verplicht.",
        "soort": "Dit veld is verplicht.",
        "kenteken": "Dit veld is verplicht.",
        "ingangsdatum": "Dit veld is verplicht.",
        "akkoord": "Vink dit aan om verder te gaan.",
    }
    assert clean == {"telefoon": "", "betaalwijze": None, "toelichting": ""}


def test_readonly_fields_are_never_taken_from_input() -> None:
    definition = parse_formjs((DATA / "beoordeling-bijzondere-bijstand.form").read_bytes())
    clean, errors = validate_submission(
        definition,
        {
            "besluit": "afwijzen",
            "motivering": "Het inkomen ligt boven de norm.",
            "zaaknummer": "HACKED",
        },
    )
    assert errors == {}
    assert "zaaknummer" not in clean
    assert clean == {
        "volledig": False,
        "ontbrekend": [],
        "bedrag": None,
        "besluit": "afwijzen",
        "motivering": "Het inkomen ligt boven de norm.",
    }


# --------------------------------------------------------------------------
# Empty values and required
# --------------------------------------------------------------------------


EMPTY_BY_TYPE = {
    "textfield": "",
    "textarea": "",
    "number": None,
    "date": None,
    "radio": None,
    "select": None,
    "checkbox": False,
    "checklist": [],
}


@pytest.mark.parametrize(
    ("ftype", "empty", "missing"),
    [
        (ftype, empty, missing)
        for ftype, empty in EMPTY_BY_TYPE.items()
        for missing in (None, "", "   ", [], "absent")
        # a checkbox value is a boolean: only "missing" and None are empty
        if ftype != "checkbox" or missing in (None, "absent")
    ],
)
def test_empty_rule(ftype: str, empty: Any, missing: Any) -> None:
    options = OPTIONS if ftype in {"radio", "select", "checklist"} else ()
    field = FormField(key="f", type=ftype, label="F", options=options)
    raw = {} if missing == "absent" else {"f": missing}
    definition = FormDefinition(id="F", fields=(field,))
    assert validate_submission(definition, raw) == ({"f": empty}, {})
    required = FormField(key="f", type=ftype, label="F", options=options, required=True)
    clean, errors = validate_submission(FormDefinition(id="F", fields=(required,)), raw)
    assert clean == {}
    assert errors["f"] in {"Dit veld is verplicht.", "Vink dit aan om verder te gaan."}


def test_required_checkbox_must_be_ticked() -> None:
    field = FormField(key="akkoord", type="checkbox", label="Akkoord", required=True)
    assert error(field, False) == "Vink dit aan om verder te gaan."
    assert ok(field, True) is True


def test_text_components_and_unknown_keys_are_ignored() -> None:
    definition = FormDefinition(
        id="F",
        fields=(FormField(key="", type="text", label="", text="Uitleg"), TEXT),
    )
    assert validate_submission(definition, {"t": "x", "": "y", "extra": 1}) == ({"t": "x"}, {})


# --------------------------------------------------------------------------
# Text rules
# --------------------------------------------------------------------------


def test_lengths() -> None:
    field = FormField(key="t", type="textfield", label="T", min_length=2, max_length=5)
    assert error(field, "a") == "Vul minimaal 2 tekens in."
    assert error(field, "abcdef") == "Vul maximaal 5 tekens in."
    assert ok(field, "  abcde  ") == "abcde"  # length counts the trimmed value
    assert (
        error(FormField(key="t", type="textfield", label="T", max_length=1), "ab")
        == "Vul maximaal 1 teken in."
    )


def test_textarea_normalises_line_endings() -> None:
    field = FormField(key="t", type="textarea", label="T", max_length=3)
    assert ok(field, "a\r\nb") == "a\nb"


def test_pattern_is_a_full_match() -> None:
    field = FormField(
        key="pc", type="textfield", label="Postcode", pattern="[1-9][0-9]{3} ?[A-Z]{2}"
    )
    assert ok(field, "3511 AB") == "3511 AB"
    assert ok(field, "3511AB") == "3511AB"
    assert error(field, "3511 AB extra") == "De invoer heeft niet de juiste vorm."
    assert error(field, "x3511AB") == "De invoer heeft niet de juiste vorm."


@pytest.mark.parametrize("value", ["jan@voorbeeld.nl", "j.de.vries+aanvraag@gemeente-utrecht.nl"])
def test_valid_email(value: str) -> None:
    assert (
        ok(FormField(key="e", type="textfield", label="E", validation_type="email"), value) == value
    )


@pytest.mark.parametrize(
    "value", ["jan", "jan@", "@voorbeeld.nl", "jan@@voorbeeld.nl", "jan voorbeeld.nl"]
)
def test_invalid_email(value: str) -> None:
    field = FormField(key="e", type="textfield", label="E", validation_type="email")
    assert error(field, value) == "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl."


@pytest.mark.parametrize(
    "value",
    ["0612345678", "06-12345678", "+31 6 1234 5678", "(030) 286 00 00", "+31 (0)30 286 0000"],
)
def test_valid_phone(value: str) -> None:
    assert (
        ok(FormField(key="p", type="textfield", label="P", validation_type="phone"), value) == value
    )


@pytest.mark.parametrize(
    "value", ["12345", "bel me", "06-1234567a", "+" + "1" * 16, "06 1234 5678 ext 12"]
)
def test_invalid_phone(value: str) -> None:
    field = FormField(key="p", type="textfield", label="P", validation_type="phone")
    assert error(field, value) == "Vul een geldig telefoonnummer in, bijvoorbeeld 06 12345678."


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------


NUMBER = FormField(key="n", type="number", label="N")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        (12.0, 12),
        (12.5, 12.5),
        ("12", 12),
        ("-3", -3),
        ("12,50", 12.5),
        ("12.50", 12.5),
        (",5", 0.5),
        (" 1 000 ", 1000),
        ("1.234", 1.234),
        ("1.234.567", 1234567),
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("12,00", 12),
    ],
)
def test_number_parsing(raw: Any, expected: int | float) -> None:
    value = ok(NUMBER, raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "raw",
    [
        "abc",
        "12,5,0",
        "1.23.4",
        "1e5",
        "NaN",
        "inf",
        float("nan"),
        float("inf"),
        True,
        False,
        [1],
        {"a": 1},
        "12 euro",
        "1" * 100,
    ],
)
def test_not_a_number(raw: Any) -> None:
    assert error(NUMBER, raw) == "Vul een getal in, bijvoorbeeld 12 of 12,50."


def test_number_range() -> None:
    field = FormField(key="n", type="number", label="N", min=0, max=10.5)
    assert error(field, -1) == "De waarde moet minimaal 0 zijn."
    assert error(field, "10,51") == "De waarde mag maximaal 10,5 zijn."
    assert ok(field, 0) == 0
    assert ok(field, "10,5") == 10.5


def test_decimal_digits() -> None:
    integer = FormField(key="n", type="number", label="N", decimal_digits=0)
    assert error(integer, "2,5") == "Vul een geheel getal in, zonder cijfers achter de komma."
    assert ok(integer, "2,0") == 2
    money = FormField(key="n", type="number", label="N", decimal_digits=2)
    assert ok(money, "149,95") == 149.95
    assert ok(money, "149,950") == 149.95
    assert error(money, "149,951") == "Gebruik maximaal 2 cijfers achter de komma."
    one = FormField(key="n", type="number", label="N", decimal_digits=1)
    assert error(one, 0.25) == "Gebruik maximaal 1 cijfer achter de komma."


def test_parse_and_format_number_helpers() -> None:
    assert parse_number("1.234,5") == Decimal("1234.5")
    assert format_number(1234.5) == "1234,5"
    assert format_number(-3.0) == "-3"
    assert format_number(Decimal("0.10")) == "0,1"
    with pytest.raises(ValueError, match="not a number"):
        parse_number(None)


# --------------------------------------------------------------------------
# Choices
# --------------------------------------------------------------------------


@pytest.mark.parametrize("ftype", ["radio", "select"])
def test_single_choice(ftype: str) -> None:
    field = FormField(key="k", type=ftype, label="K", options=OPTIONS)
    assert ok(field, "b") == "b"
    assert error(field, "d") == "Kies een van de mogelijkheden."
    assert error(field, ["a"]) == "Kies een van de mogelijkheden."
    assert error(field, 1) == "Kies een van de mogelijkheden."


def test_checklist() -> None:
    field = FormField(key="k", type="checklist", label="K", options=OPTIONS)
    assert ok(field, ["c", "a", "a"]) == ["a", "c"]  # option order, no duplicates
    assert error(field, ["a", "x"]) == "Kies alleen uit de gegeven mogelijkheden."
    assert error(field, "a") == "Kies alleen uit de gegeven mogelijkheden."
    assert error(field, [1]) == "Kies alleen uit de gegeven mogelijkheden."


# --------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------


DATE = FormField(key="d", type="date", label="D")


@pytest.mark.parametrize(
    "raw", ["2025-03-01", "01-03-2025", "1-3-2025", "01/03/2025", "01.03.2025", " 2025-3-1 "]
)
def test_dates(raw: str) -> None:
    assert ok(DATE, raw) == "2025-03-01"


@pytest.mark.parametrize(
    "raw", ["31-02-2025", "2025-13-01", "morgen", "01-03-25", 20250301, ["2025-03-01"]]
)
def test_invalid_dates(raw: Any) -> None:
    assert error(DATE, raw) == "Vul een geldige datum in, bijvoorbeeld 31-12-2025."


def test_parse_date_accepts_date_objects() -> None:
    assert parse_date(dt.date(2025, 1, 2)) == dt.date(2025, 1, 2)
    assert parse_date(dt.datetime(2025, 1, 2, 13, 0, tzinfo=dt.UTC)) == dt.date(2025, 1, 2)


# --------------------------------------------------------------------------
# Wrong JSON types never raise
# --------------------------------------------------------------------------


WRONG_TYPES = [123, 1.5, True, ["x"], {"a": 1}, "tekst"]


@pytest.mark.parametrize(
    "field",
    [
        TEXT,
        FormField(key="t", type="textarea", label="T"),
        NUMBER,
        FormField(key="c", type="checkbox", label="C"),
        FormField(key="l", type="checklist", label="L", options=OPTIONS),
        FormField(key="r", type="radio", label="R", options=OPTIONS),
        FormField(key="s", type="select", label="S", options=OPTIONS),
        DATE,
    ],
    ids=lambda f: f.type,
)
@pytest.mark.parametrize("value", WRONG_TYPES, ids=repr)
def test_wrong_json_types_give_field_errors(field: FormField, value: Any) -> None:
    clean, errors = single(field, value)
    assert set(clean) | set(errors) == {field.key}
    if field.key in errors:
        assert isinstance(errors[field.key], str) and errors[field.key].endswith(".")


def test_wrong_types_for_text_and_checkbox_are_errors() -> None:
    assert error(TEXT, 12) == "Vul tekst in."
    assert error(TEXT, ["a"]) == "Vul tekst in."
    checkbox = FormField(key="c", type="checkbox", label="C")
    assert error(checkbox, "true").startswith("Ongeldige waarde")


def test_non_mapping_submission_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        validate_submission(FormDefinition(id="F", fields=(TEXT,)), ["t"])  # type: ignore[arg-type]


def test_text_field_type_has_no_input() -> None:
    with pytest.raises(ValueError, match="takes no input"):
        clean_value(FormField(key="", type="text", label="", text="x"), "y")


def test_the_forms_package_does_not_import_flask_spiff_or_sqlalchemy() -> None:
    import maatwerk.forms as forms_package

    forbidden = {"flask", "flask_wtf", "wtforms", "SpiffWorkflow", "sqlalchemy"}
    modules = sorted(Path(forms_package.__file__).parent.glob("*.py"))
    assert {"model.py", "formjs.py", "camunda_form_data.py", "validation.py"} <= {
        module.name for module in modules
    }
    for module in modules:
        tree = ast.parse(module.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not {name.split(".")[0] for name in names} & forbidden, (module.name, names)
