"""Staff accounts of the console and the REST API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class Role(StrEnum):
    """Roles of contract §2."""

    admin = "admin"
    supervisor = "supervisor"
    operator = "operator"
    communicator = "communicator"
    agency = "agency"


class StaffUser(Base):
    """A person who signs in to the console; passwords only as Argon2id hashes."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(20))
    agency_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    language: Mapped[str] = mapped_column(String(5), default="vi")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # "<state>:<Fernet token>" (hotline.users.totp); Text because ciphertext is ~200 chars.
    totp_secret: Mapped[str | None] = mapped_column(Text, nullable=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def totp_enabled(self) -> bool:
        """True when a TOTP code is required after the password (hotline.users.totp)."""
        return (self.totp_secret or "").startswith("on:")


class StaffSession(Base):
    """A signed-in console session, server side: logout, a new password or disabling ends it.

    The cookie carries a random token; only its SHA-256 is stored, so a database copy cannot be
    replayed as a cookie.
    """

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
