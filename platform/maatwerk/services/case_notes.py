"""Notes on a case and its contact moments: what staff keep for each other, never shown to
the resident. A note is a remark for colleagues ("Ik heb de aanvrager gebeld..."); a
contact moment logs a phone call, a counter visit, a letter or a home visit: how, when, with
whom and what about. Both are on the case's record (and in the audit chain, so they can't
be changed afterwards unseen); they are not edited or removed, a correction is a new note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..domain.workdays import AMSTERDAM
from ..persistence.models import Case, CaseNote, utcnow
from ..persistence.uow import UnitOfWork
from .case_access import get_case_contents
from .errors import Forbidden, InvalidInput

MAX_TEXT = 4000
MAX_WITH = 200
CHANNELS = {"telefoon": "Telefoon", "balie": "Balie", "brief": "Brief", "e-mail": "E-mail",
            "huisbezoek": "Huisbezoek", "video": "Videobellen"}


@dataclass(frozen=True)
class NoteView:
    id: int
    kind: str  # "note" or "contact"
    text: str
    author: str
    created_at: datetime
    channel: str | None = None
    contact_at: datetime | None = None
    contact_with: str | None = None

    @property
    def channel_text(self) -> str:
        return CHANNELS.get(self.channel or "", self.channel or "")


def add(uow: UnitOfWork, case_id: int, actor: Principal, kind: str, text: str,
        channel: str = "", contact_with: str = "", contact_at: str = "") -> NoteView:
    """A note (`kind` "note") or a contact moment ("contact", when: ISO 8601, a moment
    without a zone read as Dutch time; empty: now). Committed."""
    _case_to_write(uow, case_id, actor)  # who may, before what is wrong with the input
    if kind == "note":
        return add_note(uow, case_id, actor, text)
    if kind != "contact":
        raise InvalidInput("Say what it is: kind 'note' or 'contact'.",
                           {"kind": "Give 'note' or 'contact'."})
    try:
        moment = datetime.fromisoformat(contact_at.strip()) if contact_at.strip() else None
    except ValueError:
        raise InvalidInput("The contact moment is not complete.",
                           {"contact_at": "Give a date and time (ISO 8601)."}) from None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return add_contact(uow, case_id, actor, channel, text, contact_with, moment)


def add_note(uow: UnitOfWork, case_id: int, actor: Principal, text: str) -> NoteView:
    """An internal note on the case. Committed."""
    case = _case_to_write(uow, case_id, actor)
    note = CaseNote(case_id=case.id, kind="note", text=_text(text), author=actor.username,
                    created_at=utcnow())
    return _keep(uow, note, {"kind": "note", "text": note.text})


def add_contact(uow: UnitOfWork, case_id: int, actor: Principal, channel: str, text: str,
                contact_with: str = "", contact_at: datetime | None = None) -> NoteView:
    """A contact moment: how, with whom, what about, and when (default: now; not in the
    future). Committed."""
    case = _case_to_write(uow, case_id, actor)
    now = utcnow()
    errors = {}
    if channel not in CHANNELS:
        errors["channel"] = f"Choose one of: {', '.join(CHANNELS)}."
    if contact_at is not None and (contact_at.tzinfo is None or contact_at > now):
        errors["contact_at"] = "Give a moment in the past, with a time zone."
    if len(contact_with.strip()) > MAX_WITH:
        errors["contact_with"] = f"At most {MAX_WITH} characters."
    if errors:
        raise InvalidInput("The contact moment is not complete.", errors)
    when = contact_at or now
    note = CaseNote(case_id=case.id, kind="contact", text=_text(text), author=actor.username,
                    created_at=now, channel=channel, contact_at=when,
                    contact_with=contact_with.strip() or None)
    return _keep(uow, note, {"kind": "contact", "text": note.text, "channel": channel,
                             "contact_at": when.isoformat(),
                             "with": note.contact_with})


def for_case(uow: UnitOfWork, case_id: int, actor: Principal) -> list[NoteView]:
    """The case's notes and contact moments, newest first (staff who see its contents)."""
    get_case_contents(uow, case_id, actor)
    rows = uow.session.scalars(select(CaseNote).where(CaseNote.case_id == case_id)
                               .order_by(CaseNote.created_at.desc(), CaseNote.id.desc()))
    return [_view(row) for row in rows]


def _case_to_write(uow: UnitOfWork, case_id: int, actor: Principal) -> Case:
    case = get_case_contents(uow, case_id, actor)
    if not actor.has_role("caseworker", "teamlead"):
        raise Forbidden("Only caseworkers and team leads write notes on a case.")
    return case


def _text(text: str | None) -> str:
    clean = (text or "").strip()
    if not clean:
        raise InvalidInput("The note is empty.", {"text": "Required."})
    if len(clean) > MAX_TEXT:
        raise InvalidInput(f"The note is longer than {MAX_TEXT} characters.",
                           {"text": "Too long."})
    return clean


def _keep(uow: UnitOfWork, note: CaseNote, details: dict[str, object]) -> NoteView:
    uow.session.add(note)
    uow.session.flush()
    uow.record(AuditEntry(note.author, "note_added" if note.kind == "note" else
                          "contact_logged", case_id=note.case_id,
                          details={"note_id": note.id, **details}))
    view = _view(note)
    uow.commit()
    return view


def _view(note: CaseNote) -> NoteView:
    return NoteView(note.id, note.kind, note.text, note.author, note.created_at, note.channel,
                    note.contact_at, note.contact_with)
