"""Content administration: drafts, review, publish, unpublish, roll back, history and diffs.

The workflow works on `ContentVersion` rows; the live row (`ContentPiece` / `ContentItem`)
only changes when a version is published, so citizens never see a draft.

- Save (create or edit) records a new *draft* version authored by the user. From the first
  console draft on, a piece or item belongs to the console (origin=console): a later file
  import records the file's change as a draft instead of overwriting anything.
- Submit moves a draft to *review* (any content role).
- Publish takes a version in review live. Two-person rule: the version's author can never
  publish it, whatever their role; a supervisor, an admin or *another* communicator can.
  A file draft (no author) may be published by any content role. The live row's origin
  becomes the published version's origin (publishing a file draft hands the piece back to
  the files).
- Unpublish hides the live row from citizens; roll back republishes the content of an earlier
  version that was once published (it was reviewed then) as a new version, so history is
  never rewritten. Roll back is also how an unpublished piece goes live again.
Every publish, unpublish and roll back bumps the content revision: each process's
`ContentCache` reloads on its next read. Every change is audited (never the text itself).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit import service as audit
from hotline.content import repository as repo
from hotline.content.lint import MAX_PART, lint_faq, lint_items, lint_numbers, unknown_numbers
from hotline.content.loader import PIECE_LANGS, ItemRecord, LibraryFiles
from hotline.content.models import (
    ContentItem,
    ContentOrigin,
    ContentPiece,
    ContentStatus,
    ContentVersion,
    ItemKind,
)
from hotline.content.service import PIECE, bump_revision
from hotline.db.base import utcnow
from hotline.users.models import Role, StaffUser

CONTENT_ROLES = (Role.communicator, Role.supervisor)
ITEM_KINDS = (ItemKind.QUIZ_QUESTION.value, ItemKind.RED_FLAG.value, ItemKind.FAQ.value)
# Kinds grouped by a topic kept outside the edited data (the editor hides `topic`).
GROUPED_KINDS = (ItemKind.QUIZ_QUESTION.value, ItemKind.FAQ.value)
PIECE_FIELDS = (
    "title",
    "topic",
    "tactic",
    "audience",
    "countries",
    "keywords",
    "related",
    "sources",
    "last_reviewed",
    "parts",
)
LIST_FIELDS = ("audience", "countries", "keywords", "related", "sources", "parts")
SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,98}$")
# Statuses a version can be rolled back to: its content passed review once.
ONCE_PUBLISHED = (ContentStatus.PUBLISHED, ContentStatus.SUPERSEDED, ContentStatus.UNPUBLISHED)
PENDING = (ContentStatus.DRAFT, ContentStatus.REVIEW)


@dataclass(frozen=True)
class Ref:
    """What a version belongs to: a piece in one language, or a language-agnostic item."""

    kind: str
    item_id: str
    lang: str = ""

    @property
    def target(self) -> str:
        """The audit target."""
        return f"content:{self.kind}:{self.item_id}" + (f":{self.lang}" if self.lang else "")


@dataclass(frozen=True)
class Problem:
    """One validation problem: a code for the console strings and its parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


class AdminError(Exception):
    """A refused content action; `code` names the reason (strings console_content.errors)."""

    status = 409

    def __init__(self, code: str, problems: list[Problem] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.problems = problems or []


class NotFound(AdminError):
    """No such piece, item or version."""

    status = 404


class NotAllowed(AdminError):
    """The two-person rule or a role forbids this."""

    status = 403


class Invalid(AdminError):
    """The content does not pass validation."""

    status = 422


@dataclass
class Summary:
    """A row of the content list: the live state plus the newest pending version."""

    ref: Ref
    title: str
    group: str | None
    status: str
    origin: str
    version: int
    updated_at: Any
    updated_by: str | None
    pending_version: int | None = None
    pending_status: str | None = None

    @property
    def workflow(self) -> str:
        """The state shown in lists: a pending draft/review wins over the live status."""
        return self.pending_status or self.status


# --- reading ----------------------------------------------------------------------------


def _pending(session: Session) -> dict[tuple[str, str, str], ContentVersion]:
    """The newest version of each piece/item when it is a draft or in review."""
    latest = (
        select(
            ContentVersion.kind,
            ContentVersion.item_id,
            ContentVersion.lang,
            func.max(ContentVersion.version).label("v"),
        )
        .group_by(ContentVersion.kind, ContentVersion.item_id, ContentVersion.lang)
        .subquery()
    )
    rows = session.scalars(
        select(ContentVersion).join(
            latest,
            (ContentVersion.kind == latest.c.kind)
            & (ContentVersion.item_id == latest.c.item_id)
            & (ContentVersion.lang == latest.c.lang)
            & (ContentVersion.version == latest.c.v),
        )
    )
    return {(v.kind, v.item_id, v.lang): v for v in rows if v.status in PENDING}


def _summary(ref: Ref, row: ContentPiece | ContentItem, title: str, group: str | None) -> Summary:
    return Summary(
        ref, title, group, row.status, row.origin, row.version, row.updated_at, row.updated_by
    )


def item_title(kind: str, data: dict[str, Any], lang: str = "vi") -> str:
    """A readable one-line title of an item in a language."""
    node = data.get("question") if kind == ItemKind.QUIZ_QUESTION else data.get("title")
    if kind == ItemKind.FAQ:
        # A FAQ entry is listed by its first phrasing in the language.
        questions = data.get("questions")
        if isinstance(questions, dict):
            node = {k: (v or [""])[0] for k, v in questions.items() if isinstance(v, list)}
    if isinstance(node, dict):
        return str(node.get(lang) or node.get("vi") or "")
    return str(node or data.get("id") or "")


def list_content(
    session: Session,
    kind: str = PIECE,
    *,
    topic: str | None = None,
    status: str | None = None,
    lang: str | None = None,
    origin: str | None = None,
    ui_lang: str = "vi",
) -> list[Summary]:
    """Pieces (or items of one kind) with filters; `status` also matches draft/review."""
    pending = _pending(session)
    out: list[Summary] = []
    if kind == PIECE:
        q = select(ContentPiece).order_by(ContentPiece.topic, ContentPiece.piece_id)
        if topic:
            q = q.where(ContentPiece.topic == topic)
        if lang:
            q = q.where(ContentPiece.lang == lang)
        for p in session.scalars(q):
            out.append(_summary(Ref(PIECE, p.piece_id, p.lang), p, p.title, p.topic))
    else:
        qi = select(ContentItem).where(ContentItem.kind == kind)
        if topic:
            qi = qi.where(ContentItem.group == topic)
        for i in session.scalars(qi.order_by(ContentItem.group, ContentItem.position)):
            out.append(
                _summary(Ref(kind, i.item_id), i, item_title(kind, i.data, ui_lang), i.group)
            )
    for s in out:
        v = pending.get((s.ref.kind, s.ref.item_id, s.ref.lang))
        if v is not None:
            s.pending_version, s.pending_status = v.version, v.status
    if origin:
        out = [s for s in out if s.origin == origin]
    if status:
        out = [s for s in out if s.workflow == status or s.status == status]
    return out


@dataclass(frozen=True)
class DueForReview:
    """A piece whose facts were last checked too long ago (or never)."""

    ref: Ref
    title: str
    last_reviewed: date | None
    age_days: int | None


def due_for_review(session: Session, today: date, max_age_days: int) -> list[DueForReview]:
    """Pieces with no review date or one older than `max_age_days`, the oldest first.

    The date is the piece's `last_reviewed` (front matter or console): when a person last
    checked its facts against the sources, so it is never stamped by an import.
    """
    due: list[DueForReview] = []
    for p in session.scalars(select(ContentPiece).order_by(ContentPiece.piece_id)):
        age = (today - p.last_reviewed).days if p.last_reviewed else None
        if age is None or age > max_age_days:
            due.append(DueForReview(Ref(PIECE, p.piece_id, p.lang), p.title, p.last_reviewed, age))
    # Never-reviewed first, then the oldest review.
    return sorted(due, key=lambda d: (d.last_reviewed is not None, d.last_reviewed or today))


def topics(session: Session) -> list[str]:
    """Topics (pieces) or groups (quiz questions) in use, sorted."""
    found = set(session.scalars(select(ContentPiece.topic).distinct()))
    return sorted(found)


def quiz_groups(session: Session, kind: str = ItemKind.QUIZ_QUESTION) -> list[str]:
    """Topics in use by quiz questions (or by the items of another grouped kind)."""
    return sorted(
        g
        for g in session.scalars(
            select(ContentItem.group).where(ContentItem.kind == kind).distinct()
        )
        if g
    )


def live(session: Session, ref: Ref) -> ContentPiece | ContentItem | None:
    """The live row of a piece or item."""
    if ref.kind == PIECE:
        return repo.get_piece(session, ref.item_id, ref.lang)
    return repo.get_item(session, ref.kind, ref.item_id)


def history(session: Session, ref: Ref) -> list[ContentVersion]:
    """Every version, newest first."""
    return list(
        session.scalars(
            select(ContentVersion)
            .where(
                ContentVersion.kind == ref.kind,
                ContentVersion.item_id == ref.item_id,
                ContentVersion.lang == ref.lang,
            )
            .order_by(ContentVersion.version.desc())
        )
    )


def get_version(session: Session, ref: Ref, number: int) -> ContentVersion:
    """One version, else NotFound."""
    v = session.scalar(
        select(ContentVersion).where(
            ContentVersion.kind == ref.kind,
            ContentVersion.item_id == ref.item_id,
            ContentVersion.lang == ref.lang,
            ContentVersion.version == number,
        )
    )
    if v is None:
        raise NotFound("not_found")
    return v


def working_copy(session: Session, ref: Ref) -> ContentVersion:
    """What an editor starts from: the newest version (a pending draft, or the live one)."""
    versions = history(session, ref)
    if not versions:
        raise NotFound("not_found")
    return versions[0]


def review_queue(session: Session) -> list[ContentVersion]:
    """Versions waiting for review, oldest first."""
    return list(
        session.scalars(
            select(ContentVersion)
            .where(ContentVersion.status == ContentStatus.REVIEW)
            .order_by(ContentVersion.changed_at, ContentVersion.id)
        )
    )


@dataclass
class FieldDiff:
    """How one field differs between two versions (unified diff lines for text)."""

    field: str
    old: Any
    new: Any
    lines: list[str]


def _as_text(key: str, value: Any) -> str:
    if key == "parts" and isinstance(value, list):
        return "\n<!-- more -->\n".join(str(v) for v in value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return "" if value is None else str(value)


def diff(session: Session, ref: Ref, old: int, new: int) -> list[FieldDiff]:
    """Field-by-field differences from version `old` to version `new`."""
    a = get_version(session, ref, old).snapshot
    b = get_version(session, ref, new).snapshot
    out = []
    for key in sorted(set(a) | set(b), key=lambda k: (k != "title", k != "parts", k)):
        if a.get(key) == b.get(key):
            continue
        lines = list(
            difflib.unified_diff(
                _as_text(key, a.get(key)).splitlines(),
                _as_text(key, b.get(key)).splitlines(),
                f"v{old}",
                f"v{new}",
                lineterm="",
                n=2,
            )
        )
        out.append(FieldDiff(key, a.get(key), b.get(key), lines))
    return out


# --- validation ---------------------------------------------------------------------------


def _clean_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [v for v in re.split(r"[,\n]", value)]
    return [str(v).strip() for v in value if str(v).strip()]


def normalise_piece(piece_id: str, lang: str, data: dict[str, Any]) -> dict[str, Any]:
    """A full piece snapshot from submitted fields (lists trimmed, parts stripped)."""
    snap: dict[str, Any] = {"piece_id": piece_id, "lang": lang}
    for key in PIECE_FIELDS:
        value = data.get(key)
        if key == "parts":
            snap[key] = [str(p).strip() for p in (value or []) if str(p).strip()]
        elif key in LIST_FIELDS:
            snap[key] = _clean_list(value)
        elif key == "last_reviewed":
            snap[key] = value.isoformat() if isinstance(value, date) else (value or None)
        elif key == "tactic":
            snap[key] = str(value).strip() or None if value else None
        else:
            snap[key] = str(value or "").strip()
    return snap


def validate_piece(session: Session, snap: dict[str, Any]) -> list[Problem]:
    """What a piece must satisfy before it is saved or published (content lint rules)."""
    problems: list[Problem] = []
    if not SLUG.match(snap["piece_id"]):
        problems.append(Problem("bad_id"))
    if snap["lang"] not in PIECE_LANGS:
        problems.append(Problem("bad_lang"))
    if not snap["title"]:
        problems.append(Problem("title_required"))
    elif len(snap["title"]) > 300:
        problems.append(Problem("title_too_long"))
    if not SLUG.match(snap["topic"] or ""):
        problems.append(Problem("topic_required"))
    if not snap["parts"]:
        problems.append(Problem("parts_required"))
    for i, part in enumerate(snap["parts"], 1):
        if len(part) > MAX_PART:
            problems.append(
                Problem("part_too_long", {"part": i, "length": len(part), "max": MAX_PART})
            )
    for number in unknown_numbers("\n".join([snap["title"], *snap["parts"]])):
        problems.append(Problem("unknown_number", {"number": number}))
    if snap.get("last_reviewed"):
        try:
            date.fromisoformat(str(snap["last_reviewed"]))
        except ValueError:
            problems.append(Problem("bad_date"))
    known = set(session.scalars(select(ContentPiece.piece_id).distinct()))
    for rel in snap["related"]:
        if rel == snap["piece_id"] or rel not in known:
            problems.append(Problem("broken_related", {"id": rel}))
    return problems


def validate_item(session: Session, kind: str, item_id: str, data: dict[str, Any]) -> list[Problem]:
    """Run the file lint over the library with this item in place; keep its own problems."""
    if kind not in ITEM_KINDS:
        return [Problem("bad_kind")]
    if not SLUG.match(item_id):
        return [Problem("bad_id")]
    if not isinstance(data, dict):
        return [Problem("bad_data")]
    files = LibraryFiles()
    for row in session.scalars(select(ContentItem)):
        if (row.kind, row.item_id) != (kind, item_id):
            files.items.append(
                ItemRecord(row.kind, row.item_id, row.group, row.position, row.data, "db")
            )
    files.items.append(ItemRecord(kind, item_id, data.get("topic"), 0, data, "console"))
    pieces = set(session.scalars(select(ContentPiece.piece_id).distinct()))
    mine = f"console {item_id}"
    found = [p for p in lint_items(files, pieces) + lint_numbers(files, None) if p.startswith(mine)]
    if kind == ItemKind.FAQ:
        found += [p for p in lint_faq(files, _piece_parts(session)) if p.startswith(mine)]
    return [Problem("lint", {"message": p.removeprefix(mine).lstrip(": ")}) for p in found]


def _piece_parts(session: Session) -> dict[str, int]:
    """Number of parts of each piece, the fewest across its languages (FAQ read_more)."""
    parts: dict[str, int] = {}
    for piece_id, body in session.execute(select(ContentPiece.piece_id, ContentPiece.parts)):
        parts[piece_id] = min(parts.get(piece_id, len(body or [])), len(body or []))
    return parts


# --- changes ------------------------------------------------------------------------------


def _add_version(
    session: Session,
    ref: Ref,
    status: str,
    snapshot: dict[str, Any],
    actor: str | None,
    note: str | None,
    origin: str = ContentOrigin.CONSOLE,
    file_hash: str | None = None,
) -> ContentVersion:
    v = ContentVersion(
        kind=ref.kind,
        item_id=ref.item_id,
        lang=ref.lang,
        version=repo.latest_version(session, ref.kind, ref.item_id, ref.lang) + 1,
        status=status,
        origin=origin,
        file_hash=file_hash,
        snapshot=snapshot,
        changed_by=actor,
        changed_at=utcnow(),
        note=(note or "").strip()[:500] or None,
    )
    session.add(v)
    session.flush()
    return v


def save_piece(
    session: Session,
    actor: str,
    piece_id: str,
    lang: str,
    data: dict[str, Any],
    note: str | None = None,
    *,
    create: bool = False,
) -> ContentVersion:
    """Create a piece or record an edit, both as a new draft version (never live yet)."""
    snap = normalise_piece(piece_id, lang, data)
    row = repo.get_piece(session, piece_id, lang)
    if create and row is not None:
        raise AdminError("exists")
    if not create and row is None:
        raise NotFound("not_found")
    problems = validate_piece(session, snap)
    if problems:
        raise Invalid("invalid", problems)
    ref = Ref(PIECE, piece_id, lang)
    if row is None:
        # Hidden until published: the library only reads published rows.
        row = ContentPiece(
            piece_id=piece_id,
            lang=lang,
            status=ContentStatus.DRAFT,
            origin=ContentOrigin.CONSOLE,
            version=0,
            updated_by=actor,
        )
        _apply_piece(row, snap)
        session.add(row)
    else:
        row.origin = ContentOrigin.CONSOLE
    v = _add_version(session, ref, ContentStatus.DRAFT, snap, actor, note)
    audit.record(
        session,
        "content.created" if create else "content.draft_saved",
        actor,
        ref.target,
        version=v.version,
    )
    return v


def save_item(
    session: Session,
    actor: str,
    kind: str,
    item_id: str,
    data: dict[str, Any],
    note: str | None = None,
    *,
    create: bool = False,
    group: str | None = None,
) -> ContentVersion:
    """Create a quiz question / red flag / FAQ entry or record an edit, as a new draft version."""
    if kind not in ITEM_KINDS:
        raise NotFound("not_found")
    row = repo.get_item(session, kind, item_id)
    if create and row is not None:
        raise AdminError("exists")
    if not create and row is None:
        raise NotFound("not_found")
    data = dict(data)
    data["id"] = item_id
    if kind in GROUPED_KINDS:
        data["topic"] = (row.group if row is not None else group) or data.get("topic") or ""
        if not data["topic"]:
            raise Invalid("invalid", [Problem("topic_required")])
    problems = validate_item(session, kind, item_id, data)
    if problems:
        raise Invalid("invalid", problems)
    ref = Ref(kind, item_id)
    if row is None:
        position = session.scalar(
            select(func.max(ContentItem.position)).where(ContentItem.kind == kind)
        )
        row = ContentItem(
            kind=kind,
            item_id=item_id,
            group=data.get("topic") if kind in GROUPED_KINDS else None,
            position=int(position or 0) + 1,
            data=data,
            status=ContentStatus.DRAFT,
            origin=ContentOrigin.CONSOLE,
            version=0,
            updated_by=actor,
        )
        session.add(row)
    else:
        row.origin = ContentOrigin.CONSOLE
    v = _add_version(session, ref, ContentStatus.DRAFT, data, actor, note)
    audit.record(
        session,
        "content.created" if create else "content.draft_saved",
        actor,
        ref.target,
        version=v.version,
    )
    return v


def submit(session: Session, actor: str, ref: Ref, number: int) -> ContentVersion:
    """Send a draft for review."""
    v = get_version(session, ref, number)
    if v.status != ContentStatus.DRAFT:
        raise AdminError("not_draft")
    v.status = ContentStatus.REVIEW
    audit.record(session, "content.submitted", actor, ref.target, version=number)
    return v


def may_publish(user: StaffUser, v: ContentVersion) -> bool:
    """Two-person rule: a content role, and never the version's own author."""
    role_ok = Role(user.role) in {*CONTENT_ROLES, Role.admin}
    return role_ok and (v.changed_by is None or v.changed_by != user.username)


def _apply_piece(row: ContentPiece, snap: dict[str, Any]) -> None:
    for key in PIECE_FIELDS:
        value = snap.get(key)
        if key == "last_reviewed":
            value = date.fromisoformat(value) if value else None
        elif key in LIST_FIELDS:
            value = list(value or [])
        setattr(row, key, value)


def _go_live(session: Session, ref: Ref, v: ContentVersion, actor: str) -> None:
    """Make `v` the live version: supersede the others, copy it to the live row."""
    row = live(session, ref)
    if row is None:
        raise NotFound("not_found")
    if ref.kind == PIECE:
        problems = validate_piece(session, dict(v.snapshot))
    else:
        problems = validate_item(session, ref.kind, ref.item_id, dict(v.snapshot))
    if problems:
        raise Invalid("invalid", problems)
    for other in history(session, ref):
        if other.id != v.id and other.status == ContentStatus.PUBLISHED:
            other.status = ContentStatus.SUPERSEDED
        elif other.version < v.version and other.status in PENDING:
            # An older draft cannot be published over a newer live version by mistake.
            other.status = ContentStatus.SUPERSEDED
    v.status = ContentStatus.PUBLISHED
    if isinstance(row, ContentPiece):
        _apply_piece(row, dict(v.snapshot))
    else:
        row.data = dict(v.snapshot)
        if row.kind in GROUPED_KINDS:
            row.group = str(v.snapshot.get("topic") or row.group)
    row.status = ContentStatus.PUBLISHED
    row.origin = v.origin
    if v.file_hash:
        row.file_hash = v.file_hash
    row.version = v.version
    row.updated_at, row.updated_by = utcnow(), actor
    bump_revision(session)
    session.flush()


def publish(session: Session, user: StaffUser, ref: Ref, number: int) -> ContentVersion:
    """Approve a version in review and take it live (two-person rule)."""
    v = get_version(session, ref, number)
    if v.status != ContentStatus.REVIEW:
        raise AdminError("not_in_review")
    if not may_publish(user, v):
        raise NotAllowed("own_version")
    _go_live(session, ref, v, user.username)
    audit.record(session, "content.published", user.username, ref.target, version=number)
    return v


def unpublish(session: Session, actor: str, ref: Ref) -> None:
    """Hide the live piece or item from citizens (its history stays)."""
    row = live(session, ref)
    if row is None:
        raise NotFound("not_found")
    if row.status != ContentStatus.PUBLISHED:
        raise AdminError("not_published")
    row.status = ContentStatus.UNPUBLISHED
    row.updated_at, row.updated_by = utcnow(), actor
    for v in history(session, ref):
        if v.status == ContentStatus.PUBLISHED:
            v.status = ContentStatus.UNPUBLISHED
    bump_revision(session)
    audit.record(session, "content.unpublished", actor, ref.target, version=row.version)
    session.flush()


def rollback(session: Session, actor: str, ref: Ref, number: int) -> ContentVersion:
    """Republish the content of an earlier, once-published version as a new version."""
    old = get_version(session, ref, number)
    if old.status not in ONCE_PUBLISHED:
        raise AdminError("never_published")
    v = _add_version(
        session,
        ref,
        ContentStatus.REVIEW,
        dict(old.snapshot),
        actor,
        f"rollback to v{number}",
        origin=old.origin,
        file_hash=old.file_hash,
    )
    _go_live(session, ref, v, actor)
    audit.record(session, "content.rolled_back", actor, ref.target, version=v.version, to=number)
    return v
