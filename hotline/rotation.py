"""Re-encrypting every encrypted column under the newest data key (`canhgiac keys rotate`).

Every ``*_enc`` binary column holds a Fernet token; ``staff_users.totp_secret`` holds
``<state>:<token>``. Rows are rewritten in small batches, each its own transaction, without
moving any time stamp (an "updated at" that jumped for every row would hide nothing, but one
that jumped for some rows could say which conversations were open).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Column, LargeBinary, Table, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

import hotline.models  # noqa: F401 - every table in Base.metadata, whatever the CLI imported
from hotline.db.base import Base
from hotline.db.session import unit_of_work
from hotline.kit.crypto import Cipher, DecryptionError

BATCH = 200
#: A Text column holding ``<state>:<Fernet token>`` (hotline.users.totp).
PREFIXED = (("staff_users", "totp_secret"),)


@dataclass
class RotationReport:
    """How many values were re-encrypted, and how many no held key could read, per column."""

    rotated: dict[str, int] = field(default_factory=dict)
    unreadable: dict[str, int] = field(default_factory=dict)


def encrypted_columns() -> Iterator[tuple[Table, Column[bytes]]]:
    """Every binary column named ``*_enc`` in the schema."""
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if column.name.endswith("_enc") and isinstance(column.type, LargeBinary):
                yield table, column


def _keep_stamps(table: Table) -> dict[str, object]:
    """Columns with an on-update default, set to themselves so the rewrite moves none."""
    return {c.name: c for c in table.columns if c.onupdate is not None}


def _rotate_column(
    sessions: sessionmaker[Session],
    cipher: Cipher,
    table: Table,
    column: Column[bytes] | Column[str],
    prefixed: bool,
    report: RotationReport,
) -> None:
    """Rewrite one column, batch by batch, in primary-key order."""
    name = f"{table.name}.{column.name}"
    pk = list(table.primary_key.columns)
    report.rotated[name] = 0
    report.unreadable[name] = 0
    last: tuple[object, ...] | None = None
    while True:
        with unit_of_work(sessions) as session:
            query = select(*pk, column).where(column.is_not(None)).order_by(*pk).limit(BATCH)
            if last is not None:
                query = query.where(tuple_(*pk) > tuple_(*last))
            rows = session.execute(query).all()
            for row in rows:
                *keys, value = row
                try:
                    new = _rotate_value(cipher, value, prefixed)
                except DecryptionError:
                    report.unreadable[name] += 1
                    continue
                where = [c == k for c, k in zip(pk, keys, strict=True)]
                values = {column.name: new, **_keep_stamps(table)}
                session.execute(update(table).where(*where).values(values))
                report.rotated[name] += 1
        if len(rows) < BATCH:
            return
        last = tuple(rows[-1][: len(pk)])


def _rotate_value(cipher: Cipher, value: object, prefixed: bool) -> bytes | str:
    """One value under the newest key (a prefixed text keeps its prefix)."""
    if isinstance(value, bytes) and not prefixed:
        return cipher.rotate(value)
    if not isinstance(value, str):
        raise DecryptionError("not a token")
    state, sep, token = value.partition(":")
    if not sep:
        raise DecryptionError("not a prefixed token")
    return f"{state}:{cipher.rotate(token.encode('ascii')).decode('ascii')}"


def rotate_all(sessions: sessionmaker[Session], cipher: Cipher) -> RotationReport:
    """Re-encrypt every encrypted value with the cipher's newest key."""
    report = RotationReport()
    for table, column in encrypted_columns():
        _rotate_column(sessions, cipher, table, column, False, report)
    tables = Base.metadata.tables
    for table_name, column_name in PREFIXED:
        table = tables[table_name]
        _rotate_column(sessions, cipher, table, table.c[column_name], True, report)
    return report
