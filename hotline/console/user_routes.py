"""Console page of staff users: create, change role, agency and active flag (admins)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.audit import service as audit
from hotline.console.access import Admin
from hotline.console.auth import check_csrf
from hotline.console.pages import CsrfField, back, page
from hotline.users import service as users
from hotline.users.models import Role, StaffUser
from hotline.web.deps import SessionDep

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, user: Admin) -> HTMLResponse:
    """Staff users, their roles and agencies."""
    return page(
        request,
        "cases/users.html",
        user,
        users=list(session.scalars(select(StaffUser).order_by(StaffUser.username))),
        roles=list(Role),
        agency_list=agencies.list_agencies(session),
        error=request.query_params.get("error"),
    )


@router.post("/users")
def post_user_create(
    request: Request,
    session: SessionDep,
    user: Admin,
    csrf_token: CsrfField = "",
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    role: Annotated[str, Form()] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
) -> RedirectResponse:
    """Create a staff user."""
    check_csrf(request, csrf_token)
    try:
        users.check_agency(session, role or "-", agency_code or None)
        # The admin knows this password: it is one-time, replaced at the first sign-in.
        new = users.create_user(
            session, username, password, role, agency_code or None, must_change_password=True
        )
    except (users.UserError, ValueError):
        return back("/console/users", "not_allowed")
    audit.record(session, "user.created", user.username, f"user:{new.username}", role=new.role)
    return back("/console/users")


@router.post("/users/{user_id}")
def post_user_change(
    user_id: int,
    request: Request,
    session: SessionDep,
    user: Admin,
    csrf_token: CsrfField = "",
    role: Annotated[str, Form()] = "",
    agency_code: Annotated[str, Form(max_length=64)] = "",
    active: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Change a user's role, agency and active flag."""
    check_csrf(request, csrf_token)
    target = session.get(StaffUser, user_id)
    if target is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    if target.id == user.id and active != "1":
        return back("/console/users", "not_allowed")
    try:
        users.change_user(session, target, role, agency_code, active == "1")
    except users.UserError:
        return back("/console/users", "not_allowed")
    audit.record(
        session,
        "user.changed",
        user.username,
        f"user:{target.username}",
        role=role,
        active=target.active,
    )
    return back("/console/users")
