"""Creating staff users and checking their passwords (with lockout after failures)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.agencies.models import Agency
from hotline.db.base import utcnow
from hotline.kit.crypto import slow_hash, slow_verify
from hotline.kit.errors import CodedError
from hotline.users.models import Role, StaffSession, StaffUser

# Account-wide, across addresses: more than one address may try (hotline.web.deps), so one
# client's wrong passwords cannot lock the account for everyone else.
MAX_FAILED_LOGINS = 20
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# Verifying against a dummy hash keeps timing equal for unknown usernames.
_DUMMY_HASH = slow_hash("not-a-real-password-0000")


class UserError(CodedError):
    """A user could not be created or changed (code in errors.users)."""

    domain = "users"


def get_by_username(session: Session, username: str) -> StaffUser | None:
    """Find a user by exact username."""
    return session.scalar(select(StaffUser).where(StaffUser.username == username))


def create_user(
    session: Session,
    username: str,
    password: str,
    role: Role | str,
    agency_code: str | None = None,
    must_change_password: bool = False,
) -> StaffUser:
    """Create a staff user; agency users must name their agency."""
    username = username.strip()
    if (
        not username
        or len(username) > 64
        or not username.replace("_", "").replace(".", "").replace("-", "").isalnum()
    ):
        raise UserError("invalid_username")
    try:
        role = Role(role)
    except ValueError as exc:
        raise UserError("invalid_role", role=role) from exc
    if role is Role.agency and not agency_code:
        raise UserError("agency_needed")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password_too_short", min=MIN_PASSWORD_LENGTH)
    if get_by_username(session, username) is not None:
        raise UserError("username_exists", username=username)
    user = StaffUser(
        username=username,
        password_hash=slow_hash(password),
        role=role,
        agency_code=agency_code if role is Role.agency else None,
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def check_agency(session: Session, role: Role | str, agency_code: str | None) -> None:
    """An agency user must name an agency that exists (else it would silently see nothing)."""
    if Role(role) is not Role.agency:
        return
    if not agency_code:
        raise UserError("agency_needed")
    if session.get(Agency, agency_code) is None:
        raise UserError("unknown_agency", agency=agency_code)


def change_user(
    session: Session,
    target: StaffUser,
    role: Role | str | None = None,
    agency_code: str | None = None,
    active: bool | None = None,
) -> None:
    """Change role, agency and active flag; there is always at least one active admin."""
    try:
        new_role = Role(role) if role is not None else Role(target.role)
    except ValueError as exc:
        raise UserError("invalid_role", role=role) from exc
    new_agency = (agency_code if agency_code is not None else target.agency_code) or None
    check_agency(session, new_role, new_agency)
    new_active = target.active if active is None else active
    if (
        Role(target.role) is Role.admin
        and target.active
        and (new_role is not Role.admin or not new_active)
    ):
        others = session.scalar(
            select(func.count())
            .select_from(StaffUser)
            .where(
                StaffUser.role == Role.admin,
                StaffUser.active.is_(True),
                StaffUser.id != target.id,
            )
        )
        if not others:
            raise UserError("last_admin")
    target.role = new_role
    target.agency_code = new_agency if new_role is Role.agency else None
    set_active(session, target, new_active)
    session.flush()


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """Return the user when the password matches and the account is usable."""
    user = get_by_username(session, username.strip())
    if user is None:
        slow_verify(_DUMMY_HASH, password)
        return None
    now = utcnow()
    if not user.active or (user.locked_until is not None and user.locked_until > now):
        slow_verify(_DUMMY_HASH, password)
        return None
    if not slow_verify(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        return None
    # With TOTP on, only the second factor clears failures (see hotline.users.totp).
    if not (user.totp_secret or "").startswith("on:"):
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
    return user


def set_password(session: Session, user: StaffUser, password: str) -> None:
    """Change a password (clears the must-change flag)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password_too_short", min=MIN_PASSWORD_LENGTH)
    user.password_hash = slow_hash(password)
    user.must_change_password = False
    end_sessions(session, user.id)


def set_active(session: Session, user: StaffUser, active: bool) -> None:
    """Enable or disable an account; disabling ends its console sessions at once."""
    user.active = active
    if not active:
        end_sessions(session, user.id)


def end_sessions(session: Session, user_id: int) -> None:
    """End every console session of a user (new password, account disabled)."""
    session.execute(delete(StaffSession).where(StaffSession.user_id == user_id))
