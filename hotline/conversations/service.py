"""Loading and saving conversation state under a pseudonym, encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
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
    exists = session.scalar(
        select(ProcessedUpdate.id).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_key == update_key
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ProcessedUpdate(channel=channel, update_key=update_key))
    except IntegrityError:
        return False
    return True
