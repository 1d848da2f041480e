"""SQLAlchemy 2 typed models: the tables behind cases, tasks, models and the audit record."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on both SQLite (which forgets the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC datetime is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value


class Base(DeclarativeBase):
    # SQLAlchemy reads these class attributes as configuration
    type_annotation_map = {  # noqa: RUF012
        dict[str, Any]: JSON, list[Any]: JSON, datetime: UtcDateTime}


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements (typed as the Table it is)."""
    return cast(Table, model.__table__)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    roles: Mapped[str] = mapped_column(String(200))  # comma separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # wrong passwords since `failed_since` (from any address, counted in every app process)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failed_since: Mapped[datetime | None]
    groups: Mapped[list[UserGroup]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="joined")


class UserGroup(Base):
    __tablename__ = "user_groups"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    group_name: Mapped[str] = mapped_column(String(80), primary_key=True)
    user: Mapped[User] = relationship(back_populates="groups")


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]  # set for every token; none only before 0020
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(80))


class StaffSession(Base):
    """A signed-in staff member's session, kept here so that signing out (or a lifetime
    running out) ends it in every app process; the cookie holds the secret, this its hash."""

    __tablename__ = "staff_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]


class ProcessModel(Base):
    """One uploaded version of a process: its files, forms and element facts."""

    __tablename__ = "process_models"
    __table_args__ = (UniqueConstraint("key", "version", name="uq_process_models_key_version"),)
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    key: Mapped[str] = mapped_column(String(255), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    start_form_key: Mapped[str | None] = mapped_column(String(255))
    # the message that starts a case of this version (a message start event), if any
    start_message: Mapped[str | None] = mapped_column(String(255), index=True)
    forms: Mapped[dict[str, Any]] = mapped_column(default=dict)
    elements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the process's own camunda:properties (maatwerk:residentEmailField, ...)
    properties: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decision_term: Mapped[str | None] = mapped_column(String(40))
    # draft (tried by designers), published (new cases start on the newest), retired
    status: Mapped[str] = mapped_column(String(12), default="published",
                                        server_default="published")
    uploaded_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    files: Mapped[list[ModelFile]] = relationship(
        back_populates="process_model", cascade="all, delete-orphan",
        order_by="ModelFile.id", lazy="raise")


class ModelFile(Base):
    __tablename__ = "model_files"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    process_model_id: Mapped[int] = mapped_column(
        ForeignKey("process_models.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))  # bpmn, dmn, form
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    process_model: Mapped[ProcessModel] = relationship(back_populates="files")


class Case(Base):
    __tablename__ = "cases"
    # the team dashboard: open cases by decision date, and cases started or decided per week
    __table_args__ = (Index("ix_cases_status_due", "status", "due_at"),
                      Index("ix_cases_model_created", "process_model_id", "created_at"),
                      Index("ix_cases_model_completed", "process_model_id", "completed_at"))
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    process_model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    channel: Mapped[str] = mapped_column(String(20))
    started_by: Mapped[str | None] = mapped_column(String(80))
    resident_name: Mapped[str | None] = mapped_column(String(200))
    # the resident's address (lower case) and date of birth, as the counter finds a case by
    # them (services/resident_facts.py; kept in line with the data by every step)
    resident_email: Mapped[str | None] = mapped_column(String(320), index=True)
    resident_birth_date: Mapped[date | None] = mapped_column(index=True)
    # started by a designer to try a model version: worked as any case, out of the figures
    trial: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # what the resident reads: nl, or en when they applied in English (messages, letters)
    language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    engine_state: Mapped[str] = mapped_column(Text)
    engine_version: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    # the messages the case waits for, as JSON text [{"name", "element_id"}] (None: none),
    # written with the case row in the same statement; correlation filters on it
    waiting_messages: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(index=True)  # the legal decision date
    suspended_since: Mapped[datetime | None] = mapped_column()  # Awb 4:15: the clock stands
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    process_model: Mapped[ProcessModel] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy config


class Task(Base):
    """A task as a row: the inbox reads these, never the engine state."""

    __tablename__ = "tasks"
    __table_args__ = (Index("ix_tasks_case_state", "case_id", "state"),
                      Index("ix_tasks_state_created", "state", "created_at"),
                      Index("ix_tasks_state_due", "state", "due_at"),
                      Index("ix_tasks_assignee_state", "assignee", "state"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    # the engine's task id; a step done again after 'return to' gets a new row, same id
    engine_task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(12), default="open")  # open, completed, ...
    candidate_groups: Mapped[str] = mapped_column(String(500), default="")
    candidate_users: Mapped[str] = mapped_column(String(500), default="")
    assignee: Mapped[str | None] = mapped_column(String(80))
    form_key: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(12), default="bpmn", server_default="bpmn")
    instructions: Mapped[str | None] = mapped_column(Text)
    blocks_task_id: Mapped[str | None] = mapped_column(String(36))  # ad-hoc step before it
    due_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()
    completed_by: Mapped[str | None] = mapped_column(String(80))
    case: Mapped[Case] = relationship(lazy="raise")
    candidates: Mapped[list[TaskCandidate]] = relationship(
        cascade="all, delete-orphan", lazy="select")


class TaskCandidate(Base):
    """Who may see a task: 'group:<name>', 'user:<name>' or 'role:<name>'; one row each.

    The row is also the task's entry in that principal's inbox: it carries copies of the
    task's filter and sort columns (and its case's process model), so that one index range
    (ix_task_candidates_inbox) counts, filters and sorts a person's open tasks without
    touching the tasks table. persistence/inbox_entries.py keeps the copies in step."""

    __tablename__ = "task_candidates"
    __table_args__ = (Index("ix_task_candidates_inbox", "principal", "state", "created_at",
                            "task_id", "due_at", "element_id", "assignee", "process_model_id",
                            "case_id", "shared"),)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                         primary_key=True)
    principal: Mapped[str] = mapped_column(String(120), primary_key=True)
    # copies of the task row (Task.state, ...) and of its case's process_model_id
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    element_id: Mapped[str] = mapped_column(String(255))
    assignee: Mapped[str | None] = mapped_column(String(80))
    case_id: Mapped[int] = mapped_column(BigIntId)
    process_model_id: Mapped[int] = mapped_column(BigIntId)
    # the task has more candidate rows: one person may see it through two of them
    shared: Mapped[bool] = mapped_column(Boolean)


class AuditEvent(Base):
    """One line of the record; each hash covers its content and the previous hash."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    case_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    result: Mapped[str] = mapped_column(String(20), default="ok")
    channel: Mapped[str | None] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LegalBasisRow(Base):
    """The legal bases a deviation may cite; a municipality can add its own."""

    __tablename__ = "legal_bases"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    text: Mapped[str] = mapped_column(String(200), unique=True)
    requires_citation: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Deviation(Base):
    """A request to leave the standard path, its decision and what it changed."""

    __tablename__ = "deviations"
    __table_args__ = (
        Index("ix_deviations_register", "process_model_id", "requested_at"),
        Index("ix_deviations_status", "status", "requested_at"),
    )
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    process_model_id: Mapped[int] = mapped_column(ForeignKey("process_models.id"))
    type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(12), default="requested")
    task_id: Mapped[str | None] = mapped_column(String(36))
    element_id: Mapped[str | None] = mapped_column(String(255))  # the element it acts on
    target_element_id: Mapped[str | None] = mapped_column(String(255))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # what approval was expected to do when it was asked (services.deviations.Expected)
    expected: Mapped[dict[str, Any] | None] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(String(200))
    citation: Mapped[str | None] = mapped_column(Text)
    resident_message: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_comment: Mapped[str | None] = mapped_column(Text)
    case: Mapped[Case] = relationship(lazy="joined")


class DeadlineSuspension(Base):
    """A period in which the decision term stood still (art. 4:15 Awb), with its reason."""

    __tablename__ = "deadline_suspensions"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()


class Document(Base):
    """A file sent with a form (start form or task), or a letter the case sent (a decision
    as PDF), kept in the database itself so that every app host sees it; the case data
    holds only a reference to it."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_case_created", "case_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    task_id: Mapped[str | None] = mapped_column(ForeignKey("tasks.id"))  # None: start form
    field_key: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))  # cleaned, extension fits the content
    content_type: Mapped[str] = mapped_column(String(100))  # from the content, not the name
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read to download
    submitted_by: Mapped[str] = mapped_column(String(80))  # user name, or 'inwoner'
    channel: Mapped[str | None] = mapped_column(String(20))
    # submitted (sent with a form) or letter (made by the case: services/letters.py)
    kind: Mapped[str] = mapped_column(String(20), default="submitted",
                                      server_default="submitted")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExternalTask(Base):
    """An open task that a worker does (an external service task): its topic, and who has
    it locked until when (Camunda 7's fetchAndLock)."""

    __tablename__ = "external_tasks"
    __table_args__ = (Index("ix_external_tasks_topic", "topic", "lock_expires_at"),)
    task_id: Mapped[str] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"),
                                         primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(255))
    worker_id: Mapped[str | None] = mapped_column(String(255))
    lock_expires_at: Mapped[datetime | None] = mapped_column()
    # after a worker's failure report: retries left (0: an incident, not fetched until
    # someone sets retries again), and what went wrong
    retries: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(String(1000))
    error_details: Mapped[str | None] = mapped_column(Text)
    # the task's own variables, where they differ from the case's (a repeating task's item)
    variables: Mapped[dict[str, Any] | None] = mapped_column()


class StepTime(Base):
    """How long a version's completed tasks took, per step, week of completion (its Monday)
    and duration bucket (the minutes to two significant digits): their count and total
    minutes. Kept by a trigger on tasks (migration 0030), read by the heatmap."""

    __tablename__ = "step_times"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy config
    process_model_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    element_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    week: Mapped[date] = mapped_column(primary_key=True)
    bucket: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[float] = mapped_column(Float)


class StartClock(Base):
    """A timer start event of the newest version of a process: when its clock starts the
    next case (engine/start_clock.py), and how many starts remain after that (None: no
    end). Publishing a new version replaces its process's clocks, as in Camunda 7."""

    __tablename__ = "start_clocks"
    __table_args__ = (UniqueConstraint("process_key", "element_id",
                                       name="uq_start_clocks_key_element"),)
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    process_key: Mapped[str] = mapped_column(String(255))
    process_model_id: Mapped[int] = mapped_column(
        ForeignKey("process_models.id", ondelete="CASCADE"), index=True)
    element_id: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(20))  # timeDate, timeDuration or timeCycle
    value: Mapped[str] = mapped_column(String(255))
    due_at: Mapped[datetime] = mapped_column(index=True)
    remaining: Mapped[int | None] = mapped_column(Integer)
    started: Mapped[int] = mapped_column(Integer, default=0)  # cases started so far


class OutboxMessage(Base):
    """A message from the case to the resident, written in the step that caused it (the
    outbox): delivered by e-mail by `maatwerk worker` when there is an address and a mail
    server, retried with back-off, and kept as it was sent."""

    __tablename__ = "outbox_messages"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # receipt, ...
    recipient: Mapped[str | None] = mapped_column(String(320))  # None: no e-mail address
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    # pending (to send; a reminder from next_attempt_at on), sent, no_address (shown on the
    # status page only), failed (gave up), withdrawn (a reminder whose task was done first)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    message_id: Mapped[str] = mapped_column(String(255))  # the mail's Message-ID
    language: Mapped[str] = mapped_column(String(5), default="nl", server_default="nl")
    task_id: Mapped[str | None] = mapped_column(String(36))  # a request's or reminder's task
    document_id: Mapped[str | None] = mapped_column(  # the letter it carries (a decision)
        ForeignKey("documents.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class ResidentMessage(Base):
    """A message the resident sent from their status page (a question, a remark, with a
    document perhaps); read and answered by a caseworker (the answer is in the outbox)."""

    __tablename__ = "resident_messages"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    document_id: Mapped[str | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"))
    channel: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()  # None: no caseworker has read it
    read_by: Mapped[str | None] = mapped_column(String(80))


class CaseNote(Base):
    """A note staff keep on a case, or a contact moment (phone, counter, letter, ...):
    internal, never shown to the resident; never changed (services/case_notes.py)."""

    __tablename__ = "case_notes"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "note" or "contact"
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str | None] = mapped_column(String(20))  # a contact moment's
    contact_at: Mapped[datetime | None] = mapped_column()
    contact_with: Mapped[str | None] = mapped_column(String(200))


class ResidentLink(Base):
    """Another private link to a case's status page, made for a message that asks the
    resident to act (the first link's token is kept only as a hash on the case, so a later
    message gets a link of its own). Only the hash of its token is stored."""

    __tablename__ = "resident_links"
    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
