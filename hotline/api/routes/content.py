"""`/api/v1/content`: awareness pieces, quiz questions and red flags, with versions and review.

Every change is a new *draft* version; `submit` sends it to review; `publish` takes it live
(never by its own author: two-person rule); `unpublish` hides it; `rollback` republishes an
earlier once-published version as a new version. Roles: communicator, supervisor, admin.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from hotline.content import admin
from hotline.content.models import ContentVersion
from hotline.content.service import PIECE
from hotline.users.models import StaffUser
from hotline.web.deps import SessionDep, require_roles

router = APIRouter(prefix="/api/v1/content", tags=["content"])
Editor = Annotated[StaffUser, Depends(require_roles(*admin.CONTENT_ROLES))]


class ContentSummary(BaseModel):
    """A row of a content list: live state and the newest pending version."""

    kind: str
    id: str
    lang: str = Field(description="piece language; empty for quiz questions and red flags")
    title: str
    group: str | None = Field(description="topic of a piece or quiz question")
    status: str = Field(description="live status: published, unpublished, draft (never live)")
    origin: str = Field(description="file (content/ import) or console")
    version: int = Field(description="the live version")
    pending_version: int | None = None
    pending_status: str | None = Field(None, description="draft or review")
    updated_at: datetime | None
    updated_by: str | None


class VersionOut(BaseModel):
    """One immutable version: who changed what, and when."""

    version: int
    status: str
    origin: str
    changed_by: str | None
    changed_at: datetime
    note: str | None
    snapshot: dict[str, Any]


class DiffOut(BaseModel):
    """How one field changed between two versions."""

    field: str
    old: Any
    new: Any
    lines: list[str] = Field(description="unified diff lines")


class PieceIn(BaseModel):
    """Fields of an awareness piece; each part is one chat message (<= 700 characters)."""

    title: str = Field(max_length=300)
    topic: str = Field(max_length=50)
    tactic: str | None = Field(None, max_length=50)
    audience: list[str] = []
    countries: list[str] = []
    keywords: list[str] = []
    related: list[str] = []
    sources: list[str] = []
    last_reviewed: date | None = None
    parts: list[str] = Field(min_length=1, max_length=30)
    note: str | None = Field(None, max_length=500, description="what changed and why")


class PieceCreate(PieceIn):
    """A new piece in one language."""

    id: str = Field(max_length=100)
    lang: str = Field(max_length=8)


class ItemIn(BaseModel):
    """The data of a quiz question or red flag (the same shape as in content/ files)."""

    data: dict[str, Any]
    note: str | None = Field(None, max_length=500)


class ItemCreate(ItemIn):
    """A new quiz question (with its quiz topic) or red flag."""

    id: str = Field(max_length=100)
    topic: str | None = Field(None, description="quiz topic (quiz questions only)")


def _fail(exc: admin.AdminError) -> HTTPException:
    detail: Any = exc.code
    if exc.problems:
        detail = {
            "code": exc.code,
            "problems": [{"code": p.code, "params": p.params} for p in exc.problems],
        }
    return HTTPException(exc.status, detail=detail)


def _call(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except admin.AdminError as exc:
        raise _fail(exc) from exc


def _summary(s: admin.Summary) -> ContentSummary:
    return ContentSummary(
        kind=s.ref.kind,
        id=s.ref.item_id,
        lang=s.ref.lang,
        title=s.title,
        group=s.group,
        status=s.status,
        origin=s.origin,
        version=s.version,
        pending_version=s.pending_version,
        pending_status=s.pending_status,
        updated_at=s.updated_at,
        updated_by=s.updated_by,
    )


def _version(v: ContentVersion) -> VersionOut:
    return VersionOut.model_validate(v, from_attributes=True)


def _history(session: SessionDep, ref: admin.Ref) -> list[VersionOut]:
    versions = admin.history(session, ref)
    if not versions:
        raise HTTPException(404, detail="not_found")
    return [_version(v) for v in versions]


def _diff(session: SessionDep, ref: admin.Ref, a: int, b: int) -> list[DiffOut]:
    diffs = _call(lambda: admin.diff(session, ref, a, b))
    return [DiffOut(field=d.field, old=d.old, new=d.new, lines=d.lines) for d in diffs]


# --- pieces -------------------------------------------------------------------------------


@router.get("/pieces")
def list_pieces(
    session: SessionDep,
    user: Editor,
    topic: str | None = None,
    status: str | None = Query(None, description="published, unpublished, draft or review"),
    lang: str | None = None,
    origin: str | None = Query(None, description="file or console"),
) -> list[ContentSummary]:
    """Awareness pieces with filters."""
    rows = admin.list_content(session, PIECE, topic=topic, status=status, lang=lang, origin=origin)
    return [_summary(s) for s in rows]


@router.post("/pieces", status_code=201)
def create_piece(body: PieceCreate, session: SessionDep, user: Editor) -> VersionOut:
    """Create a piece as draft version 1 (not visible to citizens until published)."""
    data = body.model_dump(exclude={"id", "lang", "note"})
    v = _call(
        lambda: admin.save_piece(
            session, user.username, body.id, body.lang, data, body.note, create=True
        )
    )
    return _version(v)


@router.get("/review")
def review_queue(session: SessionDep, user: Editor) -> list[dict[str, Any]]:
    """Versions waiting for review (pieces and items), oldest first."""
    return [
        {"kind": v.kind, "id": v.item_id, "lang": v.lang, **_version(v).model_dump(mode="json")}
        for v in admin.review_queue(session)
    ]


@router.get("/pieces/{piece_id}/{lang}/versions")
def piece_versions(piece_id: str, lang: str, session: SessionDep, user: Editor) -> list[VersionOut]:
    """The version history of a piece in one language, newest first."""
    return _history(session, admin.Ref(PIECE, piece_id, lang))


@router.put("/pieces/{piece_id}/{lang}")
def edit_piece(
    piece_id: str, lang: str, body: PieceIn, session: SessionDep, user: Editor
) -> VersionOut:
    """Record an edit as a new draft version (the live piece is unchanged)."""
    data = body.model_dump(exclude={"note"})
    return _version(
        _call(lambda: admin.save_piece(session, user.username, piece_id, lang, data, body.note))
    )


@router.get("/pieces/{piece_id}/{lang}/diff")
def piece_diff(
    piece_id: str, lang: str, a: int, b: int, session: SessionDep, user: Editor
) -> list[DiffOut]:
    """Field-by-field differences from version `a` to version `b`."""
    return _diff(session, admin.Ref(PIECE, piece_id, lang), a, b)


@router.post("/pieces/{piece_id}/{lang}/versions/{version}/submit")
def submit_piece(
    piece_id: str, lang: str, version: int, session: SessionDep, user: Editor
) -> VersionOut:
    """Send a draft for review."""
    ref = admin.Ref(PIECE, piece_id, lang)
    return _version(_call(lambda: admin.submit(session, user.username, ref, version)))


@router.post("/pieces/{piece_id}/{lang}/versions/{version}/publish")
def publish_piece(
    piece_id: str, lang: str, version: int, session: SessionDep, user: Editor
) -> VersionOut:
    """Approve and publish a version in review (403 for its own author)."""
    ref = admin.Ref(PIECE, piece_id, lang)
    return _version(_call(lambda: admin.publish(session, user, ref, version)))


@router.post("/pieces/{piece_id}/{lang}/versions/{version}/rollback")
def rollback_piece(
    piece_id: str, lang: str, version: int, session: SessionDep, user: Editor
) -> VersionOut:
    """Republish an earlier, once-published version as a new version."""
    ref = admin.Ref(PIECE, piece_id, lang)
    return _version(_call(lambda: admin.rollback(session, user.username, ref, version)))


@router.post("/pieces/{piece_id}/{lang}/unpublish")
def unpublish_piece(piece_id: str, lang: str, session: SessionDep, user: Editor) -> dict[str, str]:
    """Hide a piece from citizens (history kept; roll back to publish it again)."""
    _call(lambda: admin.unpublish(session, user.username, admin.Ref(PIECE, piece_id, lang)))
    return {"status": "unpublished"}


# --- quiz questions and red flags ---------------------------------------------------------


def _item_routes(prefix: str, kind: str, label: str) -> None:
    """The same endpoints for one item kind (quiz questions, red flags)."""

    def list_items(
        session: SessionDep,
        user: Editor,
        topic: str | None = None,
        status: str | None = None,
        origin: str | None = None,
    ) -> list[ContentSummary]:
        rows = admin.list_content(session, kind, topic=topic, status=status, origin=origin)
        return [_summary(s) for s in rows]

    def create_item(body: ItemCreate, session: SessionDep, user: Editor) -> VersionOut:
        v = _call(
            lambda: admin.save_item(
                session,
                user.username,
                kind,
                body.id,
                body.data,
                body.note,
                create=True,
                group=body.topic,
            )
        )
        return _version(v)

    def edit_item(item_id: str, body: ItemIn, session: SessionDep, user: Editor) -> VersionOut:
        return _version(
            _call(
                lambda: admin.save_item(session, user.username, kind, item_id, body.data, body.note)
            )
        )

    def item_versions(item_id: str, session: SessionDep, user: Editor) -> list[VersionOut]:
        return _history(session, admin.Ref(kind, item_id))

    def item_diff(item_id: str, a: int, b: int, session: SessionDep, user: Editor) -> list[DiffOut]:
        return _diff(session, admin.Ref(kind, item_id), a, b)

    def submit_item(item_id: str, version: int, session: SessionDep, user: Editor) -> VersionOut:
        ref = admin.Ref(kind, item_id)
        return _version(_call(lambda: admin.submit(session, user.username, ref, version)))

    def publish_item(item_id: str, version: int, session: SessionDep, user: Editor) -> VersionOut:
        ref = admin.Ref(kind, item_id)
        return _version(_call(lambda: admin.publish(session, user, ref, version)))

    def rollback_item(item_id: str, version: int, session: SessionDep, user: Editor) -> VersionOut:
        ref = admin.Ref(kind, item_id)
        return _version(_call(lambda: admin.rollback(session, user.username, ref, version)))

    def unpublish_item(item_id: str, session: SessionDep, user: Editor) -> dict[str, str]:
        _call(lambda: admin.unpublish(session, user.username, admin.Ref(kind, item_id)))
        return {"status": "unpublished"}

    base = f"/{prefix}"
    one = base + "/{item_id}"
    routes: list[tuple[str, str, Callable[..., Any], str, int]] = [
        ("GET", base, list_items, f"List {label}s with filters (topic, status, origin).", 200),
        ("POST", base, create_item, f"Create a {label} as draft version 1.", 201),
        ("PUT", one, edit_item, f"Record an edit of a {label} as a new draft version.", 200),
        ("GET", one + "/versions", item_versions, f"Version history of a {label}.", 200),
        ("GET", one + "/diff", item_diff, "Differences from version `a` to `b`.", 200),
        ("POST", one + "/versions/{version}/submit", submit_item, "Send a draft for review.", 200),
        (
            "POST",
            one + "/versions/{version}/publish",
            publish_item,
            "Approve and publish a version in review (never by its author).",
            200,
        ),
        (
            "POST",
            one + "/versions/{version}/rollback",
            rollback_item,
            "Republish an earlier, once-published version as a new version.",
            200,
        ),
        ("POST", one + "/unpublish", unpublish_item, f"Hide a {label} from citizens.", 200),
    ]
    for method, path, fn, doc, code in routes:
        fn.__doc__ = doc
        router.add_api_route(
            path,
            fn,
            methods=[method],
            status_code=code,
            summary=doc.split(" (")[0].rstrip("."),
            operation_id=f"{kind}_{fn.__name__}",
            name=f"{kind}_{fn.__name__}",
        )


_item_routes("quiz", "quiz_question", "quiz question")
_item_routes("redflags", "red_flag", "red flag")
_item_routes("faq", "faq", "FAQ entry")
