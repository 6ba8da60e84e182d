"""Queueing agency notices: tip number, urgency and agency name only, never tip content."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from hotline.agencies.models import Agency
from hotline.config import Settings
from hotline.kit.i18n import Catalog
from hotline.notifications.models import Notification

if TYPE_CHECKING:
    from hotline.casework.models import TipRecipient
    from hotline.tips.models import Tip

SUPERVISOR_DESK = "national-desk"


@lru_cache(maxsize=4)
def _catalog(content_dir: Path) -> Catalog:
    return Catalog.load(content_dir)


def _queue(
    session: Session,
    agency: Agency,
    tip_id: int,
    kind: str,
    text: str,
    destinations: list[dict[str, Any]] | None = None,
) -> int:
    count = 0
    for dest in agency.notify or [] if destinations is None else destinations:
        session.add(
            Notification(
                agency_code=agency.code,
                tip_id=tip_id,
                kind=kind,
                channel=str(dest.get("channel")),
                destination=dict(dest),
                text=text,
            )
        )
        count += 1
    return count


def tip_notice(settings: Settings, tip: Tip, agency: Agency) -> str:
    """'New CRISIS tip #123 for Công an tỉnh Lào Cai — open the console' (Vietnamese)."""
    cat = _catalog(settings.content_dir)
    key = (
        "console_cases.notify.new_crisis" if tip.urgency == "crisis" else "console_cases.notify.new"
    )
    return cat.t(
        "vi",
        key,
        id=tip.id,
        agency=agency.name,
        url=f"{settings.public_url.rstrip('/')}/console/tips/{tip.id}",
    )


def notify_recipient(session: Session, settings: Settings, tip: Tip, rec: TipRecipient) -> int:
    """Queue the notices for one new recipient (nothing when it has no channel)."""
    agency = session.get(Agency, rec.agency_code)
    if agency is None or not agency.active:
        return 0
    return _queue(session, agency, tip.id, "new_tip", tip_notice(settings, tip, agency))


def notify_overdue(session: Session, settings: Settings, tip: Tip) -> int:
    """Tell the supervisors (CANHGIAC_SUPERVISOR_NOTIFY and the desk) a tip missed its deadline."""
    text = _catalog(settings.content_dir).t(
        "vi",
        "console_cases.notify.overdue",
        id=tip.id,
        url=f"{settings.public_url.rstrip('/')}/console/tips/{tip.id}",
    )
    count = 0
    seen: list[dict[str, str]] = []
    for dest in settings.supervisor_notify:
        if dest in seen:
            continue
        seen.append(dest)
        session.add(
            Notification(
                agency_code=None,
                tip_id=tip.id,
                kind="overdue",
                channel=dest["channel"],
                destination=dict(dest),
                text=text,
            )
        )
        count += 1
    desk = session.get(Agency, SUPERVISOR_DESK)
    if desk is not None and desk.active:
        desk_dests = [d for d in desk.notify or [] if d not in seen]
        count += _queue(session, desk, tip.id, "overdue", text, desk_dests)
    return count
