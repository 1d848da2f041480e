"""Static text of a form: a small, always escaped markdown subset, and HTML read as text.

Text components of form-js forms are written in markdown (``text``) or HTML
(``html``); both are kept as plain markdown-ish text and rendered with
:func:`render_text`, which never passes raw HTML through.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import ClassVar

from markupsafe import Markup, escape

__all__ = ["html_to_text", "render_text"]

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET_RE = re.compile(r"^\s*[-*+]\s+(.*)$")
_BOLD_RE = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*|__(?=\S)(.+?)(?<=\S)__")
_ITALIC_RE = re.compile(r"(?<![*\w])\*(?=\S)([^*]+?)(?<=\S)\*(?![*\w])")


def _inline(text: str) -> Markup:
    """Escape ``text`` and then apply **bold** and *italic* markers."""
    escaped = str(escape(text))
    escaped = _BOLD_RE.sub(lambda m: f"<strong>{m.group(1) or m.group(2)}</strong>", escaped)
    escaped = _ITALIC_RE.sub(lambda m: f"<em>{m.group(1)}</em>", escaped)
    return Markup(escaped)  # noqa: S704 - escaped above; only our own tags added


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
    return Markup("\n".join(blocks))  # noqa: S704 - blocks are built from escaped text


class _HTMLText(HTMLParser):
    """Extract the readable text of an HTML fragment (tags are dropped)."""

    _BLOCK: ClassVar[set[str]] = {
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
    _SKIP: ClassVar[set[str]] = {"script", "style", "template", "iframe", "object", "noscript"}

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


def html_to_text(content: str) -> str:
    """The readable text of an HTML fragment, with blank lines between blocks."""
    parser = _HTMLText()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
