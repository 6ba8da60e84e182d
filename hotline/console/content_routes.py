"""Console pages for content: list with filters, editor with chat preview, history, review.

A piece's body is edited as one text whose chat messages are separated by a line
`<!-- more -->` (the same format as the files in content/); the preview shows each part as the
chat bubble citizens will see, with a character counter (<= 700 each).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import yaml
from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEvent
from hotline.console.access import staff
from hotline.console.auth import check_csrf
from hotline.console.pages import render_with
from hotline.console.routes import console_lang
from hotline.content import admin
from hotline.content.lint import MAX_PART
from hotline.content.loader import PART_SEPARATOR, PIECE_LANGS
from hotline.content.models import ContentStatus
from hotline.content.service import PIECE
from hotline.users.models import StaffUser
from hotline.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/console/content", include_in_schema=False)
Editor = Annotated[StaffUser, Depends(staff(*admin.CONTENT_ROLES))]
KINDS = (PIECE, *admin.ITEM_KINDS)
STATUSES = ("published", "unpublished", "draft", "review")
SEPARATOR = "\n\n<!-- more -->\n\n"
CsrfField = Annotated[str, Form()]
Text = Annotated[str, Form(max_length=20_000)]
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def page(request: Request, template: str, user: StaffUser, **ctx: Any) -> HTMLResponse:
    """Render with `tc` for this module's strings (console_content.*)."""
    return render_with(request, "console_content", template, user, max_part=MAX_PART, **ctx)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    return kind


def _ref(kind: str, item_id: str, lang: str | None) -> admin.Ref:
    if _kind(kind) == PIECE:
        if lang not in PIECE_LANGS:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
        return admin.Ref(PIECE, item_id, str(lang))
    return admin.Ref(kind, item_id)


def _url(ref: admin.Ref, suffix: str = "") -> str:
    q = f"?lang={ref.lang}" if ref.lang else ""
    return f"/console/content/{ref.kind}/{ref.item_id}{suffix}{q}"


def _join(parts: list[str]) -> str:
    return SEPARATOR.join(parts)


def _piece_form(snapshot: dict[str, Any]) -> dict[str, str]:
    """Form values of a piece snapshot."""
    joined = {k: ", ".join(snapshot.get(k) or []) for k in admin.LIST_FIELDS if k != "parts"}
    return {
        "title": snapshot.get("title") or "",
        "topic": snapshot.get("topic") or "",
        "tactic": snapshot.get("tactic") or "",
        "last_reviewed": snapshot.get("last_reviewed") or "",
        "body": _join(list(snapshot.get("parts") or [])),
        **joined,
    }


def _item_form(snapshot: dict[str, Any]) -> dict[str, str]:
    data = {k: v for k, v in snapshot.items() if k not in ("id", "topic")}
    return {"data": yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)}


def _editor(
    request: Request,
    session: Session,
    user: StaffUser,
    ref: admin.Ref | None,
    kind: str,
    form: dict[str, str],
    problems: list[admin.Problem] | None = None,
    status_code: int = 200,
    lang: str = "vi",
) -> HTMLResponse:
    row = admin.live(session, ref) if ref else None
    versions = admin.history(session, ref) if ref else []
    current = versions[0] if versions else None
    return page(
        request,
        "content/edit.html",
        user,
        ref=ref,
        kind=kind,
        lang_value=ref.lang if ref else lang,
        row=row,
        current=current,
        form=form,
        problems=problems or [],
        topics=admin.topics(session) if kind == PIECE else admin.quiz_groups(session),
        langs=PIECE_LANGS,
        may_publish=current is not None and admin.may_publish(user, current),
        once_published=admin.ONCE_PUBLISHED,
        error=request.query_params.get("error"),
        done=request.query_params.get("done"),
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
def list_page(request: Request, rt: RuntimeDep, session: SessionDep, user: Editor) -> HTMLResponse:
    """Pieces, quiz questions or red flags, filtered by topic, status, language, origin."""
    q = request.query_params
    kind = q.get("kind") or PIECE
    kind = kind if kind in KINDS else PIECE
    f = {k: q.get(k) or None for k in ("topic", "status", "lang", "origin")}
    rows = admin.list_content(
        session,
        kind,
        topic=f["topic"],
        status=f["status"],
        lang=f["lang"] if kind == PIECE else None,
        origin=f["origin"],
        ui_lang=console_lang(request),
    )
    return page(
        request,
        "content/list.html",
        user,
        rows=rows,
        kind=kind,
        kinds=KINDS,
        f=f,
        topics=admin.topics(session) if kind == PIECE else admin.quiz_groups(session),
        statuses=STATUSES,
        langs=PIECE_LANGS,
        review_count=len(admin.review_queue(session)),
        due_count=len(
            admin.due_for_review(session, datetime.now(TZ).date(), rt.settings.content_review_days)
        ),
    )


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, session: SessionDep, user: Editor) -> HTMLResponse:
    """Versions waiting for review, oldest first."""
    queue = admin.review_queue(session)
    return page(
        request,
        "content/review.html",
        user,
        queue=queue,
        mine={v.id for v in queue if not admin.may_publish(user, v)},
    )


@router.get("/due", response_class=HTMLResponse)
def due_page(request: Request, rt: RuntimeDep, session: SessionDep, user: Editor) -> HTMLResponse:
    """Pieces due for review: no review date, or older than the configured age (or ?days=)."""
    days = rt.settings.content_review_days
    raw = request.query_params.get("days") or ""
    if raw.isdigit() and 0 < int(raw) <= 36_500:
        days = int(raw)
    today = datetime.now(TZ).date()
    return page(
        request,
        "content/due.html",
        user,
        due=admin.due_for_review(session, today, days),
        days=days,
        today=today,
    )


@router.get("/new", response_class=HTMLResponse)
def new_page(request: Request, session: SessionDep, user: Editor) -> HTMLResponse:
    """An empty editor for a new piece, quiz question or red flag."""
    kind = _kind(request.query_params.get("kind") or PIECE)
    form = _piece_form({}) if kind == PIECE else {"data": ""}
    return _editor(request, session, user, None, kind, form)


def _piece_data(form: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: form.get(k, "") for k in admin.PIECE_FIELDS if k != "parts"}
    data["parts"] = [p.strip() for p in PART_SEPARATOR.split(form.get("body", "")) if p.strip()]
    return data


def _item_data(text: str) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


async def _form(request: Request) -> dict[str, str]:
    raw = await request.form()
    return {k: str(v)[:20_000] for k, v in raw.items() if isinstance(v, str)}


def _save(
    request: Request,
    session: SessionDep,
    user: StaffUser,
    kind: str,
    item_id: str,
    form: dict[str, str],
    create: bool,
) -> HTMLResponse | RedirectResponse:
    lang = form.get("lang", "vi") if kind == PIECE else ""
    ref = admin.Ref(kind, item_id, lang)
    note = form.get("note") or None
    try:
        if kind == PIECE:
            admin.save_piece(
                session, user.username, item_id, lang, _piece_data(form), note, create=create
            )
        else:
            data = _item_data(form.get("data", ""))
            if data is None:
                raise admin.Invalid("invalid", [admin.Problem("bad_yaml")])
            admin.save_item(
                session,
                user.username,
                kind,
                item_id,
                data,
                note,
                create=create,
                group=form.get("topic") or None,
            )
    except admin.AdminError as exc:
        session.rollback()
        problems = exc.problems or [admin.Problem(exc.code)]
        shown = ref if not create else None
        return _editor(request, session, user, shown, kind, form, problems, 422, lang=lang or "vi")
    return RedirectResponse(_url(ref) + ("&" if lang else "?") + "done=saved", status_code=303)


@router.post("/new", response_model=None)
async def create(
    request: Request, session: SessionDep, user: Editor
) -> HTMLResponse | RedirectResponse:
    """Create a piece or item as a draft."""
    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    kind = _kind(form.get("kind") or PIECE)
    item_id = (form.get("item_id") or "").strip()
    return _save(request, session, user, kind, item_id, form, create=True)


@router.get("/{kind}/{item_id}", response_class=HTMLResponse)
def edit_page(
    kind: str, item_id: str, request: Request, session: SessionDep, user: Editor
) -> HTMLResponse:
    """The editor, filled with the newest version (a pending draft, or the live one)."""
    ref = _ref(kind, item_id, request.query_params.get("lang"))
    try:
        current = admin.working_copy(session, ref)
    except admin.NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found") from exc
    snap = dict(current.snapshot)
    form = _piece_form(snap) if kind == PIECE else _item_form(snap)
    return _editor(request, session, user, ref, kind, form)


@router.post("/{kind}/{item_id}", response_model=None)
async def save(
    kind: str, item_id: str, request: Request, session: SessionDep, user: Editor
) -> HTMLResponse | RedirectResponse:
    """Save the form as a new draft version."""
    form = await _form(request)
    check_csrf(request, form.get("csrf_token"))
    _ref(kind, item_id, form.get("lang"))
    return _save(request, session, user, kind, item_id, form, create=False)


@router.post("/{kind}/{item_id}/action")
def action(
    kind: str,
    item_id: str,
    request: Request,
    session: SessionDep,
    user: Editor,
    action: Annotated[str, Form(max_length=20)],
    csrf_token: CsrfField,
    version: Annotated[int, Form()] = 0,
    lang: Annotated[str, Form(max_length=8)] = "",
) -> RedirectResponse:
    """Submit, publish, unpublish or roll back; errors come back as a short code."""
    check_csrf(request, csrf_token)
    ref = _ref(kind, item_id, lang or None)
    steps = {
        "submit": lambda: admin.submit(session, user.username, ref, version),
        "publish": lambda: admin.publish(session, user, ref, version),
        "unpublish": lambda: admin.unpublish(session, user.username, ref),
        "rollback": lambda: admin.rollback(session, user.username, ref, version),
    }
    if action not in steps:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail="action")
    sep = "&" if ref.lang else "?"
    try:
        steps[action]()
    except admin.AdminError as exc:
        session.rollback()
        return RedirectResponse(_url(ref) + f"{sep}error={exc.code}", status_code=303)
    return RedirectResponse(_url(ref) + f"{sep}done={action}", status_code=303)


@router.get("/{kind}/{item_id}/history", response_class=HTMLResponse)
def history_page(
    kind: str, item_id: str, request: Request, session: SessionDep, user: Editor
) -> HTMLResponse:
    """Every version (who, when, status, note), a diff between two, and roll back buttons."""
    q = request.query_params
    ref = _ref(kind, item_id, q.get("lang"))
    versions = admin.history(session, ref)
    if not versions:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    newest = versions[0].version
    try:
        b = int(q.get("b") or newest)
        a = int(q.get("a") or max(1, b - 1))
        diffs = admin.diff(session, ref, a, b) if a != b else []
    except (ValueError, admin.NotFound):
        a, b, diffs = newest, newest, []
    trail = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target == ref.target)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(100)
    )
    return page(
        request,
        "content/history.html",
        user,
        ref=ref,
        row=admin.live(session, ref),
        versions=versions,
        a=a,
        b=b,
        diffs=diffs,
        trail=list(trail),
        once_published=admin.ONCE_PUBLISHED,
        review=ContentStatus.REVIEW,
    )
