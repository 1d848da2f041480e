"""Uploading process models as new versions, and finding them again."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import func, select

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..domain.process_model import CompiledModel, ModelProblem, ModelRefused, UploadedFile
from ..engine import compile_model
from ..engine.model_upload import ParsedForm
from ..engine.runtime import SpecBundle
from ..engine.spec_cache import bundle_for
from ..forms.camunda_form_data import from_camunda_form_data
from ..forms.formio import parse_formio
from ..forms.formjs import parse_formjs
from ..forms.model import FormDefinition, FormDefinitionError
from ..persistence.models import Case, ModelFile, ProcessModel, Task, utcnow
from ..persistence.uow import UnitOfWork
from . import letters, mail_templates, start_clocks
from .errors import Forbidden, NotFound

PUBLISHED = "published"  # ProcessModel.status of a version in use (also "draft", "retired")


@dataclass(frozen=True)
class ModelSummary:
    id: int
    key: str
    version: int
    name: str
    description: str
    has_start_form: bool
    status: str = PUBLISHED
    notes: list[ModelProblem] = field(default_factory=list)  # of the upload that made it
    unchanged: bool = False  # the upload's files were the newest version's: nothing new

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "version": self.version, "name": self.name,
                "description": self.description, "status": self.status}


def summary(model: ProcessModel) -> ModelSummary:
    return ModelSummary(model.id, model.key, model.version, model.name, model.description,
                        model.start_form_key is not None, model.status)


def upload(uow: UnitOfWork, actor: Principal, files: list[UploadedFile],
           draft: bool = False) -> ModelSummary:
    """Check the files and store them as the next version of their process, published (new
    cases start on it) or a `draft` that a designer publishes later (model_versions.py);
    files that are the newest version's (its content hash: models, forms and texts) store
    nothing new and answer that version, `unchanged`.

    A refused upload is recorded in the audit log (in its own commit) and stores nothing."""
    if not actor.has_role("designer"):
        raise Forbidden("Only process designers may upload models.")
    try:
        compiled, texts = _compile(files)
    except ModelRefused as refused:
        uow.rollback()
        uow.record(AuditEntry(actor.username, "model_upload_refused", result="refused", details={
            "files": [f.filename for f in files],
            "problems": [p.to_dict() for p in refused.problems[:50]]}))
        uow.commit()
        raise
    newest = uow.session.scalar(select(ProcessModel).where(ProcessModel.key == compiled.key)
                                .order_by(ProcessModel.version.desc()).limit(1))
    content_hash = _with_texts(compiled.content_hash, texts)
    if newest is not None and newest.content_hash == content_hash:
        return replace(summary(newest), notes=compiled.notes, unchanged=True)
    model = ProcessModel(
        key=compiled.key, version=(newest.version if newest else 0) + 1, name=compiled.name,
        description=compiled.description, content_hash=content_hash,
        start_form_key=compiled.start_form_key, forms=compiled.forms,
        start_message=compiled.start_message, properties=compiled.properties,
        elements=compiled.elements, decision_term=compiled.decision_term,
        status="draft" if draft else PUBLISHED, uploaded_by=actor.username)
    model.files = [ModelFile(filename=name, kind=kind, content=text, sha256=sha)
                   for name, kind, text, sha in [*compiled.files, *texts]]
    uow.session.add(model)
    uow.session.flush()
    if not draft:
        start_clocks.schedule(uow, model, utcnow())
    uow.record(AuditEntry(actor.username, "model_uploaded", details={
        "key": model.key, "version": model.version, "content_hash": model.content_hash,
        "status": model.status,
        "files": [f[0] for f in [*compiled.files, *texts]],
        "notes": [note.to_dict() for note in compiled.notes[:50]]}))
    uow.commit()
    return replace(summary(model), notes=compiled.notes)


def _compile(files: list[UploadedFile]) -> tuple[CompiledModel, list[tuple[str, str, str, str]]]:
    """The model compiled, and the designer's message texts (mail_templates.py) checked
    against its forms; every problem of both in one refusal."""
    texts = [(f.filename, f.content) for f in files if mail_templates.is_message_file(f.filename)]
    pages = [(f.filename, f.content) for f in files if letters.is_letter_file(f.filename)]
    rest = [f for f in files if not mail_templates.is_message_file(f.filename)
            and not letters.is_letter_file(f.filename)]
    try:
        compiled = compile_model(rest, FORM_PARSER)
    except ModelRefused as refused:
        raise ModelRefused([*refused.problems, *mail_templates.check(texts, set())[0],
                            *letters.check(pages, set(), utcnow())[0]]) from None
    keys = mail_templates.form_keys(compiled.forms)
    text_problems, stored_texts = mail_templates.check(texts, keys)
    letter_problems, stored_letters = letters.check(pages, keys, utcnow())
    if text_problems or letter_problems:
        raise ModelRefused([*text_problems, *letter_problems])
    return compiled, [*stored_texts, *stored_letters]


def _with_texts(content_hash: str, texts: list[tuple[str, str, str, str]]) -> str:
    if not texts:
        return content_hash
    return hashlib.sha256(json.dumps([content_hash, *[(n, s) for n, _, _, s in texts]])
                          .encode()).hexdigest()


class _FormParser:
    """Reads the forms of an upload for the model compiler, which does not know forms."""

    def form_file(self, text: str) -> ParsedForm:
        return _parsed(lambda: parse_formjs(text))

    def form_data(self, element_id: str, fields: list[dict[str, Any]]) -> ParsedForm:
        return _parsed(lambda: from_camunda_form_data(element_id, fields))

    def formio_file(self, name: str, text: str) -> ParsedForm:
        return _parsed(lambda: parse_formio(name, text))


def _parsed(parse: Callable[[], FormDefinition]) -> ParsedForm:
    try:
        definition = parse()
    except FormDefinitionError as exc:
        return ParsedForm(exc.form_id, None, tuple(exc.problems))
    return ParsedForm(definition.id, definition.to_dict())


FORM_PARSER = _FormParser()


def latest_versions(uow: UnitOfWork, published: bool = True) -> list[ProcessModel]:
    """Per process, the version new cases start on (the newest published one); with
    `published` False, the newest version of any status (a designer's list)."""
    versions = select(ProcessModel.key, func.max(ProcessModel.version).label("v"))
    if published:
        versions = versions.where(ProcessModel.status == PUBLISHED)
    newest = versions.group_by(ProcessModel.key).subquery()
    return list(uow.session.scalars(
        select(ProcessModel).join(newest, (ProcessModel.key == newest.c.key)
                                  & (ProcessModel.version == newest.c.v))
        .order_by(ProcessModel.name)))


def starting_with(uow: UnitOfWork, message: str) -> list[ProcessModel]:
    """The processes whose current version (latest) starts with this message."""
    return [model for model in uow.session.scalars(
        select(ProcessModel).where(ProcessModel.start_message == message,
                                   ProcessModel.status == PUBLISHED))
        if model.version == latest(uow, model.key).version]


def all_versions(uow: UnitOfWork, key: str | None = None) -> list[ProcessModel]:
    query = select(ProcessModel).order_by(ProcessModel.key, ProcessModel.version.desc())
    if key:
        query = query.where(ProcessModel.key == key)
    return list(uow.session.scalars(query))


def latest(uow: UnitOfWork, key: str) -> ProcessModel:
    """The version new cases of the process start on: its newest published version (a
    draft is not in use yet, a retired version takes no new cases)."""
    model = current(uow, key)
    if model is None:
        raise NotFound(f"There is no process '{key}'." if get_any(uow, key) is None else
                       f"Process '{key}' has no published version: a designer publishes one "
                       "first.")
    return model


def current(uow: UnitOfWork, key: str) -> ProcessModel | None:
    return uow.session.scalar(select(ProcessModel).where(
        ProcessModel.key == key, ProcessModel.status == PUBLISHED)
        .order_by(ProcessModel.version.desc()).limit(1))


def get_any(uow: UnitOfWork, key: str) -> ProcessModel | None:
    """The newest version of the process, whatever its status."""
    return uow.session.scalar(select(ProcessModel).where(ProcessModel.key == key)
                              .order_by(ProcessModel.version.desc()).limit(1))


def get_version(uow: UnitOfWork, key: str, version: int) -> ProcessModel:
    model = uow.session.scalar(select(ProcessModel).where(
        ProcessModel.key == key, ProcessModel.version == version))
    if model is None:
        raise NotFound(f"There is no version {version} of process '{key}'.")
    return model


def files_of(uow: UnitOfWork, model_id: int) -> list[ModelFile]:
    return list(uow.session.scalars(select(ModelFile).where(
        ModelFile.process_model_id == model_id).order_by(ModelFile.id)))


def spec_bundle(uow: UnitOfWork, model: ProcessModel) -> SpecBundle:
    return bundle_for(model.id, model.content_hash, model.key, lambda: [
        (f.filename, f.kind, f.content) for f in files_of(uow, model.id)])


def form_of(model: ProcessModel, form_key: str | None) -> FormDefinition | None:
    if not form_key or form_key not in model.forms:
        return None
    return FormDefinition.from_dict(model.forms[form_key])


def with_start_form(uow: UnitOfWork, key: str, channel: str = "online"
                    ) -> tuple[ProcessModel, FormDefinition]:
    """The newest version of a process that residents can apply for, with its start form
    as it is filled in through this channel (FormDefinition.for_channel)."""
    model = latest(uow, key)
    definition = form_of(model, model.start_form_key)
    if definition is None:
        raise NotFound(f"Process '{key}' has no start form.")
    return model, definition.for_channel(channel)


def element(model: ProcessModel, element_id: str) -> dict[str, Any]:
    facts: dict[str, Any] = model.elements.get(element_id, {})
    return facts


@dataclass(frozen=True)
class ModelUsage:
    """How cases flow through one model version: cases per status, open tasks per element."""

    cases_by_status: dict[str, int]
    open_tasks_by_element: dict[str, int]
    trial_cases: int = 0  # started to try the version: not in the figures above


def usage(uow: UnitOfWork, model: ProcessModel) -> ModelUsage:
    real = (Case.process_model_id == model.id) & Case.trial.is_(False)
    by_status = dict(uow.session.execute(
        select(Case.status, func.count()).where(real).group_by(Case.status)).all())
    by_element = dict(uow.session.execute(
        select(Task.element_id, func.count()).join(Case, Case.id == Task.case_id)
        .where(real, Task.state == "open").group_by(Task.element_id)).all())
    trials = uow.session.scalar(select(func.count()).select_from(Case).where(
        Case.process_model_id == model.id, Case.trial.is_(True))) or 0
    return ModelUsage(by_status, by_element, trials)


def diagram_xml(uow: UnitOfWork, model: ProcessModel) -> str:
    """The BPMN file that holds the model's main process, for the diagram viewer."""
    for file in files_of(uow, model.id):
        if file.kind == "bpmn" and f'id="{model.key}"' in file.content:
            return file.content
    raise NotFound("This model has no diagram.")


def people_steps(models: list[ProcessModel]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per process (by name), its steps that people do: (element id, step name), in
    process order (the inbox's step filter)."""
    return [(model.name, [(element_id, facts.get("name") or element_id)
                          for element_id, facts in in_order(model)
                          if facts.get("type") in ("userTask", "manualTask")])
            for model in models]


def in_order(model: ProcessModel) -> list[tuple[str, dict[str, Any]]]:
    """The model's elements in process order (engine/flow_order.py), its own process
    first; a version stored before the order was kept, in the order of its file."""
    items = list(model.elements.items())
    places = {element_id: index for index, (element_id, _) in enumerate(items)}
    return sorted(items, key=lambda item: (
        item[1].get("process_id") != model.key,
        item[1]["order"] if item[1].get("order") is not None else len(items),
        places[item[0]]))
