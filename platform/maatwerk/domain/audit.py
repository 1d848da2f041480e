"""The audit record as a hash chain: each event's hash covers its content and the previous hash."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64


@dataclass
class AuditEntry:
    """An event about to be written: who did what, to which case and task, with what result."""

    actor: str
    action: str
    case_id: int | None = None
    task_id: str | None = None
    result: str = "ok"
    channel: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def canonical_content(*, occurred_at: datetime, actor: str, action: str, case_id: int | None,
                      task_id: str | None, result: str, channel: str | None,
                      details: dict[str, Any]) -> str:
    """A stable text for hashing: sorted keys, no spaces, UTC timestamp in microseconds."""
    return json.dumps({
        "occurred_at": occurred_at.isoformat(timespec="microseconds"),
        "actor": actor, "action": action, "case_id": case_id, "task_id": task_id,
        "result": result, "channel": channel, "details": details,
    }, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()
