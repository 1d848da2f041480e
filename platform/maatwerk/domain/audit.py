"""The audit record as a keyed hash chain: each event's hash is an HMAC, under a key that is
not in the database, of its content and the previous event's hash."""
from __future__ import annotations

import hashlib
import hmac
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


def chain_hash(key: bytes, prev_hash: str, content: str) -> str:
    return hmac.new(key, f"{prev_hash}\n{content}".encode(), hashlib.sha256).hexdigest()


def plain_chain_hash(prev_hash: str, content: str) -> str:
    """The chain's hash before it was keyed (migration 0019 re-signs such a record)."""
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class Anchor:
    """The chain's head at a moment, signed, for a second system to keep: a later rewrite
    of the record up to that event no longer matches it."""

    event_id: int
    hash: str
    at: str  # ISO 8601, when it was taken
    signature: str

    @staticmethod
    def sign(key: bytes, event_id: int, head_hash: str, at: str) -> Anchor:
        return Anchor(event_id, head_hash, at, _anchor_signature(key, event_id, head_hash, at))

    def signed_by(self, key: bytes) -> bool:
        expected = _anchor_signature(key, self.event_id, self.hash, self.at)
        return hmac.compare_digest(expected, self.signature)

    def to_json(self) -> str:
        return json.dumps({"event_id": self.event_id, "hash": self.hash, "at": self.at,
                           "signature": self.signature}, sort_keys=True)

    @staticmethod
    def from_json(text: str) -> Anchor:
        """One anchor line; ValueError says what is wrong with it."""
        try:
            data = json.loads(text)
            return Anchor(int(data["event_id"]), str(data["hash"]), str(data["at"]),
                          str(data["signature"]))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"not an anchor line ({exc})") from None


def _anchor_signature(key: bytes, event_id: int, head_hash: str, at: str) -> str:
    return hmac.new(key, f"anchor\n{event_id}\n{head_hash}\n{at}".encode(),
                    hashlib.sha256).hexdigest()
