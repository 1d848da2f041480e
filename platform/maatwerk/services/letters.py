"""Letters as PDF: an HTML + CSS template, filled in a sandbox (Jinja2's immutable
sandbox, with every value escaped, so a template can't run code or change data), and
printed by WeasyPrint. The printer fetches nothing from the network or the disk: only
`data:` URIs (an embedded logo) are allowed.

A process may bring its own decision letter, `brief-besluit.html` (and
`brief-besluit.en.html` in English), uploaded with the model; without one it gets the
default in letter_templates/. A template gets the values of `decision_values`, in the same
Dutch words as the message texts (mail_templates.py); the upload refuses a letter that
leaves out what the Awb asks of it: the decision, its reasons and the objection date.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from importlib.resources import files
from typing import Any

from jinja2 import TemplateError

from ..domain.dutch_dates import long_date
from ..domain.letter import DEFAULT_AUTHORITY, OBJECTION_HOW_TEXT, DecisionLetter
from ..domain.process_model import ModelProblem
from ..engine import sandbox_pool
from ..engine.sandbox_errors import SandboxError
from . import sandboxed_templates

PDF = "application/pdf"
KIND = "letter"  # ModelFile.kind of a designer's letter
_NAME = re.compile(r"^brief-besluit(\.en)?\.html$")
#: what the upload checks a designer's letter shows (art. 3:45, 3:46 Awb)
_REQUIRED = {"besluit": "the decision", "redenen": "the reasons (art. 3:46 Awb)",
             "bezwaar_tot": "the last day to object (art. 3:45, 6:7 Awb)"}

log = logging.getLogger(__name__)


def is_letter_file(filename: str) -> bool:
    return filename.lower().startswith("brief-") and filename.lower().endswith(".html")


def default_template(name: str) -> str:
    return files("maatwerk.services").joinpath(f"letter_templates/{name}.html").read_text(
        encoding="utf-8")


def render_html(template: str, values: dict[str, Any]) -> str:
    return sandboxed_templates.render(template, values, html=True)


class PrintProblem(Exception):
    """A letter that could not be printed (in time); the message says why."""


PRINTER = "maatwerk.services.letter_printer"
PRINTER_MEMORY_MB = 1024
PRINT_SECONDS = 15.0


def pdf(html: str) -> bytes:
    """The HTML printed as PDF (A4, as its CSS says), in a printing process that the
    operating system bounds (letter_printer.py): a designer's letter of 100,000 paragraphs
    takes minutes to print and must not hold a web worker that long."""
    if sandbox_pool.inline():
        return print_here(html)
    try:
        kind, value, _ = sandbox_pool.ask("pdf", html, {}, PRINT_SECONDS, PRINTER,
                                          PRINTER_MEMORY_MB)
    except SandboxError as exc:
        raise PrintProblem(str(exc)) from None
    if kind != "ok" or not isinstance(value, bytes):
        raise PrintProblem(f"The letter could not be printed: {value}")
    return value


def preload() -> None:
    """Load WeasyPrint (and Pango) now, for a printing process before it is bounded."""
    import weasyprint  # noqa: F401


def print_here(html: str) -> bytes:
    """`pdf` in this process (the printing process runs it)."""
    from weasyprint import HTML  # loads Pango: only where a letter is printed
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"]))
    return bytes(document.write_pdf())


def decision_values(letter: DecisionLetter, data: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    """What a decision letter's template gets: texts, and lists of paragraphs."""
    return {
        "zaaknummer": letter.reference, "datum": long_date(letter.date),
        "naam": letter.resident_name, "proces": letter.subject,
        "aangevraagd_op": long_date(letter.applied_on), "aanvraag": letter.request,
        "besluit": _paragraphs(letter.decision), "redenen": _paragraphs(letter.reasons),
        "bedrag": letter.amount_text,
        "voorwaarden": _paragraphs(letter.conditions) if letter.conditions else [],
        "ondertekening": letter.signed_by, "bezwaar_naar": letter.objection_to,
        "bezwaar_hoe": letter.objection_how,
        "bezwaar_tot": long_date(letter.objection_until), "gegevens": dict(data or {})}


def decision_pdf(letter: DecisionLetter, data: dict[str, Any] | None = None,
                 template: str | None = None) -> bytes:
    """The letter printed from the process's template, or from the default: also when the
    process's template fails on this case's data (it ran too long, 1 / 0, ...), so that
    the resident gets the decision all the same."""
    values = decision_values(letter, data)
    if template is not None:
        try:
            return pdf(render_html(template, values))
        except (TemplateError, PrintProblem) as exc:
            log.warning("case %s: the process's letter cannot be filled in (%s); the "
                        "standard letter is printed", letter.reference, exc)
    return pdf(render_html(default_template("besluit"), values))


def message_pdf(subject: str, text: str, reference: str, date: datetime,
                language: str = "nl") -> bytes:
    """A message to the resident printed as a letter (a receipt to keep or hand over)."""
    return pdf(render_html(default_template("bericht"), {
        "onderwerp": subject, "tekst": text.strip(), "zaaknummer": reference,
        "datum": long_date(date), "taal": language}))


def sample_letter(now: datetime) -> DecisionLetter:
    """A letter with example values, for checking and previewing a template."""
    return DecisionLetter(
        "2026-000123", now, "J. Jansen", "Voorbeeldproces", now - timedelta(weeks=3),
        "‹wat de inwoner vroeg›", "‹wat wij besloten›", "‹waarom wij zo besloten›",
        Decimal("650"), "‹wat de inwoner moet doen›", DEFAULT_AUTHORITY,
        "het college van burgemeester en wethouders", OBJECTION_HOW_TEXT)


def check(uploaded: Iterable[tuple[str, bytes]], form_keys: set[str], now: datetime
          ) -> tuple[list[ModelProblem], list[tuple[str, str, str, str]]]:
    """The problems of the uploaded letters (each filled in and printed with example
    values), and the letters to store (name, kind, text, sha)."""
    problems: list[ModelProblem] = []
    stored: list[tuple[str, str, str, str]] = []
    values = decision_values(sample_letter(now), {key: f"‹{key}›" for key in form_keys})
    for name, content in uploaded:
        problem = _problem(name, content, values)
        if problem:
            problems.append(ModelProblem(name, None, problem))
        else:
            stored.append((name, KIND, content.decode("utf-8-sig"),
                           hashlib.sha256(content).hexdigest()))
    return problems, stored


def _problem(name: str, content: bytes, values: dict[str, Any]) -> str | None:
    if _NAME.match(name) is None:
        return "a letter is named brief-besluit.html (or brief-besluit.en.html in English)"
    try:
        html = render_html(content.decode("utf-8-sig"), values)
    except UnicodeDecodeError:
        return "the file is not UTF-8 text"
    except TemplateError as exc:
        return sandboxed_templates.problem(exc, values, "letter")
    missing = [what for key, what in _REQUIRED.items()
               if not all(part in html for part in _texts_of(values[key]))]
    if missing:
        return f"the letter must show {', '.join(missing)}"
    try:
        pdf(html)  # a template that prints
    except PrintProblem as exc:
        return str(exc)
    return None


def _texts_of(value: Any) -> list[str]:
    return [str(part) for part in value] if isinstance(value, list) else [str(value)]


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
