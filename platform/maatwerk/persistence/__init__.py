"""Tables, sessions and the unit of work."""
from . import audit_log  # noqa: F401  (registers the audit head table)
from .models import Base

metadata = Base.metadata
