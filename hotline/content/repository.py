"""Queries on the content tables (no commits here: the boundary owns the transaction)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.content.models import (
    ContentItem,
    ContentPiece,
    ContentRevision,
    ContentStatus,
    ContentVersion,
)


def get_piece(session: Session, piece_id: str, lang: str) -> ContentPiece | None:
    """One live piece by id and language."""
    return session.scalar(
        select(ContentPiece).where(ContentPiece.piece_id == piece_id, ContentPiece.lang == lang)
    )


def get_item(session: Session, kind: str, item_id: str) -> ContentItem | None:
    """One live item by kind and id."""
    return session.scalar(
        select(ContentItem).where(ContentItem.kind == kind, ContentItem.item_id == item_id)
    )


def published_pieces(session: Session) -> list[ContentPiece]:
    """Every published piece."""
    return list(
        session.scalars(
            select(ContentPiece)
            .where(ContentPiece.status == ContentStatus.PUBLISHED)
            .order_by(ContentPiece.piece_id, ContentPiece.lang)
        )
    )


def published_items(session: Session) -> list[ContentItem]:
    """Every published item, in file order."""
    return list(
        session.scalars(
            select(ContentItem)
            .where(ContentItem.status == ContentStatus.PUBLISHED)
            .order_by(ContentItem.kind, ContentItem.group, ContentItem.position)
        )
    )


def latest_version(session: Session, kind: str, item_id: str, lang: str) -> int:
    """The highest version number recorded (0 when none)."""
    value = session.scalar(
        select(func.max(ContentVersion.version)).where(
            ContentVersion.kind == kind,
            ContentVersion.item_id == item_id,
            ContentVersion.lang == lang,
        )
    )
    return int(value or 0)


def has_version_with_hash(
    session: Session, kind: str, item_id: str, lang: str, file_hash: str
) -> bool:
    """Whether a version with this file hash was already recorded."""
    return (
        session.scalar(
            select(ContentVersion.id).where(
                ContentVersion.kind == kind,
                ContentVersion.item_id == item_id,
                ContentVersion.lang == lang,
                ContentVersion.file_hash == file_hash,
            )
        )
        is not None
    )


def revision(session: Session) -> ContentRevision | None:
    """The revision counter row."""
    return session.get(ContentRevision, 1)
