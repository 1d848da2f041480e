"""The demo: the shipped process models and an account for every role (idempotent)."""
from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import select

from ..domain.principal import SYSTEM, Principal
from ..domain.process_model import UploadedFile
from ..persistence.models import User
from ..persistence.uow import UnitOfWork
from . import accounts, process_models

DEMO_PASSWORD = "maatwerk-demo"
DEMO_USERS = [
    # username, display name, roles, groups
    ("beheer", "Beheerder", ["admin"], []),
    ("ontwerper", "Olga Ontwerper", ["designer"], []),
    ("consulent", "Chris Consulent", ["caseworker"], ["consulenten"]),
    ("consulent2", "Kim Konings", ["caseworker"], ["consulenten"]),
    ("teamleider", "Tara Teamleider", ["teamlead"], ["teamleiders", "consulenten"]),
    ("teamleider2", "Tom Terpstra", ["teamlead"], ["teamleiders"]),
    ("vergunning", "Vera Vergunning", ["caseworker"], ["vergunningverleners"]),
    ("balie", "Bart Balie", ["clerk"], []),
]
_FORM_REF = re.compile(r'camunda:formRef="([^"]+)"')
_DECISION_REF = re.compile(r'camunda:decisionRef="([^"]+)"')
_DECISION_ID = re.compile(r'<(?:dmn:)?decision\b[^>]*\bid="([^"]+)"')


def load(uow: UnitOfWork, workflows: Path, forms: Path) -> list[str]:
    report = [_ensure_user(uow, *user) for user in DEMO_USERS]
    designer = Principal(SYSTEM.username, SYSTEM.display_name, frozenset({"designer"}))
    for bpmn in sorted(workflows.glob("*.bpmn")):
        files = bundle_files(bpmn, workflows, forms)
        result = process_models.upload(uow, designer, files)
        report.append(f"model {result.key} version {result.version}: {result.name}")
    return report


def bundle_files(bpmn: Path, workflows: Path, forms: Path) -> list[UploadedFile]:
    """The BPMN file with the DMN files and forms it refers to."""
    text = bpmn.read_text(encoding="utf-8")
    files = [UploadedFile(bpmn.name, bpmn.read_bytes())]
    decisions = set(_DECISION_REF.findall(text))
    for dmn in sorted(workflows.glob("*.dmn")):
        if decisions & set(_DECISION_ID.findall(dmn.read_text(encoding="utf-8"))):
            files.append(UploadedFile(dmn.name, dmn.read_bytes()))
    refs = set(_FORM_REF.findall(text))
    for form in sorted(forms.glob("*.form")):
        try:
            form_id = json.loads(form.read_text(encoding="utf-8")).get("id")
        except ValueError:
            continue
        if form_id in refs:
            files.append(UploadedFile(form.name, form.read_bytes()))
    return files


def _ensure_user(uow: UnitOfWork, username: str, display_name: str, roles: list[str],
                 groups: list[str]) -> str:
    if uow.session.scalar(select(User).where(User.username == username)) is not None:
        return f"user {username} exists"
    accounts.create_user(uow, username, roles, groups, DEMO_PASSWORD, display_name)
    return f"user {username} created ({', '.join(roles)}; groups: {', '.join(groups) or '-'})"
