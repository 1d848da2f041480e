"""The audit record is a keyed hash chain: editing, deleting or reordering rows is detected,
and so is a chain recomputed by someone without the key (an HMAC key outside the
database); ids must run without a gap; an anchor kept outside fixes a past head, so even a
rewrite with the key, or a cut-off tail, is found. Real SQL on SQLite and PostgreSQL."""
from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import insert, select, text

from conftest import TEST_AUDIT_KEY
from helpers import BIJSTAND_AANVRAAG, bearer, complete, start
from maatwerk.domain.audit import GENESIS_HASH, chain_hash, plain_chain_hash
from maatwerk.persistence.audit_log import AuditHead, _content_of
from maatwerk.persistence.database import Database
from maatwerk.persistence.migrate import alembic_config
from maatwerk.persistence.models import AuditEvent, utcnow
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import audit

pytestmark = pytest.mark.tampers


@pytest.fixture
def worked_case(client: FlaskClient, tokens: dict[str, str]) -> dict:  # type: ignore[type-arg]
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    return complete(client, tokens["consulent"], case, "Task_Volledigheid", {"volledig": "ja"})


def _verify(client: FlaskClient, token: str) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/v1/audit/verify", headers=bearer(token))
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def _event_ids(database: Database) -> list[int]:
    with database.engine.connect() as conn:
        return [row[0] for row in conn.execute(text("SELECT id FROM audit_events ORDER BY id"))]


def test_intact_chain_verifies(client: FlaskClient, tokens: dict[str, str],
                               worked_case: dict) -> None:  # type: ignore[type-arg]
    result = _verify(client, tokens["teamleider"])
    assert result["ok"] is True and result["first_broken"] is None and result["checked"] > 10
    assert client.get("/api/v1/audit/verify",
                      headers=bearer(tokens["consulent"])).status_code == 403


def test_edited_row_is_named(client: FlaskClient, tokens: dict[str, str], database: Database,
                             worked_case: dict) -> None:  # type: ignore[type-arg]
    target = _event_ids(database)[5]
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'iemand-anders' WHERE id = :id"),
                     {"id": target})
    result = _verify(client, tokens["teamleider"])
    assert result == {"ok": False, "checked": 5, "first_broken": target,
                      "reason": "content does not match its hash (or the record was made with "
                                "another key)", "state_problems": []}


def test_deleted_row_is_detected(client: FlaskClient, tokens: dict[str, str],
                                 database: Database, worked_case: dict) -> None:
    ids = _event_ids(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[3]})
    assert _verify(client, tokens["teamleider"])["first_broken"] == ids[4]


def test_deleted_last_row_is_detected(client: FlaskClient, tokens: dict[str, str],
                                      database: Database, worked_case: dict) -> None:
    ids = _event_ids(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[-1]})
    result = _verify(client, tokens["teamleider"])
    assert result["ok"] is False and result["first_broken"] == ids[-1]


def test_swapped_rows_are_detected(client: FlaskClient, tokens: dict[str, str],
                                   database: Database, worked_case: dict) -> None:
    a, b = _event_ids(database)[2:4]
    with database.engine.begin() as conn:
        for old, new in ((a, -1), (b, a), (-1, b)):
            conn.execute(text("UPDATE audit_events SET id = :new WHERE id = :old"),
                         {"new": new, "old": old})
    assert _verify(client, tokens["teamleider"])["first_broken"] == a


def test_cli_verify_exit_codes(database_url: str, worked_case: dict,  # type: ignore[type-arg]
                               database: Database) -> None:
    env = {"MAATWERK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin",
           "MAATWERK_SECRET_KEY": "x" * 32, "MAATWERK_AUDIT_KEY": TEST_AUDIT_KEY}
    ok = subprocess.run([sys.executable, "-m", "maatwerk.cli", "audit", "verify"], env=env,
                        capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and ok.stdout.startswith("ok:"), ok.stderr
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET result = 'changed' WHERE id = 2"))
    broken = subprocess.run([sys.executable, "-m", "maatwerk.cli", "audit", "verify"], env=env,
                            capture_output=True, text=True, check=False)
    assert broken.returncode == 1 and "BROKEN at event 2" in broken.stdout


def _rechain(database: Database, hasher: Callable[[str, str], str],
             drop: Callable[[AuditEvent], bool] = lambda e: False) -> list[int]:
    """What someone with write access does to hide events: delete them, number the rest
    1, 2, 3 ... again, recompute every hash with `hasher` and move the head. Returns the
    ids that were dropped."""
    with UnitOfWork(database) as uow:
        events = list(uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        uow.session.expunge_all()
    dropped = [e.id for e in events if drop(e)]
    rows, prev = [], GENESIS_HASH
    for number, event in enumerate([e for e in events if not drop(e)], start=1):
        link = hasher(prev, _content_of(event))
        rows.append({"id": number, "occurred_at": event.occurred_at, "actor": event.actor,
                     "action": event.action, "case_id": event.case_id,
                     "task_id": event.task_id, "result": event.result,
                     "channel": event.channel, "details": event.details,
                     "prev_hash": prev, "hash": link})
        prev = link
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events"))
        conn.execute(insert(AuditEvent), rows)
        conn.execute(text("UPDATE audit_head SET last_event_id = :i, last_hash = :h"),
                     {"i": len(rows), "h": prev})
    return dropped


def test_a_chain_recomputed_without_the_key_is_found(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        worked_case: dict) -> None:  # type: ignore[type-arg]
    dropped = _rechain(database, plain_chain_hash, lambda e: e.action == "task_completed")
    assert dropped
    result = _verify(client, tokens["teamleider"])
    assert result["ok"] is False and result["first_broken"] == 1
    wrong_key = b"someone-elses-key-" + b"x" * 32
    _rechain(database, lambda prev, content: chain_hash(wrong_key, prev, content))
    assert _verify(client, tokens["teamleider"])["first_broken"] == 1


def test_a_gap_in_the_ids_is_named(client: FlaskClient, tokens: dict[str, str],
                                   database: Database, worked_case: dict) -> None:  # type: ignore[type-arg]
    ids = _event_ids(database)
    with database.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE id IN (:a, :b)"),
                     {"a": ids[3], "b": ids[4]})
    result = _verify(client, tokens["teamleider"])
    assert result["first_broken"] == ids[5]
    assert result["reason"].startswith(f"event ids jump from {ids[2]} to {ids[5]}")


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"MAATWERK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin",
           "MAATWERK_SECRET_KEY": "x" * 32, "MAATWERK_AUDIT_KEY": TEST_AUDIT_KEY}
    return subprocess.run([sys.executable, "-m", "maatwerk.cli", "audit", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=120)


def test_an_anchor_finds_a_rewrite_with_the_key_and_a_cut_tail(
        database_url: str, database: Database, worked_case: dict,  # type: ignore[type-arg]
        tmp_path: Path) -> None:
    anchors = tmp_path / "anchors.jsonl"
    taken = _cli(database_url, "anchor", "--out", str(anchors))
    assert taken.returncode == 0, taken.stderr
    assert _cli(database_url, "verify", "--anchors", str(anchors)).returncode == 0
    # an insider with the key deletes one event and recomputes: the chain alone is "intact"
    key = TEST_AUDIT_KEY.encode()
    _rechain(database, lambda prev, content: chain_hash(key, prev, content),
             lambda e: e.id == 3)
    assert _cli(database_url, "verify").returncode == 0
    caught = _cli(database_url, "verify", "--anchors", str(anchors))
    assert caught.returncode == 1 and "anchor" in caught.stdout, caught.stdout
    # the tail cut off, head and all: only the anchor knows
    with database.engine.begin() as conn:
        last = conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one()
        before = conn.execute(text("SELECT hash FROM audit_events WHERE id = :i"),
                              {"i": last - 1}).scalar_one()
        conn.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": last})
        conn.execute(text("UPDATE audit_head SET last_event_id = :i, last_hash = :h"),
                     {"i": last - 1, "h": before})
    assert _cli(database_url, "verify").returncode == 0
    assert "missing" in _cli(database_url, "verify", "--anchors", str(anchors)).stdout


def test_a_forged_anchor_is_refused(database_url: str, worked_case: dict,  # type: ignore[type-arg]
                                    tmp_path: Path) -> None:
    anchor = json.loads(_cli(database_url, "anchor").stdout)
    anchor["hash"] = "0" * 64
    forged = tmp_path / "forged.jsonl"
    forged.write_text(json.dumps(anchor) + "\n")
    result = _cli(database_url, "verify", "--anchors", str(forged))
    assert result.returncode == 1 and "not signed with this record's key" in result.stdout
    forged.write_text("not json\n")
    unreadable = _cli(database_url, "verify", "--anchors", str(forged))
    assert unreadable.returncode == 2 and "line 1" in unreadable.stderr


def _plain_events(database: Database, count: int) -> None:
    """A record as it was written before the chain was keyed (migration 0018)."""
    prev = GENESIS_HASH
    with database.engine.begin() as conn:
        for number in range(1, count + 1):
            event = AuditEvent(id=number, occurred_at=utcnow(), actor="consulent",
                               action="case_viewed", case_id=None, task_id=None, result="ok",
                               channel=None, details={"n": number, "tekst": "één"})
            link = plain_chain_hash(prev, _content_of(event))
            conn.execute(insert(AuditEvent).values(
                id=number, occurred_at=event.occurred_at, actor=event.actor,
                action=event.action, result="ok", details=event.details, prev_hash=prev,
                hash=link))
            prev = link
        conn.execute(insert(AuditHead).values(id=1, last_event_id=count, last_hash=prev))


def test_the_upgrade_signs_a_plain_record_again_and_refuses_a_broken_one(
        database_url: str, database: Database) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0018")
    try:
        _plain_events(database, 5)
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET actor = 'x' WHERE id = 4"))
        with pytest.raises(RuntimeError, match="broken at event 4"):
            command.upgrade(config, "head")
        with database.engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET actor = 'consulent' WHERE id = 4"))
            plain = conn.execute(text("SELECT hash FROM audit_events ORDER BY id")).all()
    finally:
        command.upgrade(config, "head")
    with UnitOfWork(database, readonly=True) as uow:
        result = audit.verify(uow)
        keyed = uow.session.execute(text("SELECT hash FROM audit_events ORDER BY id")).all()
    assert result.ok and result.checked == 5, result
    assert keyed != plain


PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def case_with_records(client: FlaskClient, tokens: dict[str, str]) -> dict[str, Any]:
    """A case with a document sent along and a deviation asked for."""
    data = dict(BIJSTAND_AANVRAAG, bewijsstukken=[{
        "filename": "offerte.pdf", "content_base64": base64.b64encode(PDF).decode()}])
    case = start(client, tokens["consulent"], "bijzondere_bijstand", data)
    task = next(t for t in case["open_tasks"] if t["element_id"] == "Task_Volledigheid")
    response = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={
        "type": "reassign", "task_id": task["id"], "values": {"assignee": "consulent2"},
        "legal_basis": "art. 4:84 Awb",
        "reason": "De aanvraag is vorige week al volledig bekeken bij de Wmo-melding."})
    assert response.status_code == 201, response.get_json()
    return {"case": case, "deviation": response.get_json()["id"],
            "document": case["data"]["bewijsstukken"][0]["document_id"]}


@pytest.mark.parametrize(("change", "named"), [
    (("UPDATE deviations SET reason = 'Een andere reden die beter uitkomt achteraf.' "
     "WHERE id = :deviation"), "deviation {deviation}: reason differ(s) from event"),
    (("UPDATE deviations SET legal_basis = 'hardheidsclausule', status = 'approved' "
     "WHERE id = :deviation"), "deviation {deviation}: status, legal_basis differ(s)"),
    ("DELETE FROM deviations WHERE id = :deviation", "deviation {deviation} is gone"),
    ("DELETE FROM documents WHERE id = :document", "document {document} is gone"),
    ("UPDATE documents SET content = :other WHERE id = :document",
     "document {document}: its content was changed"),
    ("UPDATE documents SET filename = 'iets-anders.pdf' WHERE id = :document",
     "document {document}: its name or hash differs"),
])
def test_state_changed_behind_the_record_is_found(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        case_with_records: dict[str, Any], database_url: str, change: str, named: str) -> None:
    assert _verify(client, tokens["teamleider"])["ok"] is True
    with database.engine.begin() as conn:
        conn.execute(text(change), {"deviation": case_with_records["deviation"],
                                    "document": case_with_records["document"],
                                    "other": b"%PDF-1.4 iets anders"})
    result = _verify(client, tokens["teamleider"])
    expected = named.format(**case_with_records)
    assert result["ok"] is False and result["first_broken"] is None, result
    assert any(p.startswith(expected) for p in result["state_problems"]), result
    cli = _cli(database_url, "verify")
    assert cli.returncode == 1 and expected in cli.stdout, cli.stdout


def test_a_row_added_outside_the_platform_is_found(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        case_with_records: dict[str, Any]) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO documents (id, case_id, field_key, filename, content_type, size, "
            "sha256, content, submitted_by, kind, created_at) VALUES ('00000000-0000-0000-"
            "0000-000000000001', :case, 'bewijsstukken', 'nep.pdf', 'application/pdf', 3, "
            ":sha, :content, 'inwoner', 'submitted', :now)"), {
            "case": case_with_records["case"]["id"], "content": b"abc", "now": utcnow(),
            "sha": hashlib.sha256(b"abc").hexdigest()})
    problems = _verify(client, tokens["teamleider"])["state_problems"]
    assert problems == [("document 00000000-0000-0000-0000-000000000001 is not in the audit "
                        "record: added outside the platform")]
