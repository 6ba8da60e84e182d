"""Loading and saving conversation state under a pseudonym, encrypted at rest."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Executable, Table, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hotline.conversations.models import ConversationState, ProcessedUpdate, SentMessage
from hotline.db.base import utcnow
from hotline.kit.crypto import Cipher, DecryptionError

_STATES: Table = cast(Table, ConversationState.__table__)
_UPDATES: Table = cast(Table, ProcessedUpdate.__table__)
_SENT: Table = cast(Table, SentMessage.__table__)


def _db(session: Session) -> Connection:
    """The session's connection, in the session's transaction."""
    # Core statements run here skip the ORM's execution layer: a few % of a chat message's CPU.
    return session.connection()


def _insert_for(dialect: str) -> Any:
    """The backend's INSERT with ON CONFLICT support (SQLite or PostgreSQL)."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def _insert(session: Session) -> Any:
    """``_insert_for`` the session's backend."""
    return _insert_for(session.get_bind().dialect.name)


@dataclass(frozen=True)
class _Hot:
    """The statements every chat message runs, built once per backend.

    Building a statement and its cache key on every call cost more CPU than running it
    (a quarter of a turn's database time, cProfile); a prebuilt one memoises its cache key.
    """

    mark: Executable
    load: Executable
    save: Executable
    # PostgreSQL only: mark and load in one round trip (a data-modifying WITH).
    mark_and_load: Executable | None


@cache
def _hot(dialect: str) -> _Hot:
    """The hot statements for one backend (built on first use)."""
    insert = _insert_for(dialect)
    mark = insert(_UPDATES).values(
        channel=bindparam("ch"), update_key=bindparam("uk"), created_at=bindparam("now")
    )
    save = insert(_STATES).values(
        key=bindparam("k"),
        channel=bindparam("ch"),
        state_enc=bindparam("blob"),
        version=1,
        updated_at=bindparam("now"),
    )
    marked = mark.on_conflict_do_nothing().returning(_UPDATES.c.id)
    load = select(_STATES.c.state_enc).where(_STATES.c.key == bindparam("k")).with_for_update()
    both = None
    if dialect == "postgresql":
        inserted = marked.cte("marked")
        both = select(
            select(inserted.c.id).scalar_subquery().label("marked"),
            load.scalar_subquery().label("state"),
        )
    return _Hot(
        mark=marked,
        load=load,
        mark_and_load=both,
        save=save.on_conflict_do_update(
            index_elements=[_STATES.c.key],
            set_={
                "state_enc": save.excluded.state_enc,
                "version": _STATES.c.version + 1,
                "updated_at": save.excluded.updated_at,
            },
        ),
    )


def _hot_of(session: Session) -> _Hot:
    """The hot statements for the session's backend."""
    return _hot(session.get_bind().dialect.name)


def load_state(session: Session, cipher: Cipher, key: str) -> dict[str, Any]:
    """The stored state for a pseudonym, or an empty dict (also if it cannot be decrypted)."""
    # Core statements, not the ORM: this runs twice per message and the ORM's identity map
    # and flush were a tenth of the webhook's CPU (bench/platform_bench.py profile).
    return _decoded(cipher, _db(session).execute(_hot_of(session).load, {"k": key}).scalar())


def start_turn(
    session: Session, cipher: Cipher, key: str, channel: str, update_key: str
) -> dict[str, Any] | None:
    """``mark_processed`` then ``load_state`` (locked): the state, or None for a duplicate.

    On PostgreSQL both are one statement: a round trip less for every chat message.
    """
    hot = _hot_of(session)
    if hot.mark_and_load is None:
        if not mark_processed(session, channel, update_key):
            return None
        return load_state(session, cipher, key)
    params = {"ch": channel, "uk": update_key, "now": utcnow(), "k": key}
    marked, blob = _db(session).execute(hot.mark_and_load, params).one()
    return None if marked is None else _decoded(cipher, cast(bytes | None, blob))


def _decoded(cipher: Cipher, blob: bytes | None) -> dict[str, Any]:
    """A stored state blob decrypted and parsed ({} when absent or unreadable)."""
    if blob is None:
        return {}
    try:
        data = json.loads(cipher.decrypt(blob))
    except (DecryptionError, ValueError):
        # A lost key must not lock a citizen out: start over rather than fail.
        return {}
    return data if isinstance(data, dict) else {}


def save_state(
    session: Session, cipher: Cipher, key: str, channel: str, state: dict[str, Any]
) -> None:
    """Persist the state (upsert) so a restart resumes where the user was."""
    blob = cipher.encrypt(json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())
    params = {"k": key, "ch": channel, "blob": blob, "now": utcnow()}
    _db(session).execute(_hot_of(session).save, params)


def delete_state(session: Session, key: str) -> None:
    """Forget a conversation entirely (/xoa, tip submission): its state and message ids."""
    _db(session).execute(delete(_STATES).where(_STATES.c.key == key))
    forget_sent(session, key)


def forget_sent(session: Session, key: str) -> None:
    """Drop every message id recorded for a pseudonym."""
    _db(session).execute(delete(_SENT).where(_SENT.c.key == key))


def hour_of(when: datetime) -> datetime:
    """A time cut to its hour: what a sent message is stamped with."""
    return when.replace(minute=0, second=0, microsecond=0)


def record_sent(session: Session, rows: Sequence[tuple[str, int, datetime]]) -> None:
    """Remember (pseudonym, message id, hour) rows; ones already known are ignored."""
    if rows:
        values = [{"key": k, "message_id": m, "sent_hour": hour_of(h)} for k, m, h in rows]
        _db(session).execute(_insert(session)(_SENT).on_conflict_do_nothing(), values)


def take_sent(session: Session, key: str, since: datetime) -> list[int]:
    """The message ids stamped since ``since`` (oldest first); all of the key's ids are dropped."""
    query = select(_SENT.c.message_id).where(_SENT.c.key == key, _SENT.c.sent_hour >= since)
    found: Sequence[int] = _db(session).execute(query.order_by(_SENT.c.message_id)).scalars().all()
    forget_sent(session, key)
    return [int(i) for i in found]


def mark_processed(session: Session, channel: str, update_key: str) -> bool:
    """Record an inbound update; False if it was already handled (a retried webhook)."""
    # One statement instead of select + savepoint + insert: it runs for every message.
    # Concurrent retries wait on the unique index; the loser inserts nothing.
    params = {"ch": channel, "uk": update_key, "now": utcnow()}
    inserted = _db(session).execute(_hot_of(session).mark, params).scalar()
    return inserted is not None
