"""Form definitions: the neutral, serialisable description of a form.

Process designers build forms in Camunda Modeler, either as form-js ``.form``
files ("Camunda Forms", referenced with ``camunda:formRef``) or as inline
``camunda:formData`` on a user task or start event.  Both are translated into a
:class:`FormDefinition` (:mod:`maatwerk.forms.formjs`,
:mod:`maatwerk.forms.camunda_form_data`), which is what the rest of the
platform works with: it is stored as JSON (:meth:`FormDefinition.to_dict`),
validated for the JSON API (:mod:`maatwerk.forms.validation`) and rendered as a
server-side WTForms form (:mod:`maatwerk.web.form_classes`).

This module must stay free of Flask, SpiffWorkflow and SQLAlchemy imports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import Any

from markupsafe import Markup

from maatwerk.domain.documents import MAX_FILE_BYTES, kinds_text, size_text
from maatwerk.forms.text import render_text

__all__ = [
    "CHOICE_TYPES",
    "FIELD_TYPES",
    "INPUT_TYPES",
    "RESERVED_KEYS",
    "VALIDATION_TYPES",
    "FormDefinition",
    "FormDefinitionError",
    "FormField",
    "Option",
]

#: All field types a :class:`FormField` may have.
FIELD_TYPES: frozenset[str] = frozenset(
    {
        "textfield",
        "textarea",
        "number",
        "checkbox",
        "checklist",
        "radio",
        "select",
        "date",
        "filepicker",
        "text",
    }
)
#: Field types that take input (everything except static ``text``).
INPUT_TYPES: frozenset[str] = FIELD_TYPES - {"text"}
#: Field types whose value must be one of (or a list of) the options.
CHOICE_TYPES: frozenset[str] = frozenset({"checklist", "radio", "select"})
#: Supported values for :attr:`FormField.validation_type`.
VALIDATION_TYPES: frozenset[str] = frozenset({"", "email", "phone"})

#: Keys that cannot be used as a data variable name because they clash with
#: attributes of a (Flask-)WTForms form object.  Keys must furthermore be valid
#: Python identifiers that are not keywords and do not start with ``_``, so
#: they can be used as SpiffWorkflow task data in script/gateway expressions.
RESERVED_KEYS: frozenset[str] = frozenset(
    {
        "Meta",
        "csrf_token",
        "data",
        "errors",
        "form_errors",
        "hidden_tag",
        "is_submitted",
        "meta",
        "populate_obj",
        "post_process",
        "process",
        "validate",
        "validate_on_submit",
    }
)


@dataclass(frozen=True)
class Option:
    """One static choice of a checklist, radio group or select."""

    value: str
    label: str


@dataclass(frozen=True)
class FormField:
    """One component of a form.

    ``type`` is one of :data:`FIELD_TYPES`; ``text`` components show static
    (markdown-ish) text and take no input.
    """

    key: str  # data variable name ("" for text components)
    type: str
    label: str
    description: str = ""
    required: bool = False
    min: float | None = None  # number
    max: float | None = None  # number
    min_length: int | None = None  # textfield/textarea
    max_length: int | None = None  # textfield/textarea
    pattern: str | None = None  # regex, must match the whole (stripped) value
    options: tuple[Option, ...] = ()
    default: Any = None  # lists are stored as tuples to keep the field hashable
    text: str = ""  # for type text
    decimal_digits: int | None = None  # number: 0 means integer
    readonly: bool = False
    disabled: bool = False
    id: str = ""  # component id in the source (for error messages)
    validation_type: str = ""  # textfield/textarea: "", "email" or "phone"
    accept: tuple[str, ...] = ()  # filepicker: content types it takes (empty: all we take)
    multiple: bool = False  # filepicker: more than one file
    # Shown only when the answer to field `shown_when_key` is (shown_when_show=False: is
    # not) `shown_when_value`; a field not shown takes `hidden_value` (None: its empty
    # value) instead of what was sent (conditions.py)
    shown_when_key: str = ""
    shown_when_value: str = ""
    shown_when_show: bool = True
    hidden_value: Any = None
    # the channels on which a required field is required (empty: all of them); e.g. an
    # e-mail address required online but not at the counter (maatwerk:requiredChannels)
    required_channels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown form field type {self.type!r}")
        if self.validation_type not in VALIDATION_TYPES:
            raise ValueError(f"unknown validation type {self.validation_type!r}")
        if isinstance(self.options, list):
            object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "accept", tuple(self.accept))
        object.__setattr__(self, "required_channels", tuple(self.required_channels))
        object.__setattr__(self, "default", _freeze(self.default))
        object.__setattr__(self, "hidden_value", _freeze(self.hidden_value))

    @property
    def is_input(self) -> bool:
        return self.type in INPUT_TYPES

    @property
    def editable(self) -> bool:
        """Input fields whose value is taken from a submission."""
        return self.is_input and not (self.readonly or self.disabled)

    @property
    def conditional(self) -> bool:
        """Whether the field is shown only on a condition."""
        return bool(self.shown_when_key)

    def empty_value(self) -> Any:
        """The clean value of this field left empty (see validation.py)."""
        if self.type in {"textfield", "textarea"}:
            return ""
        if self.type == "checkbox":
            return False
        if self.type == "checklist" or (self.type == "filepicker" and self.multiple):
            return []
        return None

    def value_when_hidden(self) -> Any:
        """What the field holds while it is not shown."""
        return _thaw(self.hidden_value) if self.hidden_value is not None else self.empty_value()

    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    def file_hint(self) -> str:
        """What a file field takes, e.g. 'Eén bestand: PDF, PNG of JPEG, tot 10 MB.'"""
        amount = "Een of meer bestanden" if self.multiple else "Eén bestand"
        return (f"{amount}: {kinds_text(self.accept)}, tot {size_text(MAX_FILE_BYTES)} "
                f"per bestand.")

    def text_html(self) -> Markup:
        """The ``text`` of a text component as safe HTML (see :func:`render_text`)."""
        return render_text(self.text)

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for f in dataclass_fields(self):
            value = getattr(self, f.name)
            if f.name == "options":
                value = [{"value": o.value, "label": o.label} for o in value]
            else:
                value = _thaw(value)
            result[f.name] = value
        return result

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FormField:
        known = {f.name for f in dataclass_fields(cls)}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["options"] = tuple(
            Option(value=str(o["value"]), label=str(o["label"])) for o in d.get("options") or ()
        )
        return cls(**kwargs)


@dataclass(frozen=True)
class FormDefinition:
    """An ordered, immutable (and hashable) list of form fields."""

    id: str
    fields: tuple[FormField, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if isinstance(self.fields, list):
            object.__setattr__(self, "fields", tuple(self.fields))

    def input_fields(self) -> tuple[FormField, ...]:
        """All fields except static ``text`` components."""
        return tuple(f for f in self.fields if f.is_input)

    @property
    def has_conditions(self) -> bool:
        """Whether any field is shown only on a condition (conditions.py)."""
        return any(f.conditional for f in self.fields)

    @property
    def has_files(self) -> bool:
        """Whether a submission may carry files (the HTML form then posts multipart data)."""
        return any(f.type == "filepicker" and f.editable for f in self.fields)

    def for_channel(self, channel: str) -> FormDefinition:
        """The form as a resident fills it in through this channel: a field required only
        on other channels is optional here."""
        if not any(f.required_channels for f in self.fields):
            return self
        return FormDefinition(id=self.id, fields=tuple(
            replace(f, required=False, required_channels=())
            if f.required_channels and channel not in f.required_channels else f
            for f in self.fields))

    def field(self, key: str) -> FormField:
        for f in self.fields:
            if f.is_input and f.key == key:
                return f
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible representation (for storage in the database)."""
        return {"version": 1, "id": self.id, "fields": [f.to_dict() for f in self.fields]}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FormDefinition:
        return cls(
            id=str(d["id"]),
            fields=tuple(FormField.from_dict(f) for f in d.get("fields") or ()),
        )


class FormDefinitionError(ValueError):
    """A form definition cannot be used; ``problems`` lists every reason.

    Each problem is ``(component id or key, readable sentence)``.
    """

    def __init__(self, problems: Iterable[tuple[str, str]], form_id: str = "") -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        self.form_id = form_id
        heading = (
            f"Form {form_id!r} can't be used" if form_id else "The form can't be used"
        )
        lines = "\n".join(f"- {where}: {sentence}" for where, sentence in self.problems)
        super().__init__(f"{heading}:\n{lines}")


def _freeze(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value
