"""Console sessions (a signed cookie naming a server-side session row) and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Any

from fastapi import HTTPException, Request, status
from sqlalchemy import delete
from sqlalchemy.orm import Session

from hotline.db.base import utcnow
from hotline.users import tokens
from hotline.users.models import Role, StaffSession, StaffUser

IDLE_TIMEOUT = 30 * 60


#: Console paths open to a user who must still replace a one-time password.
PASSWORD_CHANGE_PATHS = frozenset({"/console/password", "/console/logout", "/console/lang"})


class LoginRequired(Exception):
    """Raised inside console routes to redirect to the login page."""


class PasswordChangeRequired(Exception):
    """Raised inside console routes while a one-time password is still in use."""


def _token_hash(token: str) -> str:
    """What the database keeps of a session token (a copy of the table is no cookie)."""
    return hashlib.sha256(token.encode()).hexdigest()


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


def sign_in(request: Request, user: StaffUser, session: Session) -> None:
    """Start a fresh session, recorded server side (new CSRF token: no session fixation)."""
    sign_out(request, session)
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_token_hash(token), user_id=user.id))
    session.flush()
    request.session.update(
        {
            "uid": user.id,
            "sid": token,
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


def sign_out(request: Request, session: Session | None = None) -> None:
    """Forget the session, and end it server side: a copied cookie is refused from now on."""
    token = request.session.get("sid")
    if session is not None and isinstance(token, str):
        session.execute(delete(StaffSession).where(StaffSession.token_hash == _token_hash(token)))
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang


def current_user(request: Request, session: Session, max_age: int) -> StaffUser:
    """The signed-in user, else LoginRequired (or PasswordChangeRequired: one-time password).

    The server-side row decides: signed out, expired, idle, password changed or disabled all
    end it, whatever copy of the cookie is presented.
    """
    data: dict[str, Any] = request.session
    uid, token, now = data.get("uid"), data.get("sid"), int(time.time())
    if not isinstance(uid, int) or not isinstance(token, str):
        raise LoginRequired
    row = session.get(StaffSession, _token_hash(token))
    if row is None or row.user_id != uid:
        sign_out(request)
        raise LoginRequired
    stamp = utcnow()
    if (stamp - row.created_at).total_seconds() > max_age or (
        stamp - row.seen_at
    ).total_seconds() > IDLE_TIMEOUT:
        sign_out(request)
        raise LoginRequired
    user = session.get(StaffUser, uid)
    if (
        user is None
        or not user.active
        or not tokens.matches(user.password_hash, str(data.get("fp")))
    ):
        sign_out(request, session)
        raise LoginRequired
    data["seen"] = now
    row.seen_at = stamp
    if user.must_change_password and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise PasswordChangeRequired
    return user


def require(user: StaffUser, *roles: Role) -> None:
    """403 unless the user has one of the roles (admin always may)."""
    if Role(user.role) not in {*roles, Role.admin}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Không có quyền / forbidden")
