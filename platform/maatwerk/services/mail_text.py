"""The frame every message to a resident shares: the greeting, the private link with its
warning, where to turn with questions, and the closing; as plain text and as HTML."""
from __future__ import annotations

from html import escape

from .outbox import Mail


def compose(subject: str, name: str | None, body: list[str], link_intro: str, link: str,
            after: list[str] | None = None, questions: str | None = None,
            warning: str = "Deel deze link niet met anderen.") -> Mail:
    """`body` (lines; an empty line ends a paragraph, `- ` starts a list item) between the
    greeting and the link; `after` below the link."""
    lines = [f"Beste {name}," if name else "Beste inwoner,", "", *body,
             link_intro, link, warning, "", *(after or [])]
    if questions:
        lines += [questions, ""]
    lines += ["Met vriendelijke groet,", "", "De gemeente"]
    return Mail(subject, "\n".join(lines) + "\n", _html(lines, link))


def from_text(subject: str, text: str, link: str, language: str = "nl") -> Mail:
    """A designer's text as a message: the text as written, and the same as HTML."""
    return Mail(subject, text, _html(text.splitlines(), link, language), language)


def _html(lines: list[str], link: str, language: str = "nl") -> str:
    """The same text as HTML: paragraphs, the link as a link, `- ` lines as a list."""
    parts: list[str] = []
    items: list[str] = []
    for line in [*lines, ""]:
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:])}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if link and line.strip() == link:
            parts.append(f'<p><a href="{escape(link)}">{escape(link)}</a></p>')
        elif line:
            parts.append(f"<p>{escape(line)}</p>")
    return (f'<!DOCTYPE html><html lang="{language}"><head><meta charset="utf-8"></head>'
            "<body>" + "".join(parts) + "</body></html>")
