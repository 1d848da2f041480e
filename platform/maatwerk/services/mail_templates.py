"""The designer's own texts for the messages of a process, uploaded with the model: one
file per occasion, `bericht-<occasion>.txt` in Dutch and `bericht-<occasion>.en.txt` in
English, filled in Jinja2's sandbox (a template can't run code or change data). A process
without a text for an occasion sends the platform's default.

A text starts with its subject line (`Onderwerp: ...`, or `Subject: ...` in English), then
an empty line, then the message. It gets the variables of VARIABLES; the case's data is
`gegevens` (`{{ gegevens.kosten_omschrijving }}`). The upload fills each text in with
example values and refuses one that can't be filled in, names a variable there is not,
or leaves out the resident's link (`{{ link }}`).
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jinja2 import TemplateError
from sqlalchemy import select

from ..domain.dutch_dates import long_date
from ..domain.process_model import ModelProblem
from ..forms.model import FormDefinition
from ..persistence.models import Case, ModelFile, ProcessModel
from ..persistence.uow import UnitOfWork
from . import mail_text, sandboxed_templates
from .outbox import Mail

log = logging.getLogger(__name__)

KIND = "message"  # ModelFile.kind
LETTER = "letter"  # ModelFile.kind of a designer's letter (letters.py)
COMMON = ("naam", "zaaknummer", "proces", "link", "gegevens", "beslisdatum")
#: per occasion (the file name's part), the outbox kind it is for and what it gets
OCCASIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ontvangstbevestiging": ("receipt", ("ontvangen_op", "samenvatting")),
    "verzoek": ("request", ("taak", "gevraagd", "uiterlijk")),
    "herinnering": ("reminder", ("taak", "gevraagd", "uiterlijk")),
    "besluit": ("decision", ("besluit", "bedrag", "bezwaar_tot")),
    "verlenging": ("extension", ("nieuwe_datum", "oude_datum", "reden")),
    "maatwerk": ("deviation", ("tekst",)),
    "antwoord": ("answer", ("tekst",)),
}
BY_KIND = {kind: occasion for occasion, (kind, _) in OCCASIONS.items()}
_NAME = re.compile(r"^bericht-([a-z]+)(\.en)?\.txt$")
_SUBJECT = re.compile(r"^(Onderwerp|Subject):[ \t]*(.+?)\s*$")
SAMPLE_LINK = "https://gemeente.example/status/voorbeeld"
_MAX_SUBJECT = 300


def is_message_file(filename: str) -> bool:
    return filename.lower().startswith("bericht-") and filename.lower().endswith(".txt")


@dataclass(frozen=True)
class Preview:
    occasion: str
    language: str
    subject: str
    text: str


def check(files: Iterable[tuple[str, bytes]], form_keys: set[str]
          ) -> tuple[list[ModelProblem], list[tuple[str, str, str, str]]]:
    """The problems of the uploaded texts, and the texts to store (name, kind, text, sha)."""
    problems: list[ModelProblem] = []
    stored: list[tuple[str, str, str, str]] = []
    for name, content in files:
        found = _NAME.match(name)
        if found is None or found.group(1) not in OCCASIONS:
            problems.append(ModelProblem(name, None, (
                "a message text is named bericht-<occasion>.txt (or .en.txt for English), "
                f"with occasion one of: {', '.join(OCCASIONS)}")))
            continue
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(ModelProblem(name, None, "the file is not UTF-8 text"))
            continue
        try:
            _fill(text, sample(found.group(1), form_keys), strict=True)
        except TemplateProblem as exc:
            problems.append(ModelProblem(name, None, str(exc)))
            continue
        stored.append((name, KIND, text, hashlib.sha256(content).hexdigest()))
    return problems, stored


class TemplateProblem(ValueError):
    """A text that can't be used; the message says where and why."""


def values(model: ProcessModel, case: Case, link: str, data: dict[str, Any] | None = None,
           **extra: str) -> dict[str, Any]:
    """What every text gets, and an occasion's own values."""
    return {"naam": case.resident_name or "", "zaaknummer": case.reference,
            "proces": model.name, "link": link,
            "gegevens": dict(data if data is not None else case.data or {}),
            "beslisdatum": long_date(case.due_at) if case.due_at else "", **extra}


def designed(uow: UnitOfWork, case: Case, kind: str, values: dict[str, Any]) -> Mail | None:
    """The designer's message for this occasion of the case's process (in English when the
    resident applied in English and the process has the English text), or None when the
    process has no text of its own for it."""
    occasion = BY_KIND.get(kind)
    texts = _texts(uow, case.process_model)
    if occasion is None or not texts:
        return None
    english = texts.get(f"bericht-{occasion}.en.txt") if case.language == "en" else None
    text = english or texts.get(f"bericht-{occasion}.txt")
    if text is None:
        return None
    try:
        subject, body = _fill(text, values, strict=False)
    except TemplateProblem as exc:
        # the text fails on this case's data (it ran too long, 1 / 0, ...): the resident
        # gets the standard text rather than nothing, and the step goes on
        log.warning("case %s: the process's text for '%s' cannot be filled in (%s); the "
                    "standard text is sent", case.reference, occasion, exc)
        return None
    return mail_text.from_text(subject, body, str(values.get("link", "")),
                               "en" if english else "nl")


def designer_file(uow: UnitOfWork, model: ProcessModel, names: Iterable[str]) -> str | None:
    """The first of these designer's files (texts, letters) the model has."""
    texts = _texts(uow, model)
    return next((texts[name] for name in names if name in texts), None)


def previews(uow: UnitOfWork, model: ProcessModel) -> list[Preview]:
    """Each text of the process filled in with example values, for the designer."""
    keys = form_keys(model.forms or {})
    shown = []
    for name, text in sorted(_texts(uow, model).items()):
        found = _NAME.match(name)
        if found is None:
            continue
        subject, body = _fill(text, sample(found.group(1), keys), strict=False)
        shown.append(Preview(found.group(1), "en" if found.group(2) else "nl", subject, body))
    return shown


def sample(occasion: str, form_keys: set[str]) -> dict[str, Any]:
    """Example values, for checking and previewing a text."""
    values: dict[str, Any] = {
        "naam": "J. Jansen", "zaaknummer": "2026-000123", "proces": "Voorbeeldproces",
        "link": SAMPLE_LINK, "beslisdatum": "1 februari 2027",
        "gegevens": {key: f"‹{key}›" for key in sorted(form_keys)},
        "ontvangen_op": "7 december 2026, 10:15",
        "samenvatting": "- Naam: J. Jansen\n- Bedrag: 650", "taak": "Gegevens aanvullen",
        "gevraagd": "Stuur uw bankafschrift van oktober.", "uiterlijk": "21 december 2026",
        "besluit": "Wij geven u bijzondere bijstand.", "bedrag": "€ 650,00",
        "bezwaar_tot": "18 januari 2027", "nieuwe_datum": "1 maart 2027",
        "oude_datum": "1 februari 2027", "reden": "Wij wachten op een advies.",
        "tekst": "Uw aanvraag is in behandeling."}
    allowed = {*COMMON, *OCCASIONS[occasion][1]}
    return {key: value for key, value in values.items() if key in allowed}


def _fill(text: str, values: dict[str, Any], strict: bool) -> tuple[str, str]:
    """The subject and the message of a text filled in; TemplateProblem when it can't be."""
    try:
        filled = sandboxed_templates.render(text, values, html=False, strict=strict)
    except TemplateError as exc:
        raise TemplateProblem(sandboxed_templates.problem(exc, values, "text")) from None
    head, _, body = filled.lstrip("\ufeff").partition("\n")
    found = _SUBJECT.match(head)
    if found is None:
        raise TemplateProblem("the first line is the subject: 'Onderwerp: ...' "
                              "('Subject: ...' in English)")
    if len(found.group(2)) > _MAX_SUBJECT:
        raise TemplateProblem(f"the subject is longer than {_MAX_SUBJECT} characters")
    if strict and str(values.get("link")) not in body:
        raise TemplateProblem("the message must hold the resident's link: {{ link }}")
    return found.group(2), body.strip("\n") + "\n"


_CACHE: dict[tuple[int, str], dict[str, str]] = {}


def _texts(uow: UnitOfWork, model: ProcessModel) -> dict[str, str]:
    """A model version's message texts (a version never changes: kept once read; its
    content hash covers the texts)."""
    key = (model.id, model.content_hash)
    if key not in _CACHE:
        if len(_CACHE) > 500:
            _CACHE.clear()
        rows = uow.session.execute(select(ModelFile.filename, ModelFile.content).where(
            ModelFile.process_model_id == model.id, ModelFile.kind.in_((KIND, LETTER))))
        _CACHE[key] = {row[0]: row[1] for row in rows}
    return _CACHE[key]


def form_keys(forms: dict[str, Any]) -> set[str]:
    """The keys of every input field of a model's forms (what `gegevens` may hold)."""
    return {field.key for form in forms.values()
            for field in FormDefinition.from_dict(form).input_fields()}
