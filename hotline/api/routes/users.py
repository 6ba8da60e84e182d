"""`/api/v1/users`: staff accounts (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field
from sqlalchemy import select

from hotline.audit import service as audit
from hotline.users import service as users
from hotline.users import totp
from hotline.users.models import Role, StaffUser
from hotline.web.deps import Refused, SessionDep, require_roles

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Admin = Annotated[StaffUser, Depends(require_roles(Role.admin))]


class UserOut(BaseModel):
    """A staff user (never the password hash or TOTP secret)."""

    id: int
    username: str
    role: str
    agency_code: str | None
    active: bool
    totp_enabled: bool = False


class UserIn(BaseModel):
    """A new staff user."""

    username: str = Field(max_length=64)
    password: str = Field(min_length=10, max_length=256)
    role: Role
    agency_code: str | None = Field(None, max_length=64)


class UserPatch(BaseModel):
    """Change role, agency or the active flag."""

    role: Role | None = None
    agency_code: str | None = None
    active: bool | None = None


@router.get("")
def list_users(session: SessionDep, user: Admin) -> list[UserOut]:
    """Every staff user."""
    rows = session.scalars(select(StaffUser).order_by(StaffUser.username))
    return [UserOut.model_validate(u, from_attributes=True) for u in rows]


@router.post("", status_code=201)
def create_user(body: UserIn, session: SessionDep, user: Admin) -> UserOut:
    """Create a staff user."""
    try:
        users.check_agency(session, body.role, body.agency_code)
        # The admin knows this password: it is one-time, replaced at the first sign-in.
        new = users.create_user(
            session,
            body.username,
            body.password,
            body.role,
            body.agency_code,
            must_change_password=True,
        )
    except users.UserError as exc:
        raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, exc) from exc
    audit.record(session, "user.created", user.username, f"user:{new.username}", role=new.role)
    return UserOut.model_validate(new, from_attributes=True)


@router.patch("/{user_id}")
def patch_user(user_id: int, body: UserPatch, session: SessionDep, user: Admin) -> UserOut:
    """Change a user's role, agency or active flag."""
    target = session.get(StaffUser, user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    if body.active is False and target.id == user.id:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="không thể tự khoá / cannot disable yourself"
        )
    try:
        users.change_user(session, target, body.role, body.agency_code, body.active)
    except users.UserError as exc:
        raise Refused(status.HTTP_409_CONFLICT, exc) from exc
    audit.record(
        session,
        "user.changed",
        user.username,
        f"user:{target.username}",
        role=target.role,
        active=target.active,
    )
    session.flush()
    return UserOut.model_validate(target, from_attributes=True)


@router.delete("/{user_id}/totp", status_code=204)
def reset_totp(user_id: int, session: SessionDep, user: Admin) -> None:
    """Remove a user's TOTP second factor (lost phone); audited."""
    target = session.get(StaffUser, user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    was = totp.state(target)
    totp.disable(target)
    audit.record(session, "user.totp_reset", user.username, f"user:{target.username}", was=was)
