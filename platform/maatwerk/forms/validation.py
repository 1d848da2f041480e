"""Validation of submitted form values: the single place that decides what is valid.

:func:`clean_value` encodes every rule (required, type, length, pattern,
e-mail, phone, number range and decimals, allowed options, dates).  It is used
directly by :func:`validate_submission` (JSON API) and, through one WTForms
validator, by :mod:`maatwerk.web.form_classes` (HTML forms), so both paths always
agree.

Empty-value rule
----------------
A value is *empty* when it is missing, ``None``, a string containing only
whitespace, or an empty list.  An empty optional field is cleaned to the
"zero value" of its type where a natural one exists and to ``None`` otherwise:

========================  ==========
textfield, textarea       ``""``
number, date              ``None``
radio, select             ``None``
checkbox                  ``False``
checklist                 ``[]``
filepicker                ``None`` (``[]`` when it takes several files)
========================  ==========

Every editable input field is therefore always present in the clean data
(gateway expressions can rely on the variable existing).  ``readonly`` and
``disabled`` fields are never taken from a submission and are left out of the
clean data, so whatever value is already stored stays untouched.  Defaults are
only used to pre-fill forms; they are not applied to missing values.  A
required checkbox must be ticked (``False`` counts as empty, as in form-js).

Cleaned types: textfield/textarea/radio/select → ``str`` (stripped; textarea
line endings normalised to ``\\n``), number → ``int`` when the value has no
fractional part, else ``float``, checkbox → ``bool``, checklist → ``list[str]``
of option values in option order, date → ISO ``"YYYY-MM-DD"`` string,
filepicker → a :class:`~maatwerk.domain.documents.CheckedFile` (a list of them when the
field takes several files). A file arrives as an
:class:`~maatwerk.domain.documents.Upload` (HTML forms) or, in JSON, as an object
``{"filename": "rekening.pdf", "content_base64": "JVBERi0..."}``; its content decides
whether we take it (see :mod:`maatwerk.domain.documents`). The clean files are never
stored as data: the documents service stores them and puts a reference in their place.

This module must not import Flask.
"""

from __future__ import annotations

import binascii
import datetime as dt
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email

from maatwerk.domain.documents import (
    MAX_FILE_BYTES,
    MAX_FILES_PER_SUBMISSION,
    MAX_SUBMISSION_BYTES,
    CheckedFile,
    FileRefused,
    Upload,
    check,
    size_text,
    too_large,
)
from maatwerk.forms import patterns
from maatwerk.forms.conditions import shown_keys
from maatwerk.forms.model import FormDefinition, FormField

__all__ = [
    "MESSAGES",
    "PHONE_PATTERN",
    "clean_value",
    "empty_value",
    "files_of",
    "format_number",
    "hidden_values",
    "is_empty",
    "parse_date",
    "parse_number",
    "submission_file_errors",
    "validate_submission",
]

MESSAGES: dict[str, str] = {
    "required": "Dit veld is verplicht.",
    "required_checkbox": "Vink dit aan om verder te gaan.",
    "not_text": "Vul tekst in.",
    "min_length": "Vul minimaal {n} tekens in.",
    "min_length_1": "Vul minimaal 1 teken in.",
    "max_length": "Vul maximaal {n} tekens in.",
    "max_length_1": "Vul maximaal 1 teken in.",
    "pattern": "De invoer heeft niet de juiste vorm.",
    "email": "Vul een geldig e-mailadres in, bijvoorbeeld naam@voorbeeld.nl.",
    "phone": "Vul een geldig telefoonnummer in, bijvoorbeeld 06 12345678.",
    "number": "Vul een getal in, bijvoorbeeld 12 of 12,50.",
    "integer": "Vul een geheel getal in, zonder cijfers achter de komma.",
    "decimals": "Gebruik maximaal {n} cijfers achter de komma.",
    "decimals_1": "Gebruik maximaal 1 cijfer achter de komma.",
    "min": "De waarde moet minimaal {min} zijn.",
    "max": "De waarde mag maximaal {max} zijn.",
    "checkbox": "Ongeldige waarde: verwacht aangevinkt (true) of niet aangevinkt (false).",
    "choice": "Kies een van de mogelijkheden.",
    "choices": "Kies alleen uit de gegeven mogelijkheden.",
    "date": "Vul een geldige datum in, bijvoorbeeld 31-12-2025.",
    "file_required": "Kies een bestand om mee te sturen.",
    "file_one": "Kies één bestand.",
    "file_shape": "Stuur een bestand als object met 'filename' en 'content_base64'.",
    "file_base64": "De inhoud van het bestand ('content_base64') is geen geldige base64.",
    "files_count": f"Stuur maximaal {MAX_FILES_PER_SUBMISSION} bestanden tegelijk.",
    "files_total": f"Alle bestanden samen zijn groter dan {size_text(MAX_SUBMISSION_BYTES)}. "
                   "Stuur minder of kleinere bestanden.",
    "file_again": "Kies het bestand opnieuw: na een fout in het formulier onthouden wij gekozen "
                  "bestanden niet (u had {names} gekozen).",
}

#: Permissive phone number check: 6 to 15 digits, optionally a leading ``+``,
#: with spaces, dashes, dots and parentheses allowed as separators.
PHONE_PATTERN = re.compile(r"(?=(?:\D*\d){6,15}\D*$)\+?[\d\s().\-]{6,30}")

_MAX_NUMBER_INPUT = 64  # characters; longer "numbers" are refused outright


# --------------------------------------------------------------------------
# Parsing helpers (also used by the WTForms fields for display/processing)
# --------------------------------------------------------------------------

_INT_RE = re.compile(r"[+-]?\d+")
_DECIMAL_RE = re.compile(r"[+-]?\d*[.,]\d+")


def parse_number(value: Any) -> Decimal:
    """Parse a JSON number or a (Dutch) number string into a finite Decimal.

    Accepted strings: ``12``, ``-3``, ``12,50`` and ``12.50`` (a single ``,``
    or ``.`` is always the decimal separator), and grouped thousands such as
    ``1.234.567``, ``1.234,56`` or ``1,234.56``.  Spaces are ignored.
    Raises ``ValueError`` for anything else (including booleans, NaN and
    infinity).
    """
    if isinstance(value, bool):
        raise ValueError("boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("not a finite number")
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("not a finite number")
        return value
    if not isinstance(value, str):
        raise ValueError("not a number")
    text = re.sub(r"[\s\u00a0\u202f]", "", value).replace("\u2212", "-")
    if not text or len(text) > _MAX_NUMBER_INPUT:
        raise ValueError("not a number")
    if _INT_RE.fullmatch(text) or _DECIMAL_RE.fullmatch(text):
        return _decimal(text.replace(",", "."))
    if "," in text and "." in text:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
        group_sep = "." if decimal_sep == "," else ","
        grouped = re.compile(rf"[+-]?\d{{1,3}}(?:\{group_sep}\d{{3}})+\{decimal_sep}\d+")
        if grouped.fullmatch(text):
            return _decimal(text.replace(group_sep, "").replace(decimal_sep, "."))
    else:
        for group_sep in (".", ","):
            if re.fullmatch(rf"[+-]?\d{{1,3}}(?:\{group_sep}\d{{3}}){{2,}}", text):
                return _decimal(text.replace(group_sep, ""))
    raise ValueError("not a number")


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regexes
        raise ValueError("not a number") from exc


def _decimal_places(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _to_python_number(number: Decimal) -> int | float:
    if number == number.to_integral_value():
        return int(number)
    return float(number)


def format_number(value: int | float | Decimal) -> str:
    """Format a number the Dutch way for messages and inputs (``12,5``, ``-3``)."""
    number = value if isinstance(value, Decimal) else parse_number(value)
    if number == number.to_integral_value():
        return str(int(number))
    text = format(number.normalize(), "f")
    return text.replace(".", ",")


_ISO_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NL_DATE_RE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")


def parse_date(value: Any) -> dt.date:
    """Parse ``YYYY-MM-DD`` (ISO, as sent by ``<input type=date>``) or a date
    typed by hand as ``dd-mm-yyyy`` (also with ``/`` or ``.``).

    ``datetime.date`` objects are accepted as they are (a ``datetime`` is
    reduced to its date).  Raises ``ValueError`` otherwise.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("not a date")
    text = value.strip()
    match = _ISO_DATE_RE.fullmatch(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _NL_DATE_RE.fullmatch(text)
        if not match:
            raise ValueError("not a date")
        day, month, year = (int(g) for g in match.groups())
    return dt.date(year, month, day)  # raises ValueError for 31-02-2025 etc.


# --------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------


def is_empty(value: Any) -> bool:
    """Missing, ``None``, whitespace-only string or empty list/tuple."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return len(value) == 0
    return False


def hidden_values(definition: FormDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The editable fields not shown with these answers, each with the value it holds while
    hidden (conditions.py)."""
    if not definition.has_conditions:
        return {}
    shown = shown_keys(definition, answers)
    return {f.key: f.value_when_hidden() for f in definition.input_fields()
            if f.editable and f.key not in shown}


def empty_value(field: FormField) -> Any:
    """The clean value of an empty optional field (see the module docstring)."""
    return field.empty_value()


def _count_message(key: str, n: int) -> str:
    return MESSAGES[f"{key}_1"] if n == 1 else MESSAGES[key].format(n=n)


def clean_value(field: FormField, value: Any) -> tuple[Any, str | None]:
    """Validate and type one submitted value.

    Returns ``(clean value, None)`` or ``(None, Dutch error message)``.  Never
    raises for bad input; the value may come from JSON (any type) or from an
    HTML form (strings, lists of strings, booleans).
    """
    if field.type == "checkbox":
        if value is None:
            value = False
        if not isinstance(value, bool):
            return None, MESSAGES["checkbox"]
        if field.required and not value:
            return None, MESSAGES["required_checkbox"]
        return value, None

    if is_empty(value):
        if field.required:
            return None, MESSAGES["file_required" if field.type == "filepicker" else "required"]
        return empty_value(field), None

    if field.type == "filepicker":
        return _clean_files(field, value)

    if field.type in {"textfield", "textarea"}:
        return _clean_text(field, value)
    if field.type == "number":
        return _clean_number(field, value)
    if field.type in {"radio", "select"}:
        if not isinstance(value, str):
            return None, MESSAGES["choice"]
        values = field.option_values()
        if value in values:
            return value, None
        if value.strip() in values:
            return value.strip(), None
        return None, MESSAGES["choice"]
    if field.type == "checklist":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return None, MESSAGES["choices"]
        chosen = set(value)
        if not chosen <= set(field.option_values()):
            return None, MESSAGES["choices"]
        return [v for v in field.option_values() if v in chosen], None
    if field.type == "date":
        try:
            return parse_date(value).isoformat(), None
        except ValueError:
            return None, MESSAGES["date"]
    raise ValueError(f"field {field.key!r} of type {field.type!r} takes no input")


def _clean_text(field: FormField, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, MESSAGES["not_text"]
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if field.min_length is not None and len(text) < field.min_length:
        return None, _count_message("min_length", field.min_length)
    if field.max_length is not None and len(text) > field.max_length:
        return None, _count_message("max_length", field.max_length)
    if field.validation_type == "email":
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            return None, MESSAGES["email"]
    elif field.validation_type == "phone" and not PHONE_PATTERN.fullmatch(text):
        return None, MESSAGES["phone"]
    if field.pattern and not patterns.full_match(field.pattern, text):
        return None, MESSAGES["pattern"]
    return text, None


def _clean_files(field: FormField, value: Any) -> tuple[Any, str | None]:
    items = list(value) if isinstance(value, list | tuple) else [value]
    if not field.multiple and len(items) > 1:
        return None, MESSAGES["file_one"]
    files: list[CheckedFile] = []
    for item in items:
        upload = item if isinstance(item, Upload) else _json_upload(item)
        if isinstance(upload, str):
            return None, upload
        try:
            files.append(check(upload, field.accept))
        except FileRefused as refused:
            return None, str(refused)
    if len(files) > MAX_FILES_PER_SUBMISSION:
        return None, MESSAGES["files_count"]
    return (files if field.multiple else files[0]), None


def _json_upload(item: Any) -> Upload | str:
    """A file sent in JSON, or the message saying what is wrong with it."""
    if not isinstance(item, Mapping) or not isinstance(item.get("filename"), str) \
            or not isinstance(item.get("content_base64"), str):
        return MESSAGES["file_shape"]
    text = "".join(item["content_base64"].split())  # line breaks are allowed
    if len(text) > (MAX_FILE_BYTES + 3) * 4 // 3 + 4:  # too big to be worth decoding
        return too_large(item["filename"])
    try:
        content = binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        return MESSAGES["file_base64"]
    return Upload(item["filename"], content)


def files_of(value: Any) -> list[CheckedFile]:
    """The clean files of a filepicker value (none, one or a list)."""
    if isinstance(value, CheckedFile):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, CheckedFile)]
    return []


def submission_file_errors(definition: FormDefinition, clean: Mapping[str, Any]
                           ) -> dict[str, str]:
    """Limits on all files of one submission together, named at the field that crossed them."""
    total = count = 0
    for field in definition.input_fields():
        if field.type != "filepicker" or field.key not in clean:
            continue
        files = files_of(clean[field.key])
        total += sum(f.size for f in files)
        count += len(files)
        if count > MAX_FILES_PER_SUBMISSION:
            return {field.key: MESSAGES["files_count"]}
        if total > MAX_SUBMISSION_BYTES:
            return {field.key: MESSAGES["files_total"]}
    return {}


def _clean_number(field: FormField, value: Any) -> tuple[Any, str | None]:
    try:
        number = parse_number(value)
    except ValueError:
        return None, MESSAGES["number"]
    places = _decimal_places(number)
    if field.decimal_digits is not None and places > field.decimal_digits:
        if field.decimal_digits == 0:
            return None, MESSAGES["integer"]
        return None, _count_message("decimals", field.decimal_digits)
    if field.min is not None and number < parse_number(field.min):
        return None, MESSAGES["min"].format(min=format_number(field.min))
    if field.max is not None and number > parse_number(field.max):
        return None, MESSAGES["max"].format(max=format_number(field.max))
    return _to_python_number(number), None


def validate_submission(
    definition: FormDefinition, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Validate a JSON submission against ``definition``.

    Returns ``(clean data, errors)``; ``errors`` maps field keys to a Dutch
    message and is empty when the submission is valid.  Keys in ``raw`` that
    are not editable fields of the form are ignored (never stored).  Wrong
    JSON types produce an error on that field, never an exception.  See the
    module docstring for the empty-value rule and the cleaned types.  A field
    shown only on a condition that the answers do not meet holds its hidden
    value, whatever was sent for it (conditions.py).
    """
    if not isinstance(raw, Mapping):
        raise TypeError("raw submission must be a mapping (a JSON object)")
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    answers: dict[str, Any] = {}
    for field in definition.input_fields():
        if not field.editable:
            continue
        value, error = clean_value(field, raw.get(field.key))
        if error is not None:
            errors[field.key] = error
            answers[field.key] = raw.get(field.key)
        else:
            clean[field.key] = answers[field.key] = value
    for key, value in hidden_values(definition, answers).items():
        clean[key] = value  # not shown: not taken from the submission, and not wrong
        errors.pop(key, None)
    for key, error in submission_file_errors(definition, clean).items():
        errors[key] = error
        del clean[key]
    return clean, errors
