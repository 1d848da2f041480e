"""Form definitions: the neutral, serialisable description of a form.

Process designers build forms in Camunda Modeler, either as form-js ``.form``
files ("Camunda Forms", referenced with ``camunda:formRef``) or as inline
``camunda:formData`` on a user task or start event.  Both are translated into a
:class:`FormDefinition`, which is what the rest of the platform works with:
it is stored as JSON (:meth:`FormDefinition.to_dict`), validated for the JSON
API (:mod:`maatwerk.forms.validation`) and rendered as a server-side WTForms
form (:mod:`maatwerk.forms.wtf`).

Only what can be rendered and validated without JavaScript is accepted.  Any
construct we cannot honour faithfully (dynamic options, FEEL expressions,
conditional visibility, repeating lists, ...) is refused with a
readable Dutch problem description, so the designer learns about it when the
process is deployed instead of a resident running into a half-working form.

This module must stay free of Flask, SpiffWorkflow and SQLAlchemy imports.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from html.parser import HTMLParser
from typing import Any

from markupsafe import Markup, escape

from maatwerk.domain.documents import MAX_FILE_BYTES, accept_types, kinds_text, size_text

__all__ = [
    "FIELD_TYPES",
    "INPUT_TYPES",
    "CHOICE_TYPES",
    "RESERVED_KEYS",
    "Option",
    "FormField",
    "FormDefinition",
    "FormDefinitionError",
    "parse_formjs",
    "from_camunda_form_data",
    "render_text",
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

_KEY_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------


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

    def __post_init__(self) -> None:
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown form field type {self.type!r}")
        if self.validation_type not in VALIDATION_TYPES:
            raise ValueError(f"unknown validation type {self.validation_type!r}")
        if isinstance(self.options, list):
            object.__setattr__(self, "options", tuple(self.options))
        object.__setattr__(self, "accept", tuple(self.accept))
        object.__setattr__(self, "default", _freeze(self.default))

    @property
    def is_input(self) -> bool:
        return self.type in INPUT_TYPES

    @property
    def editable(self) -> bool:
        """Input fields whose value is taken from a submission."""
        return self.is_input and not (self.readonly or self.disabled)

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
    def has_files(self) -> bool:
        """Whether a submission may carry files (the HTML form then posts multipart data)."""
        return any(f.type == "filepicker" and f.editable for f in self.fields)

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

    Each problem is ``(component id or key, readable Dutch sentence)``.
    """

    def __init__(self, problems: Iterable[tuple[str, str]], form_id: str = "") -> None:
        self.problems: list[tuple[str, str]] = list(problems)
        self.form_id = form_id
        heading = (
            f"Formulier {form_id!r} is niet bruikbaar" if form_id else "Formulier is niet bruikbaar"
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


# --------------------------------------------------------------------------
# Static text rendering (markdown subset, always escaped)
# --------------------------------------------------------------------------

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+(.*)$")
_BOLD_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC_RE = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")


def _inline(text: str) -> Markup:
    """Escape ``text`` and then apply **bold** and *italic* markers."""
    escaped = str(escape(text))
    escaped = _BOLD_RE.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    escaped = _ITALIC_RE.sub(lambda m: f"<em>{m.group(1)}</em>", escaped)
    return Markup(escaped)


def render_text(text: str) -> Markup:
    """Render a small, safe subset of markdown to HTML.

    Everything is HTML-escaped first; afterwards only these constructs are
    recognised: blank-line separated paragraphs, line breaks, ``#`` headings
    (rendered one level below the page heading, so ``#`` becomes ``<h2>``),
    ``-``/``*`` bullet lists, ``**bold**`` and ``*italic*``.  Raw HTML is
    never passed through.
    """
    blocks: list[str] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            inner = Markup("<br>\n").join(_inline(line) for line in paragraph)
            blocks.append(f'<p class="utrecht-paragraph">{inner}</p>')
            paragraph.clear()
        if bullets:
            items = "".join(
                f'<li class="utrecht-unordered-list__item">{_inline(item)}</li>' for item in bullets
            )
            blocks.append(f'<ul class="utrecht-unordered-list">{items}</ul>')
            bullets.clear()

    for raw_line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw_line.rstrip()
        if not line.strip():
            flush()
            continue
        heading = _HEADING_RE.match(line.strip())
        if heading:
            flush()
            level = min(len(heading.group(1)) + 1, 6)
            blocks.append(
                f'<h{level} class="utrecht-heading-{level}">{_inline(heading.group(2))}</h{level}>'
            )
            continue
        bullet = _BULLET_RE.match(line)
        if bullet:
            if paragraph:
                flush()
            bullets.append(bullet.group(1))
            continue
        if bullets:
            flush()
        paragraph.append(line.strip())
    flush()
    return Markup("\n".join(blocks))


class _HTMLText(HTMLParser):
    """Extract the readable text of an HTML fragment (tags are dropped)."""

    _BLOCK = {
        "p",
        "div",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "table",
        "tr",
        "blockquote",
        "pre",
    }
    _SKIP = {"script", "style", "template", "iframe", "object", "noscript"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCK or tag == "li":
            self.parts.append("\n\n" if tag != "li" else "")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def _html_to_text(content: str) -> str:
    parser = _HTMLText()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --------------------------------------------------------------------------
# Shared helpers for both source formats
# --------------------------------------------------------------------------

_FEEL_STRING_RE = re.compile(r'^=\s*(?:"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\')\s*$', re.S)


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, where: str, sentence: str) -> None:
        self.items.append((where, sentence))


def _describe(component_id: str, key: str, ctype: str) -> str:
    """E.g. ``Onderdeel 'Field_0x' (sleutel 'naam', type 'textfield')``."""
    name = f"Onderdeel {component_id!r}" if component_id else "Onderdeel"
    details = []
    if key:
        details.append(f"sleutel {key!r}")
    if ctype:
        details.append(f"type {ctype!r}")
    return f"{name} ({', '.join(details)})" if details else name


def _check_key(key: str, where: str, subject: str, problems: _Problems) -> bool:
    if not _KEY_RE.fullmatch(key) or keyword.iskeyword(key) or key.startswith("_"):
        problems.add(
            where,
            f"{subject} heeft sleutel {key!r}; een sleutel mag alleen letters, cijfers en _ "
            "bevatten, mag niet met een cijfer of _ beginnen en mag geen Python-sleutelwoord zijn.",
        )
        return False
    if key in RESERVED_KEYS:
        problems.add(
            where, f"{subject} gebruikt de gereserveerde sleutel {key!r}; kies een andere naam."
        )
        return False
    return True


def _compile_pattern(pattern: str, where: str, subject: str, problems: _Problems) -> str | None:
    try:
        re.compile(pattern)
    except re.error as exc:
        problems.add(where, f"{subject} heeft een ongeldig patroon {pattern!r}: {exc}.")
        return None
    return pattern


def _check_options(options: list[Option], where: str, subject: str, problems: _Problems) -> None:
    if not options:
        problems.add(where, f"{subject} heeft geen keuzemogelijkheden.")
        return
    seen: set[str] = set()
    for option in options:
        if not option.value.strip():
            problems.add(
                where,
                f"{subject} heeft een keuze zonder waarde (value); "
                "elke keuze heeft een waarde nodig.",
            )
        if option.value in seen:
            problems.add(where, f"{subject} heeft keuze {option.value!r} meer dan één keer.")
        seen.add(option.value)


def _check_default(ff: FormField, where: str, subject: str, problems: _Problems) -> None:
    """A default that can never be valid is a design error."""
    if ff.default is None or not ff.options:
        return
    values = ff.option_values()
    defaults = ff.default if isinstance(ff.default, tuple) else (ff.default,)
    for value in defaults:
        if value not in values:
            problems.add(
                where, f"{subject} heeft standaardwaarde {value!r}, maar dat is geen van de keuzes."
            )


def _check_unique_keys(result: list[FormField], problems: _Problems) -> None:
    first: dict[str, FormField] = {}
    for ff in result:
        if not ff.is_input:
            continue
        if ff.key in first:
            other = first[ff.key]
            problems.add(
                ff.id or ff.key,
                f"Sleutel {ff.key!r} wordt door meerdere onderdelen gebruikt "
                f"({other.id or '?'!s} en {ff.id or '?'!s}); elke sleutel moet uniek zijn.",
            )
        else:
            first[ff.key] = ff


# --------------------------------------------------------------------------
# form-js ("Camunda Forms")
# --------------------------------------------------------------------------

_FORMJS_INPUTS = {
    "textfield",
    "textarea",
    "number",
    "checkbox",
    "checklist",
    "radio",
    "select",
    "taglist",
    "datetime",
    "filepicker",
}
_FORMJS_DECORATIVE = {"button", "spacer", "separator", "image"}
_FORMJS_REFUSED = {
    "dynamiclist": "een herhalende lijst (dynamiclist) kan niet zonder JavaScript worden ingevuld",
    "table": "tabellen met gegevens (table) worden niet ondersteund",
    "iframe": "ingesloten pagina's (iframe) worden niet ondersteund",
    "expression": "berekende velden (expression) vereisen FEEL en worden niet ondersteund",
    "documentPreview": "documentvoorbeelden (documentPreview) worden niet ondersteund",
    "script": "scripts in formulieren worden niet ondersteund",
    "js": "scripts in formulieren worden niet ondersteund",
}


class _FormJsParser:
    def __init__(self) -> None:
        self.problems = _Problems()
        self.fields: list[FormField] = []

    # -- helpers ----------------------------------------------------------

    def literal(self, value: Any, where: str, subject: str, what: str) -> str:
        """Plain text of a label-like property; FEEL is only accepted as a string literal."""
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problems.add(where, f"{subject}: {what} moet tekst zijn.")
            return ""
        if value.startswith("="):
            match = _FEEL_STRING_RE.match(value)
            if not match:
                self.problems.add(
                    where,
                    f"{subject}: {what} is een FEEL-expressie ({value!r}); alleen vaste tekst "
                    'zoals ="Naam" wordt ondersteund.',
                )
                return ""
            literal = match.group(1) if match.group(1) is not None else match.group(2)
            return re.sub(r"\\(.)", r"\1", literal)
        if "{{" in value:
            self.problems.add(
                where,
                f"{subject}: {what} bevat een sjabloon ({{{{ ... }}}}); "
                "sjablonen worden niet ondersteund.",
            )
            return ""
        return value

    def flag(self, value: Any, where: str, subject: str, what: str) -> bool:
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str):
            normalized = value.strip().lower()
            if normalized in {"=true", "= true"}:
                return True
            if normalized in {"=false", "= false", ""}:
                return False
        self.problems.add(
            where,
            f"{subject}: {what} is afhankelijk van een expressie ({value!r}); "
            "alleen aan of uit wordt ondersteund.",
        )
        return False

    def number(self, value: Any, where: str, subject: str, what: str) -> float | None:
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
        self.problems.add(where, f"{subject}: {what} moet een vast getal zijn, niet {value!r}.")
        return None

    def count(self, value: Any, where: str, subject: str, what: str) -> int | None:
        number = self.number(value, where, subject, what)
        if number is None:
            return None
        if number < 0 or number != int(number):
            self.problems.add(where, f"{subject}: {what} moet een geheel getal van 0 of meer zijn.")
            return None
        return int(number)

    # -- components -------------------------------------------------------

    def parse_components(self, components: Any, parent: str) -> None:
        if not isinstance(components, list):
            self.problems.add(parent, f"'components' van {parent} moet een lijst zijn.")
            return
        for index, component in enumerate(components):
            if not isinstance(component, dict):
                self.problems.add(
                    f"{parent}[{index}]", f"Onderdeel {index} van {parent} is geen object."
                )
                continue
            self.parse_component(component, f"{parent}[{index}]")

    def parse_component(self, c: dict[str, Any], position: str) -> None:
        ctype = c.get("type")
        cid = c.get("id") if isinstance(c.get("id"), str) else ""
        raw_key = c.get("key")
        key = raw_key if isinstance(raw_key, str) else ""
        where = cid or key or position
        subject = _describe(cid, key, ctype if isinstance(ctype, str) else "")

        if not isinstance(ctype, str) or not ctype:
            self.problems.add(where, f"{subject} heeft geen type.")
            return

        if ctype in _FORMJS_DECORATIVE:
            return  # decoration and buttons: the page renders its own submit button
        conditional = c.get("conditional")
        if isinstance(conditional, dict) and conditional.get("hide"):
            self.problems.add(
                where,
                f"{subject} heeft voorwaardelijke zichtbaarheid (conditional.hide = "
                f"{conditional.get('hide')!r}); dat werkt niet zonder JavaScript "
                "en wordt niet ondersteund.",
            )
        if ctype in _FORMJS_REFUSED:
            self.problems.add(where, f"{subject} wordt niet ondersteund: {_FORMJS_REFUSED[ctype]}.")
            return
        if ctype == "group":
            self.parse_group(c, where, subject)
            return
        if ctype == "text":
            text = self.literal(c.get("text", ""), where, subject, "de tekst")
            if text.strip():
                self.fields.append(FormField(key="", type="text", label="", text=text, id=cid))
            return
        if ctype == "html":
            content = self.literal(c.get("content", ""), where, subject, "de inhoud")
            text = _html_to_text(content)
            if text:
                self.fields.append(FormField(key="", type="text", label="", text=text, id=cid))
            return
        if ctype not in _FORMJS_INPUTS:
            self.problems.add(where, f"{subject} heeft een onbekend type {ctype!r}.")
            return
        self.parse_input(c, ctype, cid, raw_key, where, subject)

    def parse_group(self, c: dict[str, Any], where: str, subject: str) -> None:
        path = c.get("path")
        if path:
            self.problems.add(
                where,
                f"{subject} heeft een gegevenspad ({path!r}); geneste gegevens worden niet "
                "ondersteund, laat het pad van de groep leeg.",
            )
        label = self.literal(c.get("label", ""), where, subject, "het label")
        if label.strip():
            # Keep the group's title visible as a heading above its fields.
            self.fields.append(
                FormField(
                    key="", type="text", label="", text=f"# {label.strip()}", id=c.get("id") or ""
                )
            )
        self.parse_components(c.get("components", []), where)

    def parse_input(
        self, c: dict[str, Any], ctype: str, cid: str, raw_key: Any, where: str, subject: str
    ) -> None:
        problems_before = len(self.problems.items)
        if not isinstance(raw_key, str) or not raw_key:
            self.problems.add(
                where,
                f"{subject} heeft geen sleutel (key); elk invoerveld heeft een sleutel nodig.",
            )
            key = ""
        else:
            key = raw_key
            _check_key(key, where, subject, self.problems)

        validate = c.get("validate") or {}
        if not isinstance(validate, dict):
            self.problems.add(where, f"{subject}: 'validate' moet een object zijn.")
            validate = {}

        label_source = c.get("dateLabel", c.get("label")) if ctype == "datetime" else c.get("label")
        label = self.literal(label_source, where, subject, "het label")
        description = self.literal(c.get("description"), where, subject, "de beschrijving")
        required = self.flag(validate.get("required"), where, subject, "'verplicht'")
        readonly = self.flag(c.get("readonly"), where, subject, "'alleen lezen'")
        disabled = self.flag(c.get("disabled"), where, subject, "'uitgeschakeld'")
        default = c.get("defaultValue")
        if isinstance(default, str) and default.startswith("="):
            self.problems.add(
                where,
                f"{subject}: de standaardwaarde is een FEEL-expressie; dat wordt niet ondersteund.",
            )
            default = None

        kwargs: dict[str, Any] = {}
        ftype = ctype

        if ctype in {"textfield", "textarea"}:
            kwargs["min_length"] = self.count(
                validate.get("minLength"), where, subject, "de minimale lengte"
            )
            kwargs["max_length"] = self.count(
                validate.get("maxLength"), where, subject, "de maximale lengte"
            )
            if (
                kwargs["min_length"] is not None
                and kwargs["max_length"] is not None
                and kwargs["min_length"] > kwargs["max_length"]
            ):
                self.problems.add(
                    where, f"{subject}: de minimale lengte is groter dan de maximale lengte."
                )
            pattern = validate.get("pattern")
            if pattern not in (None, ""):
                if not isinstance(pattern, str) or pattern.startswith("="):
                    self.problems.add(
                        where, f"{subject}: het patroon moet een vaste reguliere expressie zijn."
                    )
                else:
                    kwargs["pattern"] = _compile_pattern(pattern, where, subject, self.problems)
            vtype = validate.get("validationType") or ""
            if vtype == "custom":
                vtype = ""
            if vtype not in VALIDATION_TYPES:
                self.problems.add(
                    where, f"{subject}: validatietype {vtype!r} wordt niet ondersteund."
                )
                vtype = ""
            kwargs["validation_type"] = vtype
            if default is not None and not isinstance(default, str):
                default = str(default)
        elif ctype == "number":
            kwargs["min"] = self.number(validate.get("min"), where, subject, "het minimum")
            kwargs["max"] = self.number(validate.get("max"), where, subject, "het maximum")
            if (
                kwargs["min"] is not None
                and kwargs["max"] is not None
                and kwargs["min"] > kwargs["max"]
            ):
                self.problems.add(where, f"{subject}: het minimum is groter dan het maximum.")
            kwargs["decimal_digits"] = self.count(
                c.get("decimalDigits"), where, subject, "het aantal decimalen"
            )
            if default is not None and (
                isinstance(default, bool) or not isinstance(default, int | float | str)
            ):
                self.problems.add(where, f"{subject}: de standaardwaarde moet een getal zijn.")
                default = None
        elif ctype == "checkbox":
            if default is not None and not isinstance(default, bool):
                self.problems.add(where, f"{subject}: de standaardwaarde moet true of false zijn.")
                default = None
        elif ctype in {"checklist", "radio", "select", "taglist"}:
            if ctype == "taglist":
                ftype = "checklist"  # same data shape: a list of chosen option values
            if c.get("valuesKey") or c.get("valuesExpression"):
                source = c.get("valuesKey") or c.get("valuesExpression")
                self.problems.add(
                    where,
                    f"{subject} haalt de keuzes uit {source!r} (valuesKey/valuesExpression); "
                    "alleen vaste keuzes (statische opties) worden ondersteund.",
                )
            else:
                kwargs["options"] = tuple(self.options(c.get("values"), where, subject))
            if ftype == "checklist" and default is not None and not isinstance(default, list):
                self.problems.add(where, f"{subject}: de standaardwaarde moet een lijst zijn.")
                default = None
        elif ctype == "filepicker":
            accept = self.literal(c.get("accept"), where, subject, "'accept'")
            kwargs["accept"], unknown = accept_types(accept)
            if unknown:
                self.problems.add(
                    where,
                    f"{subject} vraagt om bestanden van de soort {', '.join(map(repr, unknown))}; "
                    f"wij nemen alleen {kinds_text()} aan (bijvoorbeeld accept \".pdf,.jpg\" "
                    "of \"image/*\").",
                )
            kwargs["multiple"] = self.flag(c.get("multiple"), where, subject, "'meerdere'")
            if default is not None:
                self.problems.add(where, f"{subject}: een bestandsveld heeft geen standaardwaarde.")
                default = None
        elif ctype == "datetime":
            subtype = c.get("subtype", "date")
            ftype = "date"
            if subtype != "date":
                self.problems.add(
                    where,
                    f"{subject} heeft subtype {subtype!r}; alleen datumvelden "
                    "(subtype 'date') worden ondersteund, tijd en datum-met-tijd nog niet.",
                )
            if c.get("disallowPassedDates"):
                self.problems.add(
                    where,
                    f"{subject} gebruikt 'geen datums in het verleden' "
                    "(disallowPassedDates); dat wordt niet ondersteund.",
                )

        if len(self.problems.items) > problems_before:
            # Still register the key so duplicate detection keeps working.
            if key and _KEY_RE.fullmatch(key):
                self.fields.append(FormField(key=key, type=ftype, label=label, id=cid))
            return

        ff = FormField(
            key=key,
            type=ftype,
            label=label,
            description=description,
            required=required,
            default=default,
            readonly=readonly,
            disabled=disabled,
            id=cid,
            **kwargs,
        )
        _check_default(ff, where, subject, self.problems)
        self.fields.append(ff)

    def options(self, values: Any, where: str, subject: str) -> list[Option]:
        if not isinstance(values, list):
            self.problems.add(where, f"{subject} heeft geen keuzemogelijkheden (values).")
            return []
        result: list[Option] = []
        for index, item in enumerate(values):
            if not isinstance(item, dict):
                self.problems.add(
                    where, f"{subject}: keuze {index + 1} is geen object met label en value."
                )
                continue
            value = item.get("value")
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.problems.add(
                    where, f"{subject}: keuze {index + 1} heeft geen geldige waarde (value)."
                )
                continue
            label = self.literal(
                item.get("label", value), where, subject, f"het label van keuze {index + 1}"
            )
            result.append(Option(value=str(value), label=label or str(value)))
        _check_options(result, where, subject, self.problems)
        return result


def parse_formjs(source: str | bytes) -> FormDefinition:
    """Parse a form-js ("Camunda Forms") JSON document.

    Raises :class:`FormDefinitionError` listing *all* problems found.
    """
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
                    f"Het formulier is geen geldige JSON (regel {exc.lineno}, "
                    f"kolom {exc.colno}): {exc.msg}.",
                )
            ]
        ) from None
    if not isinstance(document, dict):
        raise FormDefinitionError([("formulier", "Het formulier moet een JSON-object zijn.")])

    parser = _FormJsParser()
    form_id = document.get("id")
    if not isinstance(form_id, str) or not form_id.strip():
        parser.problems.add(
            "formulier", "Het formulier heeft geen id; dat is nodig voor camunda:formRef."
        )
        form_id = ""
    form_type = document.get("type", "default")
    if form_type != "default":
        parser.problems.add(
            form_id or "formulier", f"Onbekend formuliertype {form_type!r}; verwacht 'default'."
        )
    if "components" not in document:
        parser.problems.add(form_id or "formulier", "Het formulier heeft geen 'components'.")
    else:
        parser.parse_components(document["components"], form_id or "formulier")
    _check_unique_keys(parser.fields, parser.problems)
    if parser.problems.items:
        raise FormDefinitionError(parser.problems.items, form_id=form_id)
    return FormDefinition(id=form_id, fields=tuple(parser.fields))


# --------------------------------------------------------------------------
# camunda:formData
# --------------------------------------------------------------------------

_TRUE = {"true", "1", "yes", "ja", "on"}
_FALSE = {"false", "0", "no", "nee", "off", ""}


def _prop_true(properties: Mapping[str, Any], name: str) -> bool:
    value = properties.get(name)
    return str(value).strip().lower() in _TRUE if value is not None else False


def from_camunda_form_data(form_id: str, fields: list[dict]) -> FormDefinition:
    """Translate inline ``camunda:formData`` fields (as delivered by the BPMN parser).

    Raises :class:`FormDefinitionError` listing *all* problems found.
    """
    problems = _Problems()
    result: list[FormField] = []
    for index, spec in enumerate(fields):
        if not isinstance(spec, Mapping):
            problems.add(f"veld {index + 1}", f"Veld {index + 1} is geen object.")
            continue
        key = str(spec.get("id") or "")
        ctype = str(spec.get("type") or "")
        where = key or f"veld {index + 1}"
        subject = f"Veld {key!r} (type {ctype!r})" if key else f"Veld {index + 1}"
        before = len(problems.items)
        if not key:
            problems.add(where, f"{subject} heeft geen id.")
        else:
            _check_key(key, where, subject, problems)
        label = str(spec.get("label") or key)
        properties = spec.get("properties") or {}
        if not isinstance(properties, Mapping):
            properties = {}
        description = str(properties.get("description") or "")
        raw_default = spec.get("default_value")
        default: Any = None if raw_default in (None, "") else raw_default

        kwargs: dict[str, Any] = {}
        required = readonly = False
        for entry in spec.get("validation") or ():
            try:
                name, config = entry
            except (TypeError, ValueError):
                problems.add(where, f"{subject}: ongeldige validatieregel {entry!r}.")
                continue
            name = str(name).lower()
            if name == "required":
                required = True
            elif name == "readonly":
                readonly = True
            elif name in {"minlength", "maxlength"}:
                try:
                    count = int(str(config).strip())
                    if count < 0:
                        raise ValueError
                except ValueError:
                    problems.add(
                        where,
                        f"{subject}: {name} moet een geheel getal van 0 of meer zijn, "
                        f"niet {config!r}.",
                    )
                    continue
                kwargs["min_length" if name == "minlength" else "max_length"] = count
            elif name in {"min", "max"}:
                try:
                    kwargs[name] = float(str(config).strip())
                except ValueError:
                    problems.add(where, f"{subject}: {name} moet een getal zijn, niet {config!r}.")
            else:
                problems.add(where, f"{subject}: validatieregel {name!r} wordt niet ondersteund.")

        ftype: str
        if ctype == "string":
            ftype = "textarea" if _prop_true(properties, "textarea") else "textfield"
            pattern = properties.get("pattern")
            if pattern:
                kwargs["pattern"] = _compile_pattern(str(pattern), where, subject, problems)
        elif ctype == "long":
            ftype = "number"
            kwargs["decimal_digits"] = 0
            if default is not None:
                try:
                    default = int(str(default).strip())
                except ValueError:
                    problems.add(
                        where, f"{subject}: standaardwaarde {raw_default!r} is geen geheel getal."
                    )
                    default = None
        elif ctype == "boolean":
            ftype = "checkbox"
            if default is not None and not isinstance(default, bool):
                text = str(default).strip().lower()
                if text in _TRUE:
                    default = True
                elif text in _FALSE:
                    default = False
                else:
                    problems.add(
                        where, f"{subject}: standaardwaarde {raw_default!r} is geen true of false."
                    )
                    default = None
        elif ctype == "date":
            ftype = "date"
        elif ctype == "enum":
            ftype = "radio" if _prop_true(properties, "radio") else "select"
            options = []
            for entry in spec.get("options") or ():
                try:
                    value, option_label = entry
                except (TypeError, ValueError):
                    problems.add(where, f"{subject}: ongeldige keuze {entry!r}.")
                    continue
                options.append(
                    Option(
                        value=str(value),
                        label=str(option_label if option_label is not None else value),
                    )
                )
            _check_options(options, where, subject, problems)
            kwargs["options"] = tuple(options)
        else:
            problems.add(
                where,
                f"{subject}: type {ctype!r} wordt niet ondersteund; "
                "gebruik string, long, boolean, date of enum.",
            )
            continue

        if ("min" in kwargs or "max" in kwargs) and ftype != "number":
            problems.add(where, f"{subject}: min/max kan alleen bij getallen (long).")
        if ("min_length" in kwargs or "max_length" in kwargs) and ftype not in {
            "textfield",
            "textarea",
        }:
            problems.add(where, f"{subject}: minlength/maxlength kan alleen bij tekst (string).")
        if len(problems.items) > before:
            if key and _KEY_RE.fullmatch(key):
                result.append(FormField(key=key, type=ftype, label=label, id=key))
            continue
        ff = FormField(
            key=key,
            type=ftype,
            label=label,
            description=description,
            required=required,
            readonly=readonly,
            default=default,
            id=key,
            **kwargs,
        )
        _check_default(ff, where, subject, problems)
        result.append(ff)
    _check_unique_keys(result, problems)
    if problems.items:
        raise FormDefinitionError(problems.items, form_id=form_id)
    return FormDefinition(id=form_id, fields=tuple(result))
