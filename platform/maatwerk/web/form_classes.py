"""Server-side (JavaScript-free) HTML forms built from a :class:`FormDefinition`.

This is the web layer's half of the forms: Flask-WTF form classes.  Everything below
``web/`` stays free of Flask, so it lives here and not in :mod:`maatwerk.forms`.

Each input field of the definition becomes a WTForms field named after its
key.  All rules are enforced by one validator per field,
:class:`DefinitionRules`, which delegates to
:func:`maatwerk.forms.validation.clean_value` -- the same function the JSON
API uses -- so the HTML and JSON paths can never disagree about what is
valid.  The validator also exposes ``required``/``minlength``/``maxlength``
as WTForms field flags, so the browser gets matching HTML attributes (the
regex ``pattern`` is deliberately *not* copied to the browser: JavaScript and
Python regex dialects differ, the server is authoritative).

CSRF protection stays on (Flask-WTF ``FlaskForm`` defaults); the template
macro ``render_form_fields`` emits the CSRF token via ``form.hidden_tag()``.

A ``filepicker`` becomes a plain ``<input type="file">`` (:class:`DocumentField`); a form
with one must be posted as ``multipart/form-data`` (see ``FormDefinition.has_files``).
A browser never fills a file input in again, so when a submission fails, every file field
that had a good file says so and asks to choose it again (:func:`ask_files_again`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    DateField,
    Field,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

# WTForms 3.3 deprecates tuple choices; types-WTForms (3.2) does not know SelectChoice yet
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined,unused-ignore]
from wtforms.validators import StopValidation
from wtforms.widgets import (
    CheckboxInput,
    EmailInput,
    FileInput,
    ListWidget,
    TelInput,
    TextInput,
)

from maatwerk.domain.documents import MAX_FILE_BYTES, Upload, display_name, html_accept
from maatwerk.forms.model import RESERVED_KEYS, FormDefinition, FormField
from maatwerk.forms.validation import (
    MESSAGES,
    clean_value,
    format_number,
    hidden_values,
    parse_date,
    parse_number,
)

__all__ = [
    "PLACEHOLDER_LABEL",
    "DefinitionRules",
    "DocumentField",
    "DutchDateField",
    "DutchNumberField",
    "MultiCheckboxField",
    "ask_files_again",
    "build_form_class",
    "form_data",
    "prefill",
]

#: Label of the empty first choice of a select.
PLACEHOLDER_LABEL = "Maak een keuze"


def choice(value: str, label: str, group: str | None = None) -> Any:
    """One choice of a select or radio field (of a select's `group`, an optgroup)."""
    return SelectChoice(value=value, label=label, optgroup=group)


# --------------------------------------------------------------------------
# Fields
# --------------------------------------------------------------------------


class DutchNumberField(Field):
    """A text input for numbers that accepts a Dutch decimal comma (``12,50``).

    ``data`` is an ``int``/``float`` (or ``None`` when empty or unparsable);
    the submitted text is kept in ``raw_data`` for validation and re-display.
    Rendered as ``<input type="text" inputmode="decimal">`` because
    ``type="number"`` rejects a comma in several browsers.
    """

    widget = TextInput()

    def process_data(self, value: Any) -> None:
        self.data = _number_or_none(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = _number_or_none(valuelist[0])

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if self.data is None:
            return ""
        return format_number(self.data)


def _number_or_none(value: Any) -> int | float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = parse_number(value)
    except ValueError:
        return None
    return int(number) if number == number.to_integral_value() else float(number)


class DutchDateField(DateField):
    """``<input type="date">`` that also accepts ``dd-mm-yyyy`` typed by hand.

    Parsing uses :func:`maatwerk.forms.validation.parse_date`; unparsable input
    leaves ``data`` at ``None`` and is reported by :class:`DefinitionRules`
    (never by the field itself, to avoid duplicate or English messages).
    """

    def process_data(self, value: Any) -> None:
        self.data = _date_or_none(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = _date_or_none(valuelist[0])

    def _value(self) -> str:
        if self.data is not None:
            return self.data.isoformat()  # what <input type=date> understands
        if self.raw_data:
            return str(self.raw_data[0])
        return ""


def _date_or_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return parse_date(value)
    except ValueError:
        return None


class DocumentField(Field):
    """``<input type="file">`` for a filepicker.

    ``uploads`` holds the files chosen in this submission (each read up to one byte past
    the size limit, which is enough to refuse it); an input where nothing was chosen sends
    an empty part, which is no file. The input is never filled in again.
    """

    def __init__(self, *args: Any, multiple: bool = False, **kwargs: Any) -> None:
        kwargs["widget"] = FileInput(multiple=multiple)
        super().__init__(*args, **kwargs)
        self.uploads: list[Upload] | None = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.uploads = [Upload(item.filename or "", item.read(MAX_FILE_BYTES + 1))
                        for item in valuelist if isinstance(item, FileStorage) and item.filename]
        self.data = self.uploads

    def _value(self) -> str:
        return ""


def ask_files_again(form: FlaskForm, definition: FormDefinition) -> None:
    """After a failed submission: each file field whose files were fine says to choose them
    again (a field with its own error already says so)."""
    for fd in definition.input_fields():
        if fd.type != "filepicker" or not fd.editable:
            continue
        field = form[fd.key]
        uploads = getattr(field, "uploads", None)
        if uploads and not field.errors:
            names = ", ".join(f"‘{display_name(u.filename)}’" for u in uploads)
            field.errors = [MESSAGES["file_again"].format(names=names)]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (one per option) sharing one name."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# --------------------------------------------------------------------------
# The single validator
# --------------------------------------------------------------------------


def _submitted_value(field: Field, definition_field: FormField) -> Any:
    """The value to validate, in the shape :func:`clean_value` expects."""
    if definition_field.type == "checkbox":
        return bool(field.data)
    if definition_field.type == "filepicker":
        return getattr(field, "uploads", None)
    raw = field.raw_data
    if raw is None:
        # The form was not bound to request data: validate the pre-filled value.
        return field.data
    if definition_field.type == "checklist":
        return list(raw)
    return raw[0] if raw else None


def _hidden_on(form: FlaskForm, definition: FormDefinition) -> dict[str, Any]:
    """The fields this submission does not show (their conditions unmet), with the value
    each holds while hidden; worked out once per form."""
    if not definition.has_conditions:
        return {}
    hidden: dict[str, Any] | None = getattr(form, "_maatwerk_hidden", None)
    if hidden is None:
        answers: dict[str, Any] = {}
        for fd in definition.input_fields():
            if fd.editable:
                submitted = _submitted_value(form[fd.key], fd)
                value, error = clean_value(fd, submitted)
                answers[fd.key] = submitted if error else value
        hidden = hidden_values(definition, answers)
        setattr(form, "_maatwerk_hidden", hidden)  # noqa: B010
    return hidden


class DefinitionRules:
    """WTForms validator enforcing every rule of one :class:`FormField`.

    Delegates to :func:`maatwerk.forms.validation.clean_value`; stores the
    clean, typed value on the field as ``clean_data``. A field that the other
    answers do not show is not checked, and holds its hidden value.
    """

    def __init__(self, definition_field: FormField, definition: FormDefinition) -> None:
        self.definition_field = definition_field
        self.definition = definition
        flags: dict[str, Any] = {}
        if definition_field.editable:
            # A required checklist must not put `required` on every checkbox.
            if definition_field.required and definition_field.type != "checklist":
                flags["required"] = True
            if definition_field.type in {"textfield", "textarea"}:
                if definition_field.min_length is not None:
                    flags["minlength"] = definition_field.min_length
                if definition_field.max_length is not None:
                    flags["maxlength"] = definition_field.max_length
        self.field_flags = flags

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not self.definition_field.editable:
            return
        hidden = _hidden_on(form, self.definition)
        if self.definition_field.key in hidden:
            field.errors = []  # what the person could not see can't be wrong
            field.clean_data = hidden[self.definition_field.key]  # type: ignore[attr-defined]
            return
        value, error = clean_value(
            self.definition_field, _submitted_value(field, self.definition_field)
        )
        if error is not None:
            raise StopValidation(error)
        field.clean_data = value  # type: ignore[attr-defined]


# --------------------------------------------------------------------------
# Form class construction
# --------------------------------------------------------------------------


def _make_field(fd: FormField, definition: FormDefinition) -> Any:
    make = _FIELD_MAKERS.get(fd.type)
    if make is None:  # pragma: no cover - FormField.__post_init__ guards the type
        raise ValueError(f"unsupported field type {fd.type!r}")
    kwargs: dict[str, Any] = {
        "label": fd.label or fd.key,
        "description": fd.description,
        "validators": [DefinitionRules(fd, definition)],
    }
    return make(fd, _render_kw(fd), kwargs)


def _render_kw(fd: FormField) -> dict[str, Any]:
    render_kw: dict[str, Any] = {}
    if fd.type in {"textfield", "textarea", "number", "date"}:
        if fd.readonly:
            render_kw["readonly"] = True
        if fd.disabled:
            render_kw["disabled"] = True
    elif fd.readonly or fd.disabled:
        # Checkboxes, radios and selects have no `readonly` in HTML.
        render_kw["disabled"] = True
    return render_kw


def _text_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    widget: Any = TextInput()
    if fd.validation_type == "email":
        widget = EmailInput()
        render_kw.setdefault("autocomplete", "email")
        render_kw.setdefault("spellcheck", "false")
    elif fd.validation_type == "phone":
        widget = TelInput()
        render_kw.setdefault("autocomplete", "tel")
    return StringField(widget=widget, render_kw=render_kw or None, **kwargs)


def _textarea_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    return TextAreaField(render_kw=render_kw or None, **kwargs)


def _number_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    render_kw["inputmode"] = "numeric" if fd.decimal_digits == 0 else "decimal"
    return DutchNumberField(render_kw=render_kw, **kwargs)


def _checkbox_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    return BooleanField(render_kw=render_kw or None, **kwargs)


def _checklist_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    return MultiCheckboxField(
        choices=[choice(o.value, o.label) for o in fd.options],
        validate_choice=False,
        render_kw=render_kw or None,
        **kwargs,
    )


def _radio_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    return RadioField(
        choices=[choice(o.value, o.label) for o in fd.options],
        validate_choice=False,
        render_kw=render_kw or None,
        **kwargs,
    )


def _select_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    # Always offer an empty first choice, also for required selects, so
    # nothing is silently pre-selected; `required` makes the browser and
    # the server refuse the empty choice.
    return SelectField(
        choices=[choice("", PLACEHOLDER_LABEL)]
        + [choice(o.value, o.label) for o in fd.options],
        validate_choice=False,
        render_kw=render_kw or None,
        **kwargs,
    )


def _date_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    return DutchDateField(render_kw=render_kw or None, **kwargs)


def _file_field(fd: FormField, render_kw: dict[str, Any], kwargs: dict[str, Any]) -> Field:
    render_kw["accept"] = html_accept(fd.accept)
    return DocumentField(multiple=fd.multiple, render_kw=render_kw, **kwargs)


#: The WTForms field of each input type (static ``text`` has none).
_FIELD_MAKERS: dict[str, Callable[[FormField, dict[str, Any], dict[str, Any]], Field]] = {
    "textfield": _text_field,
    "textarea": _textarea_field,
    "number": _number_field,
    "checkbox": _checkbox_field,
    "checklist": _checklist_field,
    "radio": _radio_field,
    "select": _select_field,
    "date": _date_field,
    "filepicker": _file_field,
}


@lru_cache(maxsize=256)
def build_form_class(definition: FormDefinition) -> type[FlaskForm]:
    """A ``FlaskForm`` subclass with one field per input field, named by key.

    Cached per (hashable, immutable) definition.  Instantiate it like any
    Flask-WTF form, e.g. ``form = build_form_class(d)(data=prefill(d, case_data))``.
    """
    attrs: dict[str, Any] = {}
    for fd in definition.input_fields():
        if fd.key in RESERVED_KEYS or fd.key.startswith("_") or hasattr(FlaskForm, fd.key):
            raise ValueError(f"form field key {fd.key!r} clashes with a form attribute")
        attrs[fd.key] = _make_field(fd, definition)
    if definition.has_files:
        attrs["_definition"] = definition
        attrs["validate"] = _validate_asking_files_again
    name = "Form_" + re.sub(r"\W", "_", definition.id or "anonymous")
    return type(name, (FlaskForm,), attrs)


def _validate_asking_files_again(self: Any, extra_validators: Any = None) -> bool:
    valid: bool = FlaskForm.validate(self, extra_validators)
    if not valid:
        ask_files_again(self, self._definition)
    return valid


def form_data(form: FlaskForm, definition: FormDefinition) -> dict[str, Any]:
    """The clean, typed values of a validated form.

    Same types and empty-value rule as
    :func:`maatwerk.forms.validation.validate_submission`; read-only and
    disabled fields are left out.  Raises ``ValueError`` if a value is not
    valid (call ``form.validate()`` / ``validate_on_submit()`` first).
    """
    result: dict[str, Any] = {}
    hidden = _hidden_on(form, definition)
    for fd in definition.input_fields():
        if not fd.editable:
            continue
        if fd.key in hidden:
            result[fd.key] = hidden[fd.key]
            continue
        value, error = clean_value(fd, _submitted_value(form[fd.key], fd))
        if error is not None:
            raise ValueError(f"form field {fd.key!r} is not valid: {error}")
        result[fd.key] = value
    return result


def prefill(definition: FormDefinition, data: Mapping[str, Any]) -> dict[str, Any]:
    """Turn stored case data into ``data=`` keyword data for the form class.

    Uses the stored value when present, else the field's default.  Values are
    converted to what the WTForms fields expect (``date`` objects, numbers,
    lists); values that cannot be converted are left out.
    """
    result: dict[str, Any] = {}
    for fd in definition.input_fields():
        value = data.get(fd.key, fd.default)
        if value is None or fd.type == "filepicker":  # a file input is never filled in
            continue
        if fd.type == "date":
            value = _date_or_none(value)
        elif fd.type == "number":
            value = _number_or_none(value)
        elif fd.type == "checkbox":
            value = value if isinstance(value, bool) else None
        elif fd.type == "checklist":
            if isinstance(value, str):
                value = [value]
            value = [str(v) for v in value] if isinstance(value, list | tuple) else None
        else:
            value = value if isinstance(value, str) else str(value)
        if value is not None:
            result[fd.key] = value
    return result
