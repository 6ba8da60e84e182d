"""A subscriber: a pseudonym, what they want to hear about, and an encrypted address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class Subscriber(Base):
    """One channel user who asked for campaign messages (deleted at once on unsubscribe)."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The conversation pseudonym (HMAC of channel + user id): never the raw id.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    # Chat id for delivery, Fernet-encrypted; only the sending worker decrypts it.
    address_enc: Mapped[bytes] = mapped_column(LargeBinary)
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    province: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    age_band: Mapped[str | None] = mapped_column(String(16), nullable=True)
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
