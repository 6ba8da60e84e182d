"""`/api/v1/agencies`: receiving agencies, their channels and the on/off switch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel

from hotline.agencies import service as agencies
from hotline.audit import service as audit
from hotline.users.models import Role, StaffUser
from hotline.web.deps import Refused, RuntimeDep, SessionDep, require_roles

router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])
Reader = Annotated[StaffUser, Depends(require_roles(Role.supervisor, Role.operator))]
Editor = Annotated[StaffUser, Depends(require_roles(Role.supervisor))]


class AgencyOut(BaseModel):
    """An agency."""

    code: str
    name: str
    name_en: str
    kind: str
    province: str | None
    active: bool
    notify: list[dict[str, Any]]


class AgencyPatch(BaseModel):
    """Switch on/off or replace the notification channels."""

    active: bool | None = None
    notify: list[dict[str, Any]] | None = None


@router.get("")
def list_agencies(
    rt: RuntimeDep, session: SessionDep, user: Reader, province: str | None = None
) -> list[AgencyOut]:
    """Every agency (national first)."""
    agencies.ensure_imported(session, rt.settings.content_dir)
    return [
        AgencyOut.model_validate(a, from_attributes=True)
        for a in agencies.list_agencies(session, province)
    ]


@router.patch("/{code}")
def patch_agency(
    code: str, body: AgencyPatch, rt: RuntimeDep, session: SessionDep, user: Editor
) -> AgencyOut:
    """Change an agency's switch or channels (audited)."""
    agency = agencies.get(session, code)
    if agency is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail="Không tìm thấy / not found")
    if body.active is not None:
        agency.active = body.active
    if body.notify is not None:
        try:
            agency.notify = agencies.validate_channels(
                body.notify, email_ready=bool(rt.settings.smtp_host)
            )
        except agencies.AgencyError as exc:
            raise Refused(status.HTTP_422_UNPROCESSABLE_CONTENT, exc) from exc
    audit.record(
        session,
        "agency.changed",
        user.username,
        f"agency:{code}",
        active=agency.active,
        channels=[c["channel"] for c in agency.notify],
    )
    session.flush()
    return AgencyOut.model_validate(agency, from_attributes=True)
