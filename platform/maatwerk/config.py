"""Settings from the environment, validated at start."""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
INSTANCE_DIR = Path(os.environ.get("MAATWERK_INSTANCE_DIR", REPO_ROOT / "instance"))
CHANNELS = ("online", "balie", "telefoon", "post")
# the most instances one multi-instance task may make (its collection or loopCardinality
# comes from case data, which a resident's form may set)
MAX_INSTANCES = int(os.environ.get("MAATWERK_MAX_INSTANCES", "200"))


class ConfigError(RuntimeError):
    """A setting is missing or has an impossible value."""


def _secret_key() -> str:
    """The secret key from the environment, else one kept in the instance folder."""
    return os.environ.get("MAATWERK_SECRET_KEY") or _made_once(INSTANCE_DIR / "secret_key")


MIN_AUDIT_KEY = 32  # characters


def audit_key() -> bytes:
    """The key of the audit chain's HMAC, never kept in the database: MAATWERK_AUDIT_KEY, or
    the file MAATWERK_AUDIT_KEY_FILE names, else one made once in the instance folder (fine
    for one machine; several hosts must share it through one of the two settings)."""
    if key := os.environ.get("MAATWERK_AUDIT_KEY"):
        source = "MAATWERK_AUDIT_KEY"
    elif name := os.environ.get("MAATWERK_AUDIT_KEY_FILE"):
        source = f"MAATWERK_AUDIT_KEY_FILE ({name})"
        try:
            key = Path(name).read_text().strip()
        except OSError as exc:
            raise ConfigError(f"{source} cannot be read: {exc.strerror}") from None
    else:
        path = INSTANCE_DIR / "audit_key"
        source = str(path)
        key = _made_once(path)
    if len(key) < MIN_AUDIT_KEY:
        raise ConfigError(f"the audit key from {source} must be at least {MIN_AUDIT_KEY} "
                          "characters")
    return key.encode()


def _made_once(path: Path) -> str:
    """A random key kept in `path`, made by whichever process comes first."""
    if not path.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    for _ in range(100):  # another process may be writing it this moment
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    return ""


MAX_TOKEN_DAYS = 366


def token_days() -> int:
    """How long a new API token is valid: MAATWERK_TOKEN_DAYS (default 90, at most 366)."""
    text = os.environ.get("MAATWERK_TOKEN_DAYS", "90")
    if not text.isdigit() or not 1 <= int(text) <= MAX_TOKEN_DAYS:
        raise ConfigError(f"MAATWERK_TOKEN_DAYS must be a whole number of days, 1 to "
                          f"{MAX_TOKEN_DAYS}")
    return int(text)


SANDBOX_MODES = ("processes", "inline")


@dataclass(frozen=True)
class SandboxSettings:
    """Where designer code runs: `processes` (default), a pool of separate processes that
    the operating system bounds (memory, CPU, no new processes, no files), killed and
    replaced when they overrun; or `inline`, in the calling process (only for measuring
    what the processes cost: it cannot stop one long C call)."""
    mode: str
    memory_mb: int


def sandbox_settings() -> SandboxSettings:
    """MAATWERK_SANDBOX (processes or inline) and MAATWERK_SANDBOX_MEMORY_MB (default 512:
    the address space one sandbox process may use, its Python included)."""
    mode = os.environ.get("MAATWERK_SANDBOX", "processes")
    if mode not in SANDBOX_MODES:
        raise ConfigError(f"MAATWERK_SANDBOX must be one of {', '.join(SANDBOX_MODES)}, "
                          f"not '{mode}'")
    memory = os.environ.get("MAATWERK_SANDBOX_MEMORY_MB", "512")
    if not memory.isdigit() or not 128 <= int(memory) <= 65536:
        raise ConfigError("MAATWERK_SANDBOX_MEMORY_MB must be a whole number of MiB, 128 to "
                          "65536")
    return SandboxSettings(mode, int(memory))


def public_url() -> str:
    """Where residents reach the platform (MAATWERK_PUBLIC_URL), without a trailing /."""
    return os.environ.get("MAATWERK_PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/")


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'maatwerk.db'}"


@dataclass
class Settings:
    database_url: str = field(default_factory=lambda: os.environ.get(
        "MAATWERK_DATABASE_URL", default_database_url()))
    secret_key: str = field(default_factory=_secret_key)
    audit_key: bytes = field(default_factory=audit_key, repr=False)
    max_upload_bytes: int = int(os.environ.get("MAATWERK_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))
    secure_cookies: bool = os.environ.get("MAATWERK_SECURE_COOKIES", "0") == "1"
    login_limit: int = int(os.environ.get("MAATWERK_LOGIN_LIMIT", 10))  # per 5 minutes
    # a staff session ends after this many minutes without a request, and this many hours
    # after signing in, whatever happens
    session_idle_minutes: int = int(os.environ.get("MAATWERK_SESSION_IDLE_MINUTES", 30))
    session_hours: int = int(os.environ.get("MAATWERK_SESSION_HOURS", 10))
    form_limit: int = int(os.environ.get("MAATWERK_FORM_LIMIT", 30))  # per 10 minutes
    # downloads through a resident's private link, per address per 10 minutes
    download_limit: int = int(os.environ.get("MAATWERK_DOWNLOAD_LIMIT", 60))
    # reverse proxies in front of the app that set X-Forwarded-For/-Proto (0: none); without
    # it, behind a proxy every client has the proxy's address and shares one rate limit
    trusted_proxies: int = int(os.environ.get("MAATWERK_TRUSTED_PROXIES", 0))
    # seconds: the longest a change waits for another to let go of the database (SQLite's
    # writer lock, PostgreSQL's lock_timeout); PostgreSQL's longest statement, and longest
    # transaction left open by its client
    db_busy_timeout: float = float(os.environ.get("MAATWERK_DB_BUSY_TIMEOUT", 15))
    db_statement_timeout: float = float(os.environ.get("MAATWERK_DB_STATEMENT_TIMEOUT", 60))
    db_idle_timeout: float = float(os.environ.get("MAATWERK_DB_IDLE_TIMEOUT", 60))
    # the base URLs the built-in HTTP connector may call (space- or comma-separated; empty:
    # http-connector tasks wait for an external worker), and its time limit per call
    http_connector_allow: tuple[str, ...] = tuple(
        part for part in os.environ.get("MAATWERK_HTTP_CONNECTOR_ALLOW", "").replace(
            ",", " ").split() if part)
    http_connector_timeout: float = float(os.environ.get("MAATWERK_HTTP_CONNECTOR_TIMEOUT", 10))
    # topics the worker does itself (services/topic_bindings.py): topic=URL (an HTTP JSON
    # call, under an allowed base) or topic=inwoner-bericht (a message to the resident)
    topic_bindings: tuple[str, ...] = tuple(
        part for part in os.environ.get("MAATWERK_TOPIC_BINDINGS", "").replace(
            ",", " ").split() if part)
    # e-mail to residents (services/mailer.py): smtp://user:password@host:587 (STARTTLS
    # when the server offers it) or smtps://...:465; empty: messages stay in the outbox,
    # where caseworkers read what would have been sent
    smtp_url: str = os.environ.get("MAATWERK_SMTP_URL", "")
    mail_from: str = os.environ.get("MAATWERK_MAIL_FROM", "")
    testing: bool = False

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise ConfigError(
                "MAATWERK_DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL")
        if self.database_url.startswith("postgresql://"):
            self.database_url = "postgresql+psycopg://" + self.database_url[len("postgresql://"):]
        if len(self.secret_key) < 16:
            raise ConfigError("MAATWERK_SECRET_KEY must be at least 16 characters")
        sandbox_settings()  # checked at start, not at the first script
        if not 0 <= self.trusted_proxies <= 5:
            raise ConfigError("MAATWERK_TRUSTED_PROXIES must be 0 (no proxy) up to 5")
        if not 0 < self.db_busy_timeout < self.db_statement_timeout <= 24 * 3600:
            raise ConfigError("MAATWERK_DB_BUSY_TIMEOUT must be more than 0 and shorter than "
                              "MAATWERK_DB_STATEMENT_TIMEOUT (at most a day)")
        if not 0 < self.db_idle_timeout <= 24 * 3600:
            raise ConfigError("MAATWERK_DB_IDLE_TIMEOUT must be more than 0, at most a day")
        if self.smtp_url and not self.smtp_url.startswith(("smtp://", "smtps://")):
            raise ConfigError("MAATWERK_SMTP_URL must be an smtp:// or smtps:// URL")
        if self.smtp_url and "@" not in self.mail_from:
            raise ConfigError("MAATWERK_MAIL_FROM must be the sender's address (e.g. "
                              "'Gemeente Voorbeeld <noreply@voorbeeld.nl>') when "
                              "MAATWERK_SMTP_URL is set")
        for base in self.http_connector_allow:
            if not base.startswith(("http://", "https://")):
                raise ConfigError(f"MAATWERK_HTTP_CONNECTOR_ALLOW: '{base}' is not an http:// "
                                  "or https:// URL")
        if not 0 < self.http_connector_timeout <= 300:
            raise ConfigError("MAATWERK_HTTP_CONNECTOR_TIMEOUT must be more than 0 and at "
                              "most 300 seconds")
        if not 1 <= self.session_idle_minutes <= 24 * 60:
            raise ConfigError("MAATWERK_SESSION_IDLE_MINUTES must be 1 to 1440")
        if not 1 <= self.session_hours <= 24 or self.session_idle_minutes > 60 * \
                self.session_hours:
            raise ConfigError("MAATWERK_SESSION_HOURS must be 1 to 24, and at least "
                              "MAATWERK_SESSION_IDLE_MINUTES")
        if self.max_upload_bytes < 1024:
            raise ConfigError("MAATWERK_MAX_UPLOAD_BYTES is too small")
