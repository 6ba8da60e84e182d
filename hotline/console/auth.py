"""Console sessions (signed cookie) and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
import time
from typing import Any

from fastapi import HTTPException, Request, status
from sqlalchemy.orm import Session

from hotline.users import tokens
from hotline.users.models import Role, StaffUser

IDLE_TIMEOUT = 30 * 60


class LoginRequired(Exception):
    """Raised inside console routes to redirect to the login page."""


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose token does not match the session's."""
    expected = request.session.get("csrf")
    if (
        not isinstance(expected, str)
        or not submitted
        or not hmac.compare_digest(expected, submitted)
    ):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="CSRF token không hợp lệ / invalid")


def sign_in(request: Request, user: StaffUser) -> None:
    """Start a fresh session (new CSRF token: no session fixation)."""
    request.session.clear()
    request.session.update(
        {
            "uid": user.id,
            "fp": tokens._fingerprint(user.password_hash),
            "at": int(time.time()),
            "seen": int(time.time()),
            "lang": user.language,
        }
    )
    csrf_token(request)


PENDING_2FA_SECONDS = 5 * 60
MAX_2FA_TRIES = 5


def start_second_factor(request: Request, user: StaffUser) -> None:
    """Password accepted, code still due: a short-lived marker, not a signed-in session."""
    request.session.clear()
    request.session["2fa"] = {
        "uid": user.id,
        "fp": tokens._fingerprint(user.password_hash),
        "at": int(time.time()),
        "n": 0,
    }
    csrf_token(request)


def pending_second_factor(request: Request) -> dict[str, Any] | None:
    """The marker while it is fresh and has tries left, else None (and it is dropped)."""
    data = request.session.get("2fa")
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("uid"), int)
        or int(time.time()) - int(data.get("at", 0)) > PENDING_2FA_SECONDS
        or int(data.get("n", 0)) >= MAX_2FA_TRIES
    ):
        request.session.pop("2fa", None)
        return None
    return data


def sign_out(request: Request) -> None:
    """Forget the session."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def current_user(request: Request, session: Session, max_age: int) -> StaffUser:
    """The signed-in user or LoginRequired (expired, idle, password changed, disabled)."""
    data: dict[str, Any] = request.session
    uid, now = data.get("uid"), int(time.time())
    if not isinstance(uid, int):
        raise LoginRequired
    if now - int(data.get("at", 0)) > max_age or now - int(data.get("seen", 0)) > IDLE_TIMEOUT:
        sign_out(request)
        raise LoginRequired
    user = session.get(StaffUser, uid)
    if (
        user is None
        or not user.active
        or not tokens.matches(user.password_hash, str(data.get("fp")))
    ):
        sign_out(request)
        raise LoginRequired
    data["seen"] = now
    return user


def require(user: StaffUser, *roles: Role) -> None:
    """403 unless the user has one of the roles (admin always may)."""
    if Role(user.role) not in {*roles, Role.admin}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Không có quyền / forbidden")
