"""Programmatic Alembic: `canhgiac db upgrade`, `make demo` and the tests all use this."""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, target: str = "heads") -> None:
    """Apply every migration (all branch heads)."""
    command.upgrade(alembic_config(url), target)


def revision(message: str, rev_id: str, down_revision: str) -> None:
    """Autogenerate a migration for models not yet migrated (developer helper).

    Runs against a scratch SQLite database upgraded to every head, so the new file contains
    only what the models add; `down_revision` says which revision it follows.
    """
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/scratch.db"
        upgrade(url)
        command.revision(
            alembic_config(url),
            message=message,
            autogenerate=True,
            rev_id=rev_id,
            head=down_revision,
            splice=True,
        )
