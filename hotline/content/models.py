"""Content tables: live pieces/items, their version history, and a revision counter.

The live row (`ContentPiece`, `ContentItem`) is what citizens see when its status is
`published`; every change (file import or console edit) also appends a `ContentVersion`
snapshot, so a draft -> review -> published workflow can work on versions without touching
the live row until a version is published.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db.base import Base, UTCDateTime, utcnow


class ContentStatus(StrEnum):
    """Workflow status of a piece, item or version."""

    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    # A version that was published once and has been replaced by a newer one.
    SUPERSEDED = "superseded"


class ContentOrigin(StrEnum):
    """Where the current version of a piece or item came from."""

    FILE = "file"
    CONSOLE = "console"


class ItemKind(StrEnum):
    """Language-agnostic content items (their JSON holds every language)."""

    QUIZ_TOPIC = "quiz_topic"
    QUIZ_QUESTION = "quiz_question"
    OFFER_CONFIG = "offer_config"
    OFFER_QUESTION = "offer_question"
    RED_FLAG = "red_flag"
    # A curated question with its short answer (content/faq/*.yml).
    FAQ = "faq"


class ContentPiece(Base):
    """One awareness piece in one language (the live version)."""

    __tablename__ = "content_pieces"
    __table_args__ = (UniqueConstraint("piece_id", "lang"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    piece_id: Mapped[str] = mapped_column(String(100), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(50), index=True)
    tactic: Mapped[str | None] = mapped_column(String(50), nullable=True)
    audience: Mapped[list[str]] = mapped_column(JSON, default=list)
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    related: Mapped[list[str]] = mapped_column(JSON, default=list)
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_reviewed: Mapped[date | None] = mapped_column(Date, nullable=True)
    parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=ContentStatus.PUBLISHED, index=True)
    origin: Mapped[str] = mapped_column(String(16), default=ContentOrigin.FILE)
    # Hash of the file version last imported (console edits keep it, to detect file changes).
    file_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ContentItem(Base):
    """A quiz question/topic, an offer-check question, a red flag, a FAQ or the offer config."""

    __tablename__ = "content_items"
    __table_args__ = (UniqueConstraint("kind", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    # Grouping (quiz topic for questions), for listing in the console.
    group: Mapped[str | None] = mapped_column(String(50), nullable=True, index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=ContentStatus.PUBLISHED, index=True)
    origin: Mapped[str] = mapped_column(String(16), default=ContentOrigin.FILE)
    file_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ContentVersion(Base):
    """History of every piece/item: one immutable snapshot per version."""

    __tablename__ = "content_versions"
    __table_args__ = (UniqueConstraint("kind", "item_id", "lang", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "piece" for awareness pieces, else an ItemKind value.
    kind: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(100), index=True)
    # Piece language; "" for language-agnostic items.
    lang: Mapped[str] = mapped_column(String(8), default="")
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    origin: Mapped[str] = mapped_column(String(16))
    file_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    changed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ContentRevision(Base):
    """A single row bumped on every published change: caches reload when it moves."""

    __tablename__ = "content_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # Random per bump, so a cache never mistakes a truncated-and-refilled table for its own.
    stamp: Mapped[str] = mapped_column(String(32), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
