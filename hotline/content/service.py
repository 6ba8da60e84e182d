"""Content service: idempotent file import with the file/console rule, and a cached library.

Files and console (the rule `canhgiac content import` follows):
- a piece or item not yet in the database is created from its file (origin=file, published);
- an unchanged file (same content hash) does nothing: the import is idempotent;
- a changed file updates the live row only while its current version came from a file
  (origin=file): a new published version is recorded and the previous one superseded;
- once a communicator has edited it in the console (origin=console), a changed file never
  overwrites it: the file's content is recorded as a new *draft* version (once per file hash)
  for a human to review and publish, and the live row stays as the console left it.
Every published change bumps the content revision, which makes every process reload its
cached library: at once in the process that published, within `RECHECK_SECONDS` elsewhere
(and in any case after `CACHE_TTL` seconds).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from hotline.content import repository as repo
from hotline.content.faq import FaqEntry, FaqIndex
from hotline.content.loader import ItemRecord, LibraryFiles, PieceRecord, load_files
from hotline.content.models import (
    ContentItem,
    ContentOrigin,
    ContentPiece,
    ContentRevision,
    ContentStatus,
    ContentVersion,
    ItemKind,
)
from hotline.content.redflags import OfferRules, build_rules, normalise
from hotline.db.base import utcnow

log = logging.getLogger(__name__)

CACHE_TTL = 60.0
#: How often a cache asks the database whether the revision moved. Asking on every read was
#: a query per chat message; a change made in another process shows within this time.
RECHECK_SECONDS = 2.0
# Bumped after a commit that bumped the revision in this process: its caches recheck at once.
_local_changes = 0
PIECE = "piece"
DEFAULT_LANG = "vi"

# What each awareness intent is about: preferred topics and the piece to fall back on.
INTENT_TOPICS: dict[str, tuple[tuple[str, ...], str]] = {
    "ask_tactics": (("tactics", "signs", "online_safety"), "signs-trafficking-general"),
    "ask_victim_rights": (("rights",), "victims-rights"),
    "ask_law": (("law",), "what-counts-as-trafficking"),
    "ask_hotline": (("hotlines",), "hotline-numbers"),
    # A question asked on the way to a tip ("báo tin có bị lộ tên không") is about privacy.
    "report_tip": (("privacy",), "anonymous-tips-how"),
}


def intent_topics(intent: str | None) -> tuple[str, ...]:
    """The FAQ topics an intent's question is about (none for other intents)."""
    return INTENT_TOPICS.get(intent or "", ((), ""))[0]


@dataclass(frozen=True)
class PieceView:
    """A published piece as dialogs read it."""

    piece_id: str
    lang: str
    title: str
    topic: str
    tactic: str | None
    countries: tuple[str, ...]
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    parts: tuple[str, ...]


@dataclass
class Library:
    """An immutable snapshot of the published content."""

    pieces: dict[tuple[str, str], PieceView] = field(default_factory=dict)
    quiz_topics: dict[str, dict[str, str]] = field(default_factory=dict)
    quiz_questions: list[dict[str, Any]] = field(default_factory=list)
    offer_rules: OfferRules | None = None
    faq: list[FaqEntry] = field(default_factory=list)
    _faq_index: FaqIndex | None = field(default=None, repr=False)

    @property
    def faq_index(self) -> FaqIndex:
        """The FAQ retrieval index, built on first use (once per library snapshot)."""
        if self._faq_index is None:
            self._faq_index = FaqIndex.build(self.faq)
        return self._faq_index

    def faq_entry(self, faq_id: str) -> FaqEntry | None:
        """One FAQ entry by id."""
        return next((e for e in self.faq if e.faq_id == faq_id), None)

    def piece(self, piece_id: str, lang: str) -> PieceView | None:
        """A piece in the language, falling back to Vietnamese."""
        return self.pieces.get((piece_id, lang)) or self.pieces.get((piece_id, DEFAULT_LANG))

    def topics(self) -> list[str]:
        """Topics in a stable, sensible order (the order of first appearance by id)."""
        order = [
            "tactics",
            "signs",
            "online_safety",
            "safe_migration",
            "what_to_do",
            "rights",
            "law",
            "hotlines",
            "privacy",
        ]
        present = {p.topic for p in self.pieces.values()}
        return [t for t in order if t in present] + sorted(present - set(order))

    def pieces_in_topic(self, topic: str, lang: str) -> list[PieceView]:
        """Pieces of a topic in the language (vi fallback), by title."""
        ids = sorted({pid for (pid, _), p in self.pieces.items() if p.topic == topic})
        views = [v for v in (self.piece(pid, lang) for pid in ids) if v is not None]
        return sorted(views, key=lambda v: v.title)

    def questions(self, topic: str | None) -> list[dict[str, Any]]:
        """Quiz questions of a topic (all topics when None)."""
        return [q for q in self.quiz_questions if topic is None or q.get("topic") == topic]

    def question(self, qid: str) -> dict[str, Any] | None:
        """One quiz question by id."""
        return next((q for q in self.quiz_questions if q.get("id") == qid), None)

    def best_piece(
        self, text: str, intent: str | None, entities: list[dict[str, Any]], lang: str
    ) -> PieceView | None:
        """The piece that best answers a free-text question (intent + entities + keywords)."""
        topics, default = INTENT_TOPICS.get(intent or "", ((), ""))
        tactics = {str(e.get("value")) for e in entities if e.get("entity") == "tactic"}
        countries = {str(e.get("value")) for e in entities if e.get("entity") == "country"}
        padded = f" {normalise(text)} "
        words = set(padded.split())
        best: tuple[float, PieceView] | None = None
        for pid in sorted({pid for pid, _ in self.pieces}):
            view = self.piece(pid, lang)
            if view is None:
                continue
            score = 0.0
            if view.topic in topics:
                score += 3 - topics.index(view.topic) * 0.5
            if view.tactic and view.tactic in tactics:
                score += 4
            score += 2 * len(countries & set(view.countries))
            for kw in view.keywords:
                if kw and f" {kw} " in padded:
                    score += 1 + 0.5 * kw.count(" ")
            title_words = {w for w in normalise(view.title).split() if len(w) > 2}
            score += 0.3 * len(title_words & words)
            if pid == default:
                score += 0.75
            if best is None or score > best[0]:
                best = (score, view)
        if best is None or best[0] < 1:
            return self.piece(default, lang) if default else None
        return best[1]


def _piece_view(data: dict[str, Any]) -> PieceView:
    return PieceView(
        piece_id=str(data["piece_id"]),
        lang=str(data["lang"]),
        title=str(data["title"]),
        topic=str(data["topic"]),
        tactic=data.get("tactic"),
        countries=tuple(data.get("countries") or ()),
        keywords=tuple(normalise(k) for k in data.get("keywords") or ()),
        related=tuple(data.get("related") or ()),
        parts=tuple(data.get("parts") or ()),
    )


def build_library(pieces: list[dict[str, Any]], items: list[tuple[str, dict[str, Any]]]) -> Library:
    """Assemble a library from piece snapshots and (kind, data) items in file order."""
    lib = Library()
    for data in pieces:
        view = _piece_view(data)
        lib.pieces[(view.piece_id, view.lang)] = view
    config: dict[str, Any] = {}
    questions: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    for kind, data in items:
        if kind == ItemKind.QUIZ_TOPIC:
            lib.quiz_topics[str(data["topic"])] = dict(data.get("title") or {})
        elif kind == ItemKind.QUIZ_QUESTION:
            lib.quiz_questions.append(data)
        elif kind == ItemKind.OFFER_CONFIG:
            config = data
        elif kind == ItemKind.OFFER_QUESTION:
            questions.append(data)
        elif kind == ItemKind.RED_FLAG:
            flags.append(data)
        elif kind == ItemKind.FAQ:
            lib.faq.append(FaqEntry.from_data(data))
    if config or flags:
        lib.offer_rules = build_rules(config, questions, flags)
    return lib


def library_from_files(files: LibraryFiles) -> Library:
    """A library straight from parsed files (used before the first import, and by lint)."""
    return build_library(
        [p.snapshot() for p in files.pieces], [(i.kind, i.data) for i in files.items]
    )


def library_from_db(session: Session) -> Library:
    """A library of the published rows."""
    pieces = [_row_snapshot(p) for p in repo.published_pieces(session)]
    return build_library(pieces, [(i.kind, i.data) for i in repo.published_items(session)])


def _row_snapshot(p: ContentPiece) -> dict[str, Any]:
    return {
        "piece_id": p.piece_id,
        "lang": p.lang,
        "title": p.title,
        "topic": p.topic,
        "tactic": p.tactic,
        "audience": list(p.audience),
        "countries": list(p.countries),
        "keywords": list(p.keywords),
        "related": list(p.related),
        "sources": list(p.sources),
        "last_reviewed": p.last_reviewed.isoformat() if p.last_reviewed else None,
        "parts": list(p.parts),
    }


# --- import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    drafts: int = 0

    @property
    def changed(self) -> bool:
        """Whether anything live changed."""
        return bool(self.created or self.updated)


def bump_revision(session: Session) -> None:
    """Tell every cache that published content changed."""
    row = repo.revision(session)
    if row is None:
        row = ContentRevision(id=1, revision=0)
        session.add(row)
    row.revision = (row.revision or 0) + 1
    row.stamp = secrets.token_hex(8)
    row.updated_at = utcnow()
    event.listen(session, "after_commit", _changed_here, once=True)


def _changed_here(_session: Session) -> None:
    global _local_changes
    _local_changes += 1


def _apply_piece(p: ContentPiece, rec: PieceRecord) -> None:
    p.title, p.topic, p.tactic = rec.title, rec.topic, rec.tactic
    p.audience, p.countries, p.keywords = rec.audience, rec.countries, rec.keywords
    p.related, p.sources, p.parts = rec.related, rec.sources, rec.parts
    p.last_reviewed = rec.last_reviewed


def _supersede(session: Session, kind: str, item_id: str, lang: str) -> None:
    for v in session.query(ContentVersion).filter_by(
        kind=kind, item_id=item_id, lang=lang, status=ContentStatus.PUBLISHED
    ):
        v.status = ContentStatus.SUPERSEDED


def _version(
    session: Session,
    kind: str,
    item_id: str,
    lang: str,
    status: str,
    origin: str,
    file_hash: str | None,
    snapshot: dict[str, Any],
    actor: str | None,
    note: str | None = None,
) -> int:
    number = repo.latest_version(session, kind, item_id, lang) + 1
    if status == ContentStatus.PUBLISHED:
        _supersede(session, kind, item_id, lang)
    session.add(
        ContentVersion(
            kind=kind,
            item_id=item_id,
            lang=lang,
            version=number,
            status=status,
            origin=origin,
            file_hash=file_hash,
            snapshot=snapshot,
            changed_by=actor,
            note=note,
        )
    )
    session.flush()
    return number


def _import_piece(session: Session, rec: PieceRecord, report: ImportReport) -> None:
    digest = rec.content_hash()
    row = repo.get_piece(session, rec.piece_id, rec.lang)
    if row is None:
        row = ContentPiece(
            piece_id=rec.piece_id,
            lang=rec.lang,
            status=ContentStatus.PUBLISHED,
            origin=ContentOrigin.FILE,
            file_hash=digest,
        )
        _apply_piece(row, rec)
        row.version = _version(
            session,
            PIECE,
            rec.piece_id,
            rec.lang,
            "published",
            "file",
            digest,
            rec.snapshot(),
            None,
        )
        session.add(row)
        report.created += 1
    elif row.file_hash == digest:
        report.unchanged += 1
    elif row.origin == ContentOrigin.FILE:
        _apply_piece(row, rec)
        row.file_hash = digest
        row.updated_at, row.updated_by = utcnow(), None
        row.version = _version(
            session,
            PIECE,
            rec.piece_id,
            rec.lang,
            "published",
            "file",
            digest,
            rec.snapshot(),
            None,
        )
        report.updated += 1
    elif repo.has_version_with_hash(session, PIECE, rec.piece_id, rec.lang, digest):
        report.unchanged += 1
    else:
        _version(
            session,
            PIECE,
            rec.piece_id,
            rec.lang,
            ContentStatus.DRAFT,
            ContentOrigin.FILE,
            digest,
            rec.snapshot(),
            None,
            note="file changed after a console edit: review before publishing",
        )
        report.drafts += 1


def _import_item(session: Session, rec: ItemRecord, report: ImportReport) -> None:
    digest = rec.content_hash()
    row = repo.get_item(session, rec.kind, rec.item_id)
    if row is None:
        row = ContentItem(
            kind=rec.kind,
            item_id=rec.item_id,
            group=rec.group,
            position=rec.position,
            data=rec.data,
            status=ContentStatus.PUBLISHED,
            origin=ContentOrigin.FILE,
            file_hash=digest,
        )
        row.version = _version(
            session, rec.kind, rec.item_id, "", "published", "file", digest, rec.data, None
        )
        session.add(row)
        report.created += 1
    elif row.file_hash == digest and row.position == rec.position:
        report.unchanged += 1
    elif row.origin == ContentOrigin.FILE:
        changed = row.file_hash != digest
        row.data, row.group, row.position, row.file_hash = rec.data, rec.group, rec.position, digest
        row.updated_at, row.updated_by = utcnow(), None
        if changed:
            row.version = _version(
                session, rec.kind, rec.item_id, "", "published", "file", digest, rec.data, None
            )
        report.updated += 1
    elif repo.has_version_with_hash(session, rec.kind, rec.item_id, "", digest):
        report.unchanged += 1
    else:
        _version(
            session,
            rec.kind,
            rec.item_id,
            "",
            ContentStatus.DRAFT,
            ContentOrigin.FILE,
            digest,
            rec.data,
            None,
            note="file changed after a console edit: review before publishing",
        )
        report.drafts += 1


def import_library(session: Session, files: LibraryFiles) -> ImportReport:
    """Load parsed files into the database (idempotent; see the module docstring)."""
    report = ImportReport()
    for rec in files.pieces:
        _import_piece(session, rec, report)
    for item in files.items:
        _import_item(session, item, report)
    if report.changed:
        bump_revision(session)
    session.flush()
    return report


def versions(session: Session, kind: str, item_id: str, lang: str = "") -> list[ContentVersion]:
    """The version history of a piece or item, oldest first."""
    return list(
        session.query(ContentVersion)
        .filter_by(kind=kind, item_id=item_id, lang=lang)
        .order_by(ContentVersion.version)
    )


# --- the cached library dialogs read ------------------------------------------------------


class ContentCache:
    """The published library, reloaded when the revision stamp changes or after CACHE_TTL.

    Before the first `content import` the database is empty: the library is then read from
    the files, so a fresh checkout still answers (and logs that the import is missing).
    """

    def __init__(self, content_dir: Path, ttl: float = CACHE_TTL) -> None:
        self.content_dir = content_dir
        self.ttl = ttl
        self._lock = threading.Lock()
        self._library: Library | None = None
        self._stamp: str | None = None
        self._loaded_at = 0.0
        self._checked_at = 0.0
        self._seen_changes = -1

    def get(self, session: Session) -> Library:
        """The current library (a tiny query every RECHECK_SECONDS to check the revision)."""
        now = time.monotonic()
        changes = _local_changes
        with self._lock:
            if (
                self._library is not None
                and changes == self._seen_changes
                and now - self._checked_at < RECHECK_SECONDS
                and now - self._loaded_at < self.ttl
            ):
                return self._library
        row = repo.revision(session)
        stamp = row.stamp if row is not None else ""
        with self._lock:
            if self._library is not None and stamp == self._stamp and stamp:
                # Every publish writes a new random stamp: the same stamp is the same content,
                # so the TTL only renews (a rebuild, FAQ index included, would stall requests).
                self._checked_at, self._seen_changes = now, changes
                self._loaded_at = now
                return self._library
        library = library_from_db(session) if row is not None else None
        if library is None or not library.pieces:
            log.warning("content not imported: reading content/ files")
            library = library_from_files(load_files(self.content_dir))
        # Index the FAQ with the load, not on the first question (terms are cached across
        # reloads: a rebuild after a publish takes tens of ms, the first one ~0.3 s).
        library.faq_index  # noqa: B018
        with self._lock:
            self._library, self._stamp, self._loaded_at = library, stamp, now
            self._checked_at, self._seen_changes = now, changes
        return library
