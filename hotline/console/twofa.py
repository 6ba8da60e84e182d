"""Console pages of the TOTP second factor: the login step, self-service set-up, admin reset."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotline.audit import service as audit
from hotline.console.access import staff
from hotline.console.auth import MAX_2FA_TRIES, check_csrf, pending_second_factor, sign_in
from hotline.console.pages import render_with
from hotline.users import tokens, totp
from hotline.users.models import Role, StaffUser
from hotline.web.deps import RuntimeDep, SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)
# Every signed-in staff member manages their own second factor.
AnyStaff = Annotated[StaffUser, Depends(staff(*Role))]
Admin = Annotated[StaffUser, Depends(staff(Role.admin))]
CodeField = Annotated[str, Form(max_length=16)]


def page(
    request: Request, template: str, user: StaffUser | None, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    """Render with `t2` for console_2fa.* strings."""
    return render_with(request, "console_2fa", template, user, status_code, helper="t2", **ctx)


# --- the second login step -------------------------------------------------------------------


@router.get("/login/2fa", response_class=HTMLResponse, response_model=None)
def login_code_page(request: Request) -> Response:
    """Ask for the code after a correct password (only with a fresh pending marker)."""
    if pending_second_factor(request) is None:
        return RedirectResponse("/console/login", status_code=303)
    return page(request, "login_2fa.html", None)


@router.post("/login/2fa", response_model=None)
def login_code(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    code: CodeField = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Check the code; wrong codes count towards the account lockout."""
    check_csrf(request, csrf_token)
    data = pending_second_factor(request)
    if data is None:
        return page(request, "login.html", None, status_code=401, expired=True)
    if not request.app.state.login_limiter.allow(
        f"console-2fa:{request.client.host if request.client else '?'}"
    ):
        return page(request, "login_2fa.html", None, status_code=429, error="rate")
    user = session.get(StaffUser, data["uid"])
    if (
        user is None
        or not user.active
        or totp.locked(user)
        or not totp.enabled(user)
        or not tokens.matches(user.password_hash, str(data.get("fp")))
    ):
        request.session.pop("2fa", None)
        return page(request, "login.html", None, status_code=401, expired=True)
    if not totp.verify(rt.cipher, user, code):
        data["n"] = int(data.get("n", 0)) + 1
        request.session["2fa"] = data
        totp.count_failure(user)
        audit.record(session, "console.login_2fa_failed", actor=user.username)
        # Commit the failure counter despite the error response.
        session.commit()
        left = MAX_2FA_TRIES - data["n"]
        if left <= 0 or totp.locked(user):
            request.session.pop("2fa", None)
            return page(request, "login.html", None, status_code=401, expired=True)
        return page(request, "login_2fa.html", None, status_code=401, left=left)
    totp.succeeded(user)
    sign_in(request, user, session)
    audit.record(session, "console.login", actor=user.username, second_factor=True)
    session.commit()  # the next request must find the session row
    target = "/console/password" if user.must_change_password else "/console"
    return RedirectResponse(target, status_code=303)


# --- self-service set-up ---------------------------------------------------------------------


@router.get("/2fa", response_class=HTMLResponse)
def twofa_page(request: Request, rt: RuntimeDep, user: AnyStaff) -> HTMLResponse:
    """Status, and the secret to type into an app while set-up is pending."""
    return page(
        request,
        "twofa.html",
        user,
        state=totp.state(user),
        enrolment=totp.pending(rt.cipher, user),
        done=request.query_params.get("done"),
    )


@router.post("/2fa/setup", response_model=None)
def twofa_setup(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: AnyStaff,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Generate a new secret (pending until a code confirms it)."""
    check_csrf(request, csrf_token)
    if not totp.enabled(user):
        totp.begin(rt.cipher, user)
        audit.record(session, "user.totp_setup_started", user.username, f"user:{user.username}")
    return RedirectResponse("/console/2fa", status_code=303)


@router.post("/2fa/confirm", response_model=None)
def twofa_confirm(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: AnyStaff,
    code: CodeField = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Turn the second factor on when the app's code matches."""
    check_csrf(request, csrf_token)
    if not totp.confirm(rt.cipher, user, code):
        return page(
            request,
            "twofa.html",
            user,
            status_code=400,
            state=totp.state(user),
            enrolment=totp.pending(rt.cipher, user),
            error="wrong_code",
        )
    audit.record(session, "user.totp_enabled", user.username, f"user:{user.username}")
    return RedirectResponse("/console/2fa?done=enabled", status_code=303)


@router.post("/2fa/disable", response_model=None)
def twofa_disable(
    request: Request,
    rt: RuntimeDep,
    session: SessionDep,
    user: AnyStaff,
    code: CodeField = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    """Turn it off; needs a current code (a stolen session alone cannot)."""
    check_csrf(request, csrf_token)
    if totp.enabled(user) and not totp.verify(rt.cipher, user, code):
        totp.count_failure(user)
        audit.record(session, "user.totp_disable_failed", user.username, f"user:{user.username}")
        session.commit()
        return page(
            request,
            "twofa.html",
            user,
            status_code=400,
            state=totp.state(user),
            enrolment=None,
            error="wrong_code",
        )
    was = totp.state(user)
    totp.disable(user)
    if was is not None:
        audit.record(session, "user.totp_disabled", user.username, f"user:{user.username}")
    return RedirectResponse("/console/2fa?done=disabled", status_code=303)


@router.post("/users/{user_id}/2fa/reset")
def twofa_reset(
    user_id: int,
    request: Request,
    session: SessionDep,
    user: Admin,
    csrf_token: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """An admin removes a user's second factor (lost phone); audited."""
    check_csrf(request, csrf_token)
    target = session.get(StaffUser, user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    was = totp.state(target)
    totp.disable(target)
    audit.record(session, "user.totp_reset", user.username, f"user:{target.username}", was=was)
    return RedirectResponse("/console/users?done=totp_reset", status_code=303)
