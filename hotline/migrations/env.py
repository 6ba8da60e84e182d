"""Alembic environment: the URL comes from the caller, never from an ini file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

import hotline.models  # noqa: F401  (registers every table)
from hotline.db.base import Base
from hotline.db.session import make_engine

config = context.config
url = config.get_main_option("sqlalchemy.url") or ""
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(
        connection=conn,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
