"""Documents sent with a form: which kinds we take, how big, and what makes a file acceptable.

A file is judged by its content (its first bytes), never by its name or the type the browser
claims: an HTML page renamed to ``rekening.pdf`` is refused. The name is cleaned for storage
and download, and its extension made to fit the content ("scan" → "scan.pdf").
Plain Python: no Flask, no SQLAlchemy.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

MIB = 1024 * 1024
MAX_FILE_BYTES = 10 * MIB  # one file
MAX_SUBMISSION_BYTES = 20 * MIB  # all files of one form submission together
MAX_FILES_PER_SUBMISSION = 10
# what a request that may carry documents may weigh: the files as base64 (JSON API) or as
# multipart parts, plus the other fields
MAX_REQUEST_BYTES = MAX_SUBMISSION_BYTES * 4 // 3 + 2 * MIB
MAX_FILENAME_CHARS = 150


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    label: str  # what people read: "PDF"
    extensions: tuple[str, ...]  # the first is the one a name gets when it has none that fits
    signature: bytes  # the file starts with these bytes


#: The kinds of document we take. Only formats that cannot run code in a browser or on a
#: desktop by being opened: no HTML, SVG, office files with macros or executables.
DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType("application/pdf", "PDF", (".pdf",), b"%PDF-"),
    DocumentType("image/png", "PNG", (".png",), b"\x89PNG\r\n\x1a\n"),
    DocumentType("image/jpeg", "JPEG", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
)
BY_CONTENT_TYPE = {t.content_type: t for t in DOCUMENT_TYPES}


def sniff(content: bytes) -> DocumentType | None:
    """The kind of document ``content`` is, by its first bytes; None when we don't take it."""
    for kind in DOCUMENT_TYPES:
        if content.startswith(kind.signature):
            return kind
    return None


def accept_types(accept: str) -> tuple[tuple[str, ...], list[str]]:
    """Read a form-js ``accept`` (".pdf,image/*"): the content types it allows, in our order,
    and the entries we cannot honour. An empty ``accept`` allows every kind we take."""
    allowed: set[str] = set()
    unknown: list[str] = []
    for raw in accept.split(","):
        token = raw.strip().lower()
        if not token:
            continue
        found = {t.content_type for t in DOCUMENT_TYPES
                 if token == t.content_type or token in t.extensions
                 or (token.endswith("/*") and t.content_type.startswith(token[:-1]))}
        if found:
            allowed |= found
        else:
            unknown.append(raw.strip())
    return tuple(t.content_type for t in DOCUMENT_TYPES if t.content_type in allowed), unknown


def kinds(content_types: tuple[str, ...] = ()) -> tuple[DocumentType, ...]:
    """The document types a field takes (all of them when it names none)."""
    return tuple(BY_CONTENT_TYPE[c] for c in content_types if c in BY_CONTENT_TYPE) \
        or DOCUMENT_TYPES


def html_accept(content_types: tuple[str, ...] = ()) -> str:
    """The ``accept`` attribute of a file input: types and extensions, for the file chooser."""
    found = kinds(content_types)
    return ",".join([t.content_type for t in found] + [e for t in found for e in t.extensions])


def kinds_text(content_types: tuple[str, ...] = (), or_word: str = "of") -> str:
    """"PDF, PNG of JPEG" (`or_word` "or": in English)."""
    labels = [t.label for t in kinds(content_types)]
    return labels[0] if len(labels) == 1 else (
        ", ".join(labels[:-1]) + f" {or_word} " + labels[-1])


def size_text(size: int) -> str:
    """A size as people read it: "830 bytes", "12 kB", "2,4 MB"."""
    if size < 1024:
        return f"{size} bytes"
    if size < MIB:
        return f"{round(size / 1024)} kB"
    return f"{size / MIB:.1f} MB".replace(".", ",").replace(",0 MB", " MB")


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: the name the sender gave it and its bytes, not yet checked."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class CheckedFile(Upload):
    """A file that passed the checks: a clean name, the type its content has, its hash."""

    content_type: str = ""
    sha256: str = ""

    @property
    def size(self) -> int:
        return len(self.content)


class FileRefused(ValueError):
    """A file we do not take; ``str()`` is a Dutch sentence naming the file."""


def check(upload: Upload, content_types: tuple[str, ...] = ()) -> CheckedFile:
    """Accept ``upload`` as one of ``content_types`` (default: every kind we take) or raise
    :class:`FileRefused` saying why, and that the sender has to choose the file again."""
    shown = display_name(upload.filename)
    if not upload.content:
        raise FileRefused(f"Het bestand ‘{shown}’ is leeg. Kies het bestand opnieuw.")
    if len(upload.content) > MAX_FILE_BYTES:
        raise FileRefused(too_large(upload.filename))
    allowed = kinds(content_types)
    kind = sniff(upload.content)
    if kind is None or kind not in allowed:
        raise FileRefused(
            f"Het bestand ‘{shown}’ is geen {kinds_text(content_types)}; wij kijken naar de "
            "inhoud van het bestand, niet alleen naar de naam. Kies een bestand van die soort.")
    return CheckedFile(filename=safe_filename(upload.filename, kind), content=upload.content,
                       content_type=kind.content_type,
                       sha256=hashlib.sha256(upload.content).hexdigest())


def too_large(filename: str) -> str:
    return (f"Het bestand ‘{display_name(filename)}’ is groter dan {size_text(MAX_FILE_BYTES)}. "
            "Kies een kleiner bestand.")


_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*]')
_RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                   *(f"lpt{i}" for i in range(10))}


def display_name(filename: str, limit: int = MAX_FILENAME_CHARS) -> str:
    """The last part of a name, without control characters, short enough for a message."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = unicodedata.normalize("NFC", base)
    # control and format characters go (a right-to-left override can disguise 'gpj.exe');
    # every kind of space becomes a plain one
    base = "".join(" " if unicodedata.category(ch)[0] == "Z" else ch for ch in base
                   if unicodedata.category(ch)[0] != "C")
    base = re.sub(r"\s+", " ", base).strip()
    return base[:limit] or "zonder naam"


def safe_filename(filename: str, kind: DocumentType) -> str:
    """A name that is safe to store and to offer for download, ending in an extension that
    fits the content: 'C:\\scans\\rekening.PDF' → 'rekening.PDF', 'pagina.html' (a PDF) →
    'pagina.pdf', '../../etc/passwd' (a PNG) → 'passwd.png'."""
    base = _UNSAFE_CHARS.sub("_", display_name(filename, 1000) if filename else "")
    base = base.strip(" .")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    if f".{extension.lower()}" in kind.extensions:
        suffix = f".{extension}"
    else:
        if extension and not re.fullmatch(r"[A-Za-z0-9]{1,5}", extension):
            stem = base  # a dot inside the name, not an extension
        suffix = kind.extensions[0]
    stem = stem.strip(" .")[:MAX_FILENAME_CHARS - len(suffix)].rstrip(" .") or "bestand"
    if stem.lower() in _RESERVED_NAMES:
        stem = f"_{stem}"
    return stem + suffix
