"""Domain errors raised by services; only the web layer turns them into HTTP answers."""
from __future__ import annotations

from ..persistence.waits import DatabaseBusy

__all__ = ["Conflict", "DatabaseBusy", "Forbidden", "InvalidInput", "NotFound",
           "ServiceError"]


class ServiceError(Exception):
    """Base for errors a user can act on; `str()` is a readable sentence."""


class NotFound(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class Conflict(ServiceError):
    """The thing changed under you (task completed by someone else, case moved on)."""


class InvalidInput(ServiceError):
    """Input that does not fit; `errors` maps a field (or element) to a readable message."""

    def __init__(self, message: str, errors: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or {}


class TooManyAttempts(ServiceError):
    """Refused for now (e.g. too many wrong passwords for one account); try again after
    `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
