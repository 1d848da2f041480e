"""Documents sent with a start or task form: stored with the step that took them, and read
back by the caseworkers of the case and by the resident who sent them.

A form's clean data holds the checked files (see :mod:`maatwerk.forms.validation`).
:func:`take_files` puts a reference in their place, so the case data (and thus gateways,
scripts and the API) sees ``{"document_id", "filename", "size", "content_type"}`` — or a list
of those — and never the bytes; :func:`store` then adds the rows and a ``document_received``
audit event to the same unit of work as the step, so both commit or neither does.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import undefer

from ..domain.audit import AuditEntry
from ..domain.documents import BY_CONTENT_TYPE, CheckedFile, size_text
from ..domain.principal import RESIDENT, Principal
from ..forms.model import FormDefinition
from ..forms.validation import files_of
from ..persistence.models import Case, Document, Task
from ..persistence.uow import UnitOfWork
from .case_access import get_case_contents
from .errors import NotFound

START_STEP = "Aanvraag"  # what the list says for files sent with the start form
LETTER = "letter"  # Document.kind of a letter the case made
LETTER_STEP = "Brief"  # what the list says for a letter
MESSAGE_FIELD = "bericht"  # the field of a document the resident sent with a message
MESSAGE_STEP = "Bericht van de inwoner"


@dataclass(frozen=True)
class PendingDocument:
    """A checked file with the id it will be stored under, waiting for its step."""

    id: str
    field_key: str
    file: CheckedFile

    def reference(self) -> dict[str, Any]:
        return {"document_id": self.id, "filename": self.file.filename,
                "size": self.file.size, "content_type": self.file.content_type}


@dataclass(frozen=True)
class DocumentInfo:
    """What a list shows of a document (never its content)."""

    id: str
    case_id: int
    field_key: str
    filename: str
    content_type: str
    size: int
    sha256: str
    task_id: str | None
    step: str
    submitted_by: str
    channel: str | None
    created_at: datetime
    document_kind: str = "submitted"  # or "letter": made by the case (decision_letters.py)

    @property
    def kind(self) -> str:
        found = BY_CONTENT_TYPE.get(self.content_type)
        return found.label if found else self.content_type

    @property
    def size_text(self) -> str:
        return size_text(self.size)

    @property
    def from_resident(self) -> bool:
        return self.document_kind != LETTER and (
            self.task_id is None or self.submitted_by == RESIDENT.username)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "case_id": self.case_id, "field": self.field_key,
                "filename": self.filename, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256, "task_id": self.task_id,
                "step": self.step, "submitted_by": self.submitted_by, "channel": self.channel,
                "kind": self.document_kind, "created_at": self.created_at.isoformat()}


def take_files(form: FormDefinition | None, clean: dict[str, Any]
               ) -> tuple[dict[str, Any], list[PendingDocument]]:
    """The data with a reference in place of each file, and the files to store."""
    if form is None or not form.has_files:
        return clean, []
    data = dict(clean)
    pending: list[PendingDocument] = []
    for field in form.input_fields():
        if field.type != "filepicker" or field.key not in clean:
            continue
        found = [PendingDocument(str(uuid.uuid4()), field.key, f)
                 for f in files_of(clean[field.key])]
        pending += found
        refs = [p.reference() for p in found]
        data[field.key] = refs if field.multiple else (refs[0] if refs else None)
    return data, pending


def store(uow: UnitOfWork, case_id: int, task_id: str | None, pending: list[PendingDocument],
          submitted_by: str, channel: str | None) -> None:
    """Add the documents and their audit events to this unit of work (its commit is the
    step's)."""
    for item in pending:
        file = item.file
        uow.session.add(Document(
            id=item.id, case_id=case_id, task_id=task_id, field_key=item.field_key,
            filename=file.filename, content_type=file.content_type, size=file.size,
            sha256=file.sha256, content=file.content, submitted_by=submitted_by,
            channel=channel))
        uow.record(AuditEntry(submitted_by, "document_received", case_id=case_id,
                              task_id=task_id, channel=channel, details={
                                  "document_id": item.id, "field": item.field_key,
                                  "filename": file.filename, "content_type": file.content_type,
                                  "size": file.size, "sha256": file.sha256}))


def _infos(uow: UnitOfWork, case_id: int, resident_only: bool = False,
           letters: bool | None = None) -> list[DocumentInfo]:
    """The case's documents; `resident_only`: what the resident sent; `letters`: only the
    letters (True) or none of them (False)."""
    query = (select(Document.id, Document.case_id, Document.field_key, Document.filename,
                    Document.content_type, Document.size, Document.sha256, Document.task_id,
                    Task.name, Document.submitted_by, Document.channel, Document.created_at,
                    Document.kind)
             .outerjoin(Task, Task.id == Document.task_id)
             .where(Document.case_id == case_id)
             .order_by(Document.created_at, Document.id))
    if resident_only:
        query = query.where(or_(Document.task_id.is_(None),
                                Document.submitted_by == RESIDENT.username))
    if letters is not None:
        query = query.where((Document.kind == LETTER) if letters else (Document.kind != LETTER))
    return [DocumentInfo(row.id, row.case_id, row.field_key, row.filename, row.content_type,
                         row.size, row.sha256, row.task_id,
                         row.name or _step(row.kind, row.field_key),
                         row.submitted_by, row.channel, row.created_at, row.kind)
            for row in uow.session.execute(query)]


def _step(kind: str, field_key: str) -> str:
    """What the list says for a document no task took."""
    if kind == LETTER:
        return LETTER_STEP
    return MESSAGE_STEP if field_key == MESSAGE_FIELD else START_STEP


def for_case(uow: UnitOfWork, case_id: int, actor: Principal) -> list[DocumentInfo]:
    """The documents of a case, for whoever may see the case (the same rule as its page)."""
    get_case_contents(uow, case_id, actor)
    return _infos(uow, case_id)


def download(uow: UnitOfWork, case_id: int, document_id: str, actor: Principal,
             channel: str | None = None) -> Document:
    """One document with its content, for whoever may see the case; who looked at it is on
    record (personal data: the resident may ask who saw their documents)."""
    get_case_contents(uow, case_id, actor)
    document = _document(uow, case_id, document_id)
    _record_view(uow, document, actor.username, channel)
    return document


def for_resident(uow: UnitOfWork, case: Case) -> list[DocumentInfo]:
    """What the resident sent: the start form's files (also those a clerk took in for them)
    and the files of the resident's own tasks; not what staff added, nor our letters."""
    return _infos(uow, case.id, resident_only=True, letters=False)


def letters_for_resident(uow: UnitOfWork, case: Case) -> list[DocumentInfo]:
    """The letters the case sent the resident (a decision), oldest first."""
    return _infos(uow, case.id, letters=True)


def resident_download(uow: UnitOfWork, case: Case, document_id: str) -> Document:
    """What the resident sent, or a letter sent to them."""
    document = _document(uow, case.id, document_id)
    if document.kind != LETTER and document.task_id is not None \
            and document.submitted_by != RESIDENT.username:
        raise NotFound("There is no such document.")
    _record_view(uow, document, RESIDENT.username, "online")
    return document


def _record_view(uow: UnitOfWork, document: Document, who: str, channel: str | None) -> None:
    uow.record(AuditEntry(who, "document_viewed", case_id=document.case_id,
                          task_id=document.task_id, channel=channel, details={
                              "document_id": document.id, "filename": document.filename,
                              "sha256": document.sha256}))
    uow.commit()


def _document(uow: UnitOfWork, case_id: int, document_id: str) -> Document:
    document = uow.session.scalar(select(Document).options(undefer(Document.content))
                                  .where(Document.id == document_id, Document.case_id == case_id))
    if document is None:
        raise NotFound("There is no such document.")
    return document
