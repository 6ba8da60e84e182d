"""`POST /api/v1/auth/token` and `GET /api/v1/auth/me`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel

from hotline.audit import service as audit
from hotline.users import service as users
from hotline.users import tokens, totp
from hotline.users.models import StaffUser
from hotline.web.deps import RuntimeDep, SessionDep, current_api_user, login_allowed

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Token(BaseModel):
    """OAuth2 bearer token response."""

    access_token: str
    token_type: str = "bearer"  # noqa: S105 - OAuth2 token type, not a secret


class Me(BaseModel):
    """The signed-in user."""

    username: str
    role: str
    agency_code: str | None


@router.post(
    "/token",
    description=(
        "Exchange username + password for a bearer token (rate-limited per client address). "
        "Staff with two-step verification (TOTP, RFC 6238) turned on must also send the "
        "current 6-digit code, in the `X-TOTP` header or in the OAuth2 form field "
        "`client_secret`; a missing or wrong code gives 401 (`WWW-Authenticate: Bearer "
        'error="totp_required"`) and counts towards the account lockout like a wrong password.'
    ),
)
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    rt: RuntimeDep,
    session: SessionDep,
    request: Request,
    x_totp: Annotated[
        str | None,
        Header(
            alias="X-TOTP",
            max_length=16,
            description=(
                "Mã TOTP 6 số khi người dùng đã bật xác thực hai bước (hoặc gửi trong trường "
                "form `client_secret`) / the 6-digit TOTP code when two-step verification is "
                "on (or send it as the form field `client_secret`)."
            ),
        ),
    ] = None,
) -> Token:
    """Exchange username + password (+ TOTP code when enabled) for a bearer token."""
    if not login_allowed(request, "api-login", form.username):
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, detail="Thử lại sau ít phút / try again later"
        )
    user = users.authenticate(session, form.username, form.password)
    if user is None:
        audit.record(session, "api.login_failed", actor=None)
        # Commit the failure counter despite the error response.
        session.commit()
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Sai tên đăng nhập hoặc mật khẩu / wrong username or password",
        )
    if totp.enabled(user):
        code = x_totp or form.client_secret
        if not code or not totp.verify(rt.cipher, user, code):
            totp.count_failure(user)
            audit.record(session, "api.login_2fa_failed", actor=user.username, missing=not code)
            session.commit()
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                detail="Cần mã xác thực hai bước hợp lệ / valid TOTP code required",
                headers={"WWW-Authenticate": 'Bearer error="totp_required"'},
            )
        totp.succeeded(user)
    audit.record(session, "api.login", actor=user.username)
    return Token(access_token=tokens.issue(rt.secret_key, user.id, user.password_hash))


@router.get("/me")
def me(user: Annotated[StaffUser, Depends(current_api_user)]) -> Me:
    """Who am I."""
    return Me(username=user.username, role=user.role, agency_code=user.agency_code)
