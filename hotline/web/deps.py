"""Dependencies shared by the REST API and the console: runtime, transaction, limits, roles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session

from hotline.db.session import unit_of_work
from hotline.kit.errors import CodedError
from hotline.runtime import HotlineRuntime
from hotline.users import tokens
from hotline.users.models import Role, StaffUser

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def get_runtime(request: Request) -> HotlineRuntime:
    """The process runtime stored on the app."""
    rt: HotlineRuntime = request.app.state.hotline
    return rt


RuntimeDep = Annotated[HotlineRuntime, Depends(get_runtime)]


def client_address(request: Request) -> str:
    """The client's address (a trusted proxy's X-Forwarded-For already applied)."""
    return request.client.host if request.client else "?"


def login_allowed(request: Request, kind: str, username: str) -> bool:
    """One more sign-in attempt, counted per client address and per (account, address).

    Per address: one client cannot try many accounts. Per account and address: one client
    cannot wear an account down, and its wrong passwords do not lock anyone else out (the
    account-wide lockout in users.authenticate allows more failures than one address may try).
    """
    client = client_address(request)
    state = request.app.state
    by_client = state.login_limiter.allow(f"{kind}:{client}")
    by_account = state.account_limiter.allow(f"{kind}:{username.strip().lower()}\x1f{client}")
    return by_client and by_account


def get_session(rt: RuntimeDep) -> Iterator[Session]:
    """One transaction per request: commit on success, roll back on error."""
    with unit_of_work(rt.sessions) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def current_api_user(
    rt: RuntimeDep, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> StaffUser:
    """The user behind a valid bearer token, else 401."""
    unauthorized = HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="Chưa đăng nhập hoặc phiên đã hết hạn / not authenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )
    if not token:
        raise unauthorized
    parsed = tokens.read(rt.secret_key, token, rt.settings.session_max_age_seconds)
    if parsed is None:
        raise unauthorized
    user = session.get(StaffUser, parsed[0])
    if user is None or not user.active or not tokens.matches(user.password_hash, parsed[1]):
        raise unauthorized
    if user.must_change_password:
        # A one-time password (demo admin, admin reset) opens nothing until it is replaced.
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=(
                "Hãy đổi mật khẩu dùng một lần ở /console/password trước / "
                "replace the one-time password at /console/password first"
            ),
        )
    return user


def require_roles(*roles: Role) -> Callable[..., StaffUser]:
    """A dependency allowing only the given roles (admin is always allowed)."""
    allowed = {*roles, Role.admin}

    def check(user: Annotated[StaffUser, Depends(current_api_user)]) -> StaffUser:
        if Role(user.role) not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Không có quyền / forbidden")
        return user

    # Exposed so the permission matrix test can read each route's rule.
    check.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
    return check


def require_own_row(user: StaffUser, code: str) -> None:
    """An agency user acts only on its own agency's row of a tip (403 otherwise)."""
    if Role(user.role) is Role.agency and user.agency_code != code:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Không có quyền / forbidden")


def api_lang(request: Request) -> str:
    """English when the caller's Accept-Language puts it first, else Vietnamese."""
    first = request.headers.get("accept-language", "").split(",")[0].strip().lower()
    return "en" if first.startswith("en") else "vi"


class Refused(HTTPException):
    """A service's refusal leaving the API; app.py words it in the caller's language."""

    def __init__(self, status_code: int, error: CodedError) -> None:
        super().__init__(status_code, detail=f"{error.domain}.{error.code}")
        self.error = error
