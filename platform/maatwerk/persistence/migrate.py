"""Running the Alembic migrations from code (the CLI, the tests, the Docker entrypoint)."""
from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from ..config import REPO_ROOT


def _home() -> Path:
    return Path(os.environ.get("MAATWERK_HOME", REPO_ROOT))


def alembic_config(url: str) -> Config:
    config = Config(str(_home() / "alembic.ini"))
    config.set_main_option("script_location", str(_home() / "migrations"))
    config.attributes["url"] = url
    return config


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


def recreate(url: str) -> None:
    """An empty database at the newest schema (tests and benchmarks only: drops everything)."""
    if url.startswith("postgresql"):
        from sqlalchemy import text

        from .database import Database
        database = Database(url)
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        database.dispose()
    upgrade(url)
