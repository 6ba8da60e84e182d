"""Conversation state keyed by a pseudonym, the bot's sent messages, and update markers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class ConversationState(Base):
    """One row per (channel, user) pseudonym; the state itself is encrypted at rest."""

    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    state_enc: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class ProcessedUpdate(Base):
    """Marks an inbound update as handled so a retried webhook is answered once."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    # A keyed hash of the platform's update id: raw ids can be correlated with platform logs.
    update_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SentMessage(Base):
    """A message id in a user's chat (the bot's replies and their messages), for /xoa.

    Kept apart from the encrypted state so recording them after sending is one cheap insert
    instead of a second read-decrypt-encrypt-write of the state. Only a platform message id
    under the pseudonym, stamped to the hour (deletion needs "under 48 h", not the minute);
    erased with the conversation and purged after two days.
    """

    __tablename__ = "sent_messages"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    sent_hour: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
