"""Reading form-js ("Camunda Forms", ``.form``) documents into a :class:`FormDefinition`.

Only what can be rendered and validated without JavaScript is accepted.  Any
construct we cannot honour faithfully (dynamic options, FEEL expressions,
conditional visibility, repeating lists, ...) is refused with a readable Dutch
problem description, so the designer learns about it when the process is
deployed instead of a resident running into a half-working form.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from maatwerk.domain.documents import accept_types, kinds_text
from maatwerk.forms.fields import (
    FieldProblems,
    Problems,
    check_key,
    check_options,
    check_unique_keys,
    compile_pattern,
    describe,
    finish_field,
)
from maatwerk.forms.model import (
    VALIDATION_TYPES,
    FormDefinition,
    FormDefinitionError,
    FormField,
    Option,
)
from maatwerk.forms.text import html_to_text

__all__ = ["parse_formjs"]

_FEEL_STRING_RE = re.compile(r'^=\s*(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\')\s*$', re.S)

_DECORATIVE = {"button", "spacer", "separator", "image"}
_REFUSED = {
    "dynamiclist": "een herhalende lijst (dynamiclist) kan niet zonder JavaScript worden ingevuld",
    "table": "tabellen met gegevens (table) worden niet ondersteund",
    "iframe": "ingesloten pagina's (iframe) worden niet ondersteund",
    "expression": "berekende velden (expression) vereisen FEEL en worden niet ondersteund",
    "documentPreview": "documentvoorbeelden (documentPreview) worden niet ondersteund",
    "script": "scripts in formulieren worden niet ondersteund",
    "js": "scripts in formulieren worden niet ondersteund",
}


def parse_formjs(source: str | bytes) -> FormDefinition:
    """Parse a form-js ("Camunda Forms") JSON document.

    Raises :class:`FormDefinitionError` listing *all* problems found.
    """
    document = _document(source)
    problems = Problems()
    fields: list[FormField] = []
    form_id = document.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        problems.add(
            "formulier", "Het formulier heeft geen id; dat is nodig voor camunda:formRef."
        )
        form_id = ""
    form_type = document.get("type", "default")
    if form_type != "default":
        problems.add(
            form_id or "formulier", f"Onbekend formuliertype {form_type!r}; verwacht 'default'."
        )
    if "components" not in document:
        problems.add(form_id or "formulier", "Het formulier heeft geen 'components'.")
    else:
        _read_components(document["components"], form_id or "formulier", problems, fields)
    check_unique_keys(fields, problems)
    if problems.items:
        raise FormDefinitionError(problems.items, form_id=form_id)
    return FormDefinition(id=form_id, fields=tuple(fields))


def _document(source: str | bytes) -> dict[str, Any]:
    """The JSON object of a form; anything else is refused at once."""
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FormDefinitionError(
                [("formulier", f"Het bestand is geen geldige UTF-8-tekst: {exc}.")]
            ) from None
    try:
        document = json.loads(source)
    except json.JSONDecodeError as exc:
        raise FormDefinitionError(
            [
                (
                    "formulier",
                    (f"Het formulier is geen geldige JSON (regel {exc.lineno}, "
                    f"kolom {exc.colno}): {exc.msg}."),
                )
            ]
        ) from None
    if not isinstance(document, dict):
        raise FormDefinitionError([("formulier", "Het formulier moet een JSON-object zijn.")])
    return document


# --------------------------------------------------------------------------
# Property values: only fixed values, no FEEL and no templates
# --------------------------------------------------------------------------


class _Component(FieldProblems):
    """Reads the property values of one component, reporting what it cannot accept."""

    def literal(self, value: Any, what: str) -> str:
        """Plain text of a label-like property; FEEL is only accepted as a string literal."""
        if value is None:
            return ""
        if not isinstance(value, str):
            self.add(f"{self.subject}: {what} moet tekst zijn.")
            return ""
        if value.startswith("="):
            match = _FEEL_STRING_RE.match(value)
            if not match:
                self.add(
                    f"{self.subject}: {what} is een FEEL-expressie ({value!r}); alleen vaste "
                    'tekst zoals ="Naam" wordt ondersteund.',
                )
                return ""
            literal = match.group(1) if match.group(1) is not None else match.group(2)
            return re.sub(r"\\(.)", r"\1", literal)
        if "{{" in value:
            self.add(
                f"{self.subject}: {what} bevat een sjabloon ({{{{ ... }}}}); "
                "sjablonen worden niet ondersteund.",
            )
            return ""
        return value

    def flag(self, value: Any, what: str) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str):
            normalized = value.strip().lower()
            if normalized in {"=true", "= true"}:
                return True
            if normalized in {"=false", "= false", ""}:
                return False
        self.add(
            f"{self.subject}: {what} is afhankelijk van een expressie ({value!r}); "
            "alleen aan of uit wordt ondersteund.",
        )
        return False

    def number(self, value: Any, what: str) -> float | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            pass
        elif isinstance(value, int | float):
            return float(value)
        elif isinstance(value, str) and not value.startswith("="):
            try:
                return float(value)
            except ValueError:
                pass
        self.add(f"{self.subject}: {what} moet een vast getal zijn, niet {value!r}.")
        return None

    def count_of(self, value: Any, what: str) -> int | None:
        number = self.number(value, what)
        if number is None:
            return None
        if number < 0 or number != int(number):
            self.add(f"{self.subject}: {what} moet een geheel getal van 0 of meer zijn.")
            return None
        return int(number)

    def options(self, values: Any) -> list[Option]:
        if not isinstance(values, list):
            self.add(f"{self.subject} heeft geen keuzemogelijkheden (values).")
            return []
        result: list[Option] = []
        for index, item in enumerate(values):
            if not isinstance(item, dict):
                self.add(f"{self.subject}: keuze {index + 1} is geen object met label en value.")
                continue
            value = item.get("value")
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.add(f"{self.subject}: keuze {index + 1} heeft geen geldige waarde (value).")
                continue
            label = self.literal(item.get("label", value), f"het label van keuze {index + 1}")
            result.append(Option(value=str(value), label=label or str(value)))
        check_options(result, self)
        return result


# --------------------------------------------------------------------------
# Components
# --------------------------------------------------------------------------


def _read_components(components: Any, parent: str, problems: Problems,
                     fields: list[FormField]) -> None:
    if not isinstance(components, list):
        problems.add(parent, f"'components' van {parent} moet een lijst zijn.")
        return
    for index, component in enumerate(components):
        if not isinstance(component, dict):
            problems.add(f"{parent}[{index}]", f"Onderdeel {index} van {parent} is geen object.")
            continue
        _read_component(component, f"{parent}[{index}]", problems, fields)


def _read_component(c: dict[str, Any], position: str, problems: Problems,
                    fields: list[FormField]) -> None:
    ctype = c.get("type")
    raw_id = c.get("id")
    cid = raw_id if isinstance(raw_id, str) else ""
    raw_key = c.get("key")
    key = raw_key if isinstance(raw_key, str) else ""
    where = cid or key or position
    report = _Component(
        problems, where, describe(cid, key, ctype if isinstance(ctype, str) else "")
    )
    if not isinstance(ctype, str) or not ctype:
        report.add(f"{report.subject} heeft geen type.")
        return
    if ctype in _DECORATIVE:
        return  # decoration and buttons: the page renders its own submit button
    conditional = c.get("conditional")
    if isinstance(conditional, dict) and conditional.get("hide"):
        report.add(
            f"{report.subject} heeft voorwaardelijke zichtbaarheid (conditional.hide = "
            f"{conditional.get('hide')!r}); dat werkt niet zonder JavaScript "
            "en wordt niet ondersteund.",
        )
    if ctype in _REFUSED:
        report.add(f"{report.subject} wordt niet ondersteund: {_REFUSED[ctype]}.")
    elif ctype == "group":
        _read_group(c, report, fields)
    elif ctype in ("text", "html"):
        _read_text(c, ctype, cid, report, fields)
    elif ctype not in _INPUTS:
        report.add(f"{report.subject} heeft een onbekend type {ctype!r}.")
    else:
        ff = _read_input(c, ctype, cid, raw_key, report)
        if ff is not None:
            fields.append(ff)


def _read_text(c: dict[str, Any], ctype: str, cid: str, report: _Component,
               fields: list[FormField]) -> None:
    """A ``text`` (markdown) or ``html`` component becomes static text."""
    if ctype == "text":
        text = report.literal(c.get("text", ""), "de tekst")
        keep = bool(text.strip())
    else:
        text = html_to_text(report.literal(c.get("content", ""), "de inhoud"))
        keep = bool(text)
    if keep:
        fields.append(FormField(key="", type="text", label="", text=text, id=cid))


def _read_group(c: dict[str, Any], report: _Component, fields: list[FormField]) -> None:
    path = c.get("path")
    if path:
        report.add(
            f"{report.subject} heeft een gegevenspad ({path!r}); geneste gegevens worden niet "
            "ondersteund, laat het pad van de groep leeg.",
        )
    label = report.literal(c.get("label", ""), "het label")
    if label.strip():
        # Keep the group's title visible as a heading above its fields.
        fields.append(
            FormField(
                key="", type="text", label="", text=f"# {label.strip()}", id=c.get("id") or ""
            )
        )
    _read_components(c.get("components", []), report.where, report.problems, fields)


def _read_input(c: dict[str, Any], ctype: str, cid: str, raw_key: Any,
                report: _Component) -> FormField | None:
    problems_before = report.count
    if not isinstance(raw_key, str) or not raw_key:
        report.add(
            f"{report.subject} heeft geen sleutel (key); elk invoerveld heeft een sleutel nodig.",
        )
        key = ""
    else:
        key = raw_key
        check_key(key, report)
    validate = c.get("validate") or {}
    if not isinstance(validate, dict):
        report.add(f"{report.subject}: 'validate' moet een object zijn.")
        validate = {}
    label_source = c.get("dateLabel", c.get("label")) if ctype == "datetime" else c.get("label")
    values: dict[str, Any] = {
        "key": key,
        "type": ctype,
        "label": report.literal(label_source, "het label"),
        "description": report.literal(c.get("description"), "de beschrijving"),
        "required": report.flag(validate.get("required"), "'verplicht'"),
        "readonly": report.flag(c.get("readonly"), "'alleen lezen'"),
        "disabled": report.flag(c.get("disabled"), "'uitgeschakeld'"),
        "default": c.get("defaultValue"),
        "id": cid,
    }
    if isinstance(values["default"], str) and values["default"].startswith("="):
        report.add(
            f"{report.subject}: de standaardwaarde is een FEEL-expressie; "
            "dat wordt niet ondersteund.",
        )
        values["default"] = None
    _INPUTS[ctype](c, validate, values, report)
    return finish_field(report, problems_before, values)


# --------------------------------------------------------------------------
# One reader per input type: it adds to the FormField arguments in `values`
# --------------------------------------------------------------------------

_InputReader = Callable[[dict[str, Any], dict[str, Any], dict[str, Any], _Component], None]


def _text_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                report: _Component) -> None:
    subject = report.subject
    values["min_length"] = report.count_of(validate.get("minLength"), "de minimale lengte")
    values["max_length"] = report.count_of(validate.get("maxLength"), "de maximale lengte")
    if (
        values["min_length"] is not None
        and values["max_length"] is not None
        and values["min_length"] > values["max_length"]
    ):
        report.add(f"{subject}: de minimale lengte is groter dan de maximale lengte.")
    pattern = validate.get("pattern")
    if pattern not in (None, ""):
        if not isinstance(pattern, str) or pattern.startswith("="):
            report.add(f"{subject}: het patroon moet een vaste reguliere expressie zijn.")
        else:
            values["pattern"] = compile_pattern(pattern, report)
    vtype = validate.get("validationType") or ""
    if vtype == "custom":
        vtype = ""
    if vtype not in VALIDATION_TYPES:
        report.add(f"{subject}: validatietype {vtype!r} wordt niet ondersteund.")
        vtype = ""
    values["validation_type"] = vtype
    if values["default"] is not None and not isinstance(values["default"], str):
        values["default"] = str(values["default"])


def _number_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                  report: _Component) -> None:
    values["min"] = report.number(validate.get("min"), "het minimum")
    values["max"] = report.number(validate.get("max"), "het maximum")
    if values["min"] is not None and values["max"] is not None and values["min"] > values["max"]:
        report.add(f"{report.subject}: het minimum is groter dan het maximum.")
    values["decimal_digits"] = report.count_of(c.get("decimalDigits"), "het aantal decimalen")
    default = values["default"]
    if default is not None and (
        isinstance(default, bool) or not isinstance(default, int | float | str)
    ):
        report.add(f"{report.subject}: de standaardwaarde moet een getal zijn.")
        values["default"] = None


def _checkbox_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                    report: _Component) -> None:
    if values["default"] is not None and not isinstance(values["default"], bool):
        report.add(f"{report.subject}: de standaardwaarde moet true of false zijn.")
        values["default"] = None


def _choice_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                  report: _Component) -> None:
    """checklist, radio, select and taglist (a taglist has a checklist's data: a list)."""
    if values["type"] == "taglist":
        values["type"] = "checklist"
    source = c.get("valuesKey") or c.get("valuesExpression")
    if source:
        report.add(
            f"{report.subject} haalt de keuzes uit {source!r} (valuesKey/valuesExpression); "
            "alleen vaste keuzes (statische opties) worden ondersteund.",
        )
    else:
        values["options"] = tuple(report.options(c.get("values")))
    default = values["default"]
    if values["type"] == "checklist" and default is not None and not isinstance(default, list):
        report.add(f"{report.subject}: de standaardwaarde moet een lijst zijn.")
        values["default"] = None


def _file_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                report: _Component) -> None:
    accept = report.literal(c.get("accept"), "'accept'")
    values["accept"], unknown = accept_types(accept)
    if unknown:
        report.add(
            f"{report.subject} vraagt om bestanden van de soort "
            f"{', '.join(map(repr, unknown))}; wij nemen alleen {kinds_text()} aan "
            "(bijvoorbeeld accept \".pdf,.jpg\" of \"image/*\").",
        )
    values["multiple"] = report.flag(c.get("multiple"), "'meerdere'")
    if values["default"] is not None:
        report.add(f"{report.subject}: een bestandsveld heeft geen standaardwaarde.")
        values["default"] = None


def _date_input(c: dict[str, Any], validate: dict[str, Any], values: dict[str, Any],
                report: _Component) -> None:
    subtype = c.get("subtype", "date")
    values["type"] = "date"
    if subtype != "date":
        report.add(
            f"{report.subject} heeft subtype {subtype!r}; alleen datumvelden "
            "(subtype 'date') worden ondersteund, tijd en datum-met-tijd nog niet.",
        )
    if c.get("disallowPassedDates"):
        report.add(
            f"{report.subject} gebruikt 'geen datums in het verleden' "
            "(disallowPassedDates); dat wordt niet ondersteund.",
        )


_INPUTS: dict[str, _InputReader] = {
    "textfield": _text_input,
    "textarea": _text_input,
    "number": _number_input,
    "checkbox": _checkbox_input,
    "checklist": _choice_input,
    "radio": _choice_input,
    "select": _choice_input,
    "taglist": _choice_input,
    "datetime": _date_input,
    "filepicker": _file_input,
}
