"""Letters as PDF: an HTML + CSS template, filled in a sandbox (Jinja2's immutable
sandbox, with every value escaped, so a template can't run code or change data), and
printed by WeasyPrint. The printer fetches nothing from the network or the disk: only
`data:` URIs (an embedded logo) are allowed.

The default templates are in letter_templates/; they get the letter's values as plain
text (lists of paragraphs where a text may have several).
"""
from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..domain.dutch_dates import long_date
from ..domain.letter import DecisionLetter

PDF = "application/pdf"


@cache
def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def default_template(name: str) -> str:
    return files("maatwerk.services").joinpath(f"letter_templates/{name}.html").read_text(
        encoding="utf-8")


def render_html(template: str, values: dict[str, Any]) -> str:
    return _environment().from_string(template).render(values)


def pdf(html: str) -> bytes:
    """The HTML printed as PDF (A4, as its CSS says)."""
    from weasyprint import HTML  # loads Pango: only where a letter is printed
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=["data"]))
    return bytes(document.write_pdf())


def decision_values(letter: DecisionLetter) -> dict[str, Any]:
    """What a decision letter's template gets."""
    return {
        "reference": letter.reference, "date": long_date(letter.date),
        "name": letter.resident_name, "subject": letter.subject,
        "applied_on": long_date(letter.applied_on), "request": letter.request,
        "decision": _paragraphs(letter.decision), "reasons": _paragraphs(letter.reasons),
        "amount": letter.amount_text,
        "conditions": _paragraphs(letter.conditions) if letter.conditions else [],
        "signed_by": letter.signed_by, "objection_to": letter.objection_to,
        "objection_how": letter.objection_how,
        "objection_until": long_date(letter.objection_until)}


def decision_pdf(letter: DecisionLetter) -> bytes:
    return pdf(render_html(default_template("besluit"), decision_values(letter)))


def _paragraphs(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\r\n", "\n").split("\n\n") if part.strip()]
