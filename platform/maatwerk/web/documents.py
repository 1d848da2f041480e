"""Downloading documents sent with forms: caseworkers of the case and the resident's link.

A document is always sent as an attachment, with the content type its content was checked
to have, ``nosniff`` and a sandboxing policy: a browser never renders it as a page of ours.
"""
from __future__ import annotations

import io
from typing import Protocol

from flask import Blueprint, Response, abort, g, request, send_file

from ..domain.documents import MAX_REQUEST_BYTES
from ..services import cases, documents, printed_messages
from ..services.errors import NotFound
from .context import login_required, me, uow

bp = Blueprint("documents", __name__)

#: The views that take forms with files; their requests may be as large as the documents.
TAKES_DOCUMENTS = frozenset({"resident.start", "resident.complete_task",
                             "resident.send_message", "work.task",
                             "work.counter_start", "api.start_case", "api.complete_task"})


def allow_documents() -> None:
    """Let a request to a view that takes documents be as large as they may be together
    (everything else keeps the application's smaller limit). Runs before the CSRF check
    reads the form."""
    if request.endpoint in TAKES_DOCUMENTS and request.method == "POST":
        request.max_content_length = max(MAX_REQUEST_BYTES, request.max_content_length or 0)


class Downloadable(Protocol):
    """What sending a document reads of it (the services hand out stored documents)."""

    @property
    def content(self) -> bytes: ...
    @property
    def content_type(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def sha256(self) -> str: ...


def send_document(document: Downloadable) -> Response:
    response = send_file(io.BytesIO(document.content), mimetype=document.content_type,
                         as_attachment=True, download_name=document.filename,
                         etag=document.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/werk/zaken/<int:case_id>/documenten/<document_id>")
@login_required("caseworker", "teamlead")
def staff_download(case_id: int, document_id: str) -> Response:
    try:
        return send_document(documents.download(uow(), case_id, document_id, me()))
    except NotFound:
        abort(404)


@bp.get("/status/<token>/berichten/<int:message_id>.pdf")
def resident_message_pdf(token: str, message_id: int) -> Response:
    """A message we sent the resident, as a letter to keep or print (the receipt)."""
    g.private_page = True
    unit = uow(readonly=True)
    try:
        case = cases.case_by_token(unit, token)
        return send_document(printed_messages.for_resident(unit, case, message_id))
    except NotFound:
        abort(404)


@bp.get("/werk/zaken/<int:case_id>/berichten/<int:message_id>.pdf")
@login_required("caseworker", "teamlead")
def staff_message_pdf(case_id: int, message_id: int) -> Response:
    """A message of the case as a letter, without the resident's private link."""
    try:
        return send_document(printed_messages.for_staff(uow(readonly=True), case_id,
                                                        message_id, me()))
    except NotFound:
        abort(404)


@bp.get("/status/<token>/documenten/<document_id>")
def resident_download(token: str, document_id: str) -> Response:
    g.private_page = True
    unit = uow()
    try:
        case = cases.case_by_token(unit, token)
        return send_document(documents.resident_download(unit, case, document_id))
    except NotFound:
        abort(404)
