"""Store, read and lease rotating channel tokens (encrypted with the data key, like tips)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from hotline.channel_tokens.models import ChannelToken
from hotline.db.base import utcnow
from hotline.kit.crypto import Cipher


@dataclass(frozen=True)
class Tokens:
    """The decrypted pair, its expiry and version (never logged)."""

    access: str
    refresh: str
    expires_at: datetime
    version: int
    last_error: str | None


def store(
    session: Session, cipher: Cipher, name: str, access: str, refresh: str, expires_in: int
) -> int:
    """Save a new pair (encrypted), bump the version, end the lease; returns the version."""
    row = session.get(ChannelToken, name, with_for_update=True)
    expires_at = utcnow() + timedelta(seconds=expires_in)
    if row is None:
        row = ChannelToken(name=name, version=0)
        session.add(row)
    row.access_enc = cipher.encrypt_text(access)
    row.refresh_enc = cipher.encrypt_text(refresh)
    row.access_expires_at = expires_at
    row.version = (row.version or 0) + 1
    row.lease_owner = None
    row.lease_until = None
    row.last_error = None
    row.alerted_at = None
    row.updated_at = utcnow()
    session.flush()
    return row.version


def load(session: Session, cipher: Cipher, name: str) -> Tokens | None:
    """The current pair, or None before `authorize`."""
    row = session.get(ChannelToken, name)
    if row is None:
        return None
    return Tokens(
        access=cipher.decrypt_text(row.access_enc),
        refresh=cipher.decrypt_text(row.refresh_enc),
        expires_at=row.access_expires_at,
        version=row.version,
        last_error=row.last_error,
    )


def take_lease(session: Session, name: str, owner: str, version: int, seconds: float) -> bool:
    """Become the one refresher of ``version`` (one conditional UPDATE: atomic everywhere).

    Fails when the version moved on (someone refreshed already) or another live lease exists.
    """
    now = utcnow()
    result = session.execute(
        update(ChannelToken)
        .where(
            ChannelToken.name == name,
            ChannelToken.version == version,
            or_(ChannelToken.lease_until.is_(None), ChannelToken.lease_until < now),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
    )
    return bool(getattr(result, "rowcount", 0))


def fail_lease(session: Session, name: str, owner: str, error: str) -> bool:
    """Record a failed refresh and end the lease; True when supervisors should be alerted.

    One alert per failure streak and at most one every six hours: a broken refresh token
    fails every tick, and a pager that rings every minute gets muted.
    """
    row = session.get(ChannelToken, name, with_for_update=True)
    if row is None:
        return False
    if row.lease_owner == owner:
        row.lease_owner = None
        row.lease_until = None
    row.last_error = error[:255]
    now = utcnow()
    alert = row.alerted_at is None or now - row.alerted_at > timedelta(hours=6)
    if alert:
        row.alerted_at = now
    return alert
