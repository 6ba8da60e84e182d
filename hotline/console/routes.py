"""The operator console: login, home, logout, language (server-rendered, Jinja2)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from hotline.audit import service as audit
from hotline.console.auth import (
    check_csrf,
    csrf_token,
    current_user,
    sign_in,
    sign_out,
    start_second_factor,
)
from hotline.kit.i18n import Catalog
from hotline.users import service as users
from hotline.users import totp
from hotline.users.models import StaffUser
from hotline.web.deps import RuntimeDep, SessionDep, login_allowed

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TZ = ZoneInfo("Asia/Ho_Chi_Minh")

router = APIRouter(prefix="/console", include_in_schema=False)


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC datetime shown in Asia/Ho_Chi_Minh, dd/mm/yyyy."""
    return value.astimezone(TZ).strftime(fmt) if value else "—"


TEMPLATES.env.filters["localtime"] = local_time


def console_lang(request: Request) -> str:
    """Vietnamese unless the staff member switched to English."""
    lang = request.session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def render(
    request: Request,
    catalog: Catalog,
    template: str,
    user: StaffUser | None = None,
    status_code: int = 200,
    **ctx: Any,
) -> HTMLResponse:
    """Render a console page with the translator, CSRF token and user."""
    lang = console_lang(request)

    def t(key: str, **params: Any) -> str:
        return catalog.t(lang, f"console.{key}", **params)

    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": t,
            # Full keys, for pages that show strings of other files (e.g. console_2fa.*).
            "tt": lambda key, **params: catalog.t(lang, key, **params),
            "lang": lang,
            "csrf": csrf_token(request),
            "user": user,
            **ctx,
        },
        status_code=status_code,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> HTMLResponse:
    """The sign-in form."""
    return render(request, request.app.state.catalog, "login.html")


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check the password; on success start a session and go home."""
    check_csrf(request, csrf_token)
    if not login_allowed(request, "console-login", username):
        return render(
            request, request.app.state.catalog, "login.html", error="rate_limited", status_code=429
        )
    user = users.authenticate(session, username, password)
    if user is None:
        audit.record(session, "console.login_failed", actor=None)
        session.commit()
        return render(
            request,
            request.app.state.catalog,
            "login.html",
            error="bad_credentials",
            status_code=401,
        )
    if totp.enabled(user):
        start_second_factor(request, user)
        audit.record(session, "console.login_password_ok", actor=user.username)
        return RedirectResponse("/console/login/2fa", status_code=303)
    sign_in(request, user, session)
    audit.record(session, "console.login", actor=user.username)
    # Committed before the redirect is sent: the next request must find the session row.
    session.commit()
    # A one-time password (demo admin, reset by an admin) must be replaced first.
    target = "/console/password" if user.must_change_password else "/console"
    return RedirectResponse(target, status_code=303)


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, rt: RuntimeDep, session: SessionDep) -> HTMLResponse:
    """The change-password form."""
    user = current_user(request, session, rt.settings.session_max_age_seconds)
    return render(request, request.app.state.catalog, "password.html", user=user)


@router.post("/password", response_model=None)
def change_password(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    current: Annotated[str, Form(max_length=256)],
    new: Annotated[str, Form(max_length=256)],
    confirm: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Replace the password after checking the current one; re-signs the session."""
    check_csrf(request, csrf_token)
    user = current_user(request, session, rt.settings.session_max_age_seconds)
    catalog = request.app.state.catalog
    if users.authenticate(session, user.username, current) is None:
        return render(
            request, catalog, "password.html", user=user, error="wrong_current", status_code=400
        )
    if new != confirm:
        return render(
            request, catalog, "password.html", user=user, error="mismatch", status_code=400
        )
    if new == current:
        return render(request, catalog, "password.html", user=user, error="same", status_code=400)
    try:
        users.set_password(session, user, new)
    except users.UserError:
        return render(
            request, catalog, "password.html", user=user, error="too_short", status_code=400
        )
    audit.record(session, "console.password_changed", actor=user.username)
    sign_in(request, user, session)
    session.commit()  # the other sessions end before this answer reaches the browser
    return RedirectResponse("/console", status_code=303)


@router.post("/logout")
def logout(
    request: Request, session: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """End the session (server side too: a copied cookie no longer works)."""
    check_csrf(request, csrf_token)
    sign_out(request, session)
    session.commit()  # ended before the browser hears so: a copied cookie is refused at once
    return RedirectResponse("/console/login", status_code=303)


@router.post("/lang")
def switch_language(
    request: Request, lang: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = ""
) -> RedirectResponse:
    """Switch the console between Vietnamese and English."""
    check_csrf(request, csrf_token)
    if lang in ("vi", "en"):
        request.session["lang"] = lang
    referer = request.headers.get("referer", "")
    target = (
        "/console" if "/console" not in referer else "/console" + referer.split("/console", 1)[1]
    )
    return RedirectResponse(target, status_code=303)


@router.get("", response_class=HTMLResponse, response_model=None)
def home(request: Request, rt: RuntimeDep, session: SessionDep) -> Response:
    """The console home page."""
    user = current_user(request, session, rt.settings.session_max_age_seconds)
    return render(
        request,
        request.app.state.catalog,
        "home.html",
        user=user,
        sections=request.app.state.console_sections,
    )
