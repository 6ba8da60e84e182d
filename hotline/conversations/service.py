"""Loading and saving conversation state under a pseudonym, encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline.conversations.models import ConversationState, ProcessedUpdate
from hotline.db.base import utcnow
from hotline.kit.crypto import Cipher, DecryptionError


def load_state(session: Session, cipher: Cipher, key: str) -> dict[str, Any]:
    """The stored state for a pseudonym, or an empty dict (also if it cannot be decrypted)."""
    row = session.get(ConversationState, key, with_for_update=True)
    if row is None:
        return {}
    try:
        data = json.loads(cipher.decrypt(row.state_enc))
    except (DecryptionError, ValueError):
        # A lost key must not lock a citizen out: start over rather than fail.
        return {}
    return data if isinstance(data, dict) else {}


def save_state(
    session: Session, cipher: Cipher, key: str, channel: str, state: dict[str, Any]
) -> None:
    """Persist the state (upsert) so a restart resumes where the user was."""
    blob = cipher.encrypt(json.dumps(state, ensure_ascii=False, separators=(",", ":")).encode())
    row = session.get(ConversationState, key)
    if row is None:
        session.add(ConversationState(key=key, channel=channel, state_enc=blob, version=1))
    else:
        row.state_enc = blob
        row.version += 1
        row.updated_at = utcnow()


def delete_state(session: Session, key: str) -> None:
    """Forget a conversation entirely (/xoa, tip submission)."""
    session.execute(delete(ConversationState).where(ConversationState.key == key))


def mark_processed(session: Session, channel: str, update_key: str) -> bool:
    """Record an inbound update; False if it was already handled (a retried webhook)."""
    # One statement instead of select + savepoint + insert: it runs for every message.
    # Concurrent retries wait on the unique index; the loser inserts nothing.
    values = {"channel": channel, "update_key": update_key, "created_at": utcnow()}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = pg_insert(ProcessedUpdate).values(values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(ProcessedUpdate).values(values).on_conflict_do_nothing()
    else:  # pragma: no cover - the product runs on SQLite and PostgreSQL only
        try:
            with session.begin_nested():
                session.add(ProcessedUpdate(channel=channel, update_key=update_key))
        except IntegrityError:
            return False
        return True
    inserted = session.scalar(stmt.returning(ProcessedUpdate.id))
    return inserted is not None
