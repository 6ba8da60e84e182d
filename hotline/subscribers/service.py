"""Subscribe, change, unsubscribe and count subscribers (services never commit)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.kit.crypto import Cipher
from hotline.subscribers.models import Subscriber

AGE_BANDS = ("under_16", "16_17", "18_24", "25_34", "35_54", "55_plus")
LANGUAGES = ("vi", "en")


def get(session: Session, key: str) -> Subscriber | None:
    """The subscription of one pseudonym, if any."""
    return session.scalar(select(Subscriber).where(Subscriber.key == key))


def subscribe(
    session: Session,
    cipher: Cipher,
    *,
    key: str,
    channel: str,
    address: str,
    topics: Sequence[str],
    province: str | None = None,
    age_band: str | None = None,
    lang: str = "vi",
) -> Subscriber:
    """Create or replace a subscription; the address is stored encrypted."""
    sub = get(session, key)
    if sub is None:
        sub = Subscriber(key=key, channel=channel)
        session.add(sub)
    sub.address_enc = cipher.encrypt_text(address)
    sub.topics = sorted(set(topics))
    sub.province = province or None
    sub.age_band = age_band if age_band in AGE_BANDS else None
    sub.lang = lang if lang in LANGUAGES else "vi"
    session.flush()
    return sub


def unsubscribe(session: Session, key: str) -> bool:
    """Delete a subscription at once; True when there was one."""
    result = session.execute(delete(Subscriber).where(Subscriber.key == key))
    return bool(getattr(result, "rowcount", 0))


def unsubscribe_id(session: Session, subscriber_id: int) -> None:
    """Delete a subscription by row id (the sender, on a 403)."""
    session.execute(delete(Subscriber).where(Subscriber.id == subscriber_id))


def stats(session: Session) -> dict[str, dict[str, int]]:
    """Counts by channel, language and province (no identities)."""
    out: dict[str, dict[str, int]] = {}
    for name, column in (
        ("channel", Subscriber.channel),
        ("lang", Subscriber.lang),
        ("province", Subscriber.province),
    ):
        rows = session.execute(select(column, func.count()).group_by(column)).all()
        out[name] = {str(k or "-"): int(n) for k, n in rows}
    out["total"] = {"all": int(session.scalar(select(func.count(Subscriber.id))) or 0)}
    return out
