"""One row per rotating credential: the tokens encrypted, their expiry, the refresh lease."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class ChannelToken(Base):
    """E.g. ``zalo_oa:<app id>``: access and single-use refresh token, Fernet-encrypted."""

    __tablename__ = "channel_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_enc: Mapped[bytes] = mapped_column(LargeBinary)
    refresh_enc: Mapped[bytes] = mapped_column(LargeBinary)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Bumped by every store: a worker holding an older version knows it must re-read.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Who refreshes now, and until when (a process that dies leaves an expiring lease).
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(255), nullable=True)
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
