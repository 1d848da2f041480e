"""Alembic environment: the URL comes from the caller or MAATWERK_DATABASE_URL."""
from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from maatwerk.config import Settings
from maatwerk.persistence import metadata
from maatwerk.persistence.database import make_engine
from maatwerk.persistence.models import UtcDateTime

config = context.config


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Our column types are plain SQL types underneath; migrations use those."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _url() -> str:
    return config.attributes.get("url") or Settings().database_url


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                      compare_type=True, render_item=_render_item)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
