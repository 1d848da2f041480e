"""Tables, sessions and the unit of work."""
from . import (
    audit_log,  # noqa: F401  (registers the audit head table)
    inbox_entries,  # noqa: F401  (keeps the inbox entries equal to their task)
)
from .models import Base

metadata = Base.metadata
