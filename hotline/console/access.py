"""Who may open a console page: `staff(...)` and the role sets of the casework pages.

Every page names its roles through `staff(...)`, whose `allowed_roles` the permission-matrix
test reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from hotline.console.auth import current_user
from hotline.users.models import Role, StaffUser
from hotline.web.deps import RuntimeDep, SessionDep

READERS = (Role.supervisor, Role.operator, Role.agency)
STAFF = (Role.supervisor, Role.operator)


def staff(*roles: Role) -> Callable[..., StaffUser]:
    """A dependency: the signed-in console user, 403 unless in `roles` (admin always)."""
    allowed = frozenset({*roles, Role.admin})

    def check(request: Request, rt: RuntimeDep, session: SessionDep) -> StaffUser:
        user = current_user(request, session, rt.settings.session_max_age_seconds)
        if Role(user.role) not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Không có quyền / forbidden")
        return user

    check.allowed_roles = allowed  # type: ignore[attr-defined]
    return check


Reader = Annotated[StaffUser, Depends(staff(*READERS))]
Staff = Annotated[StaffUser, Depends(staff(*STAFF))]
Supervisor = Annotated[StaffUser, Depends(staff(Role.supervisor))]
Admin = Annotated[StaffUser, Depends(staff(Role.admin))]
