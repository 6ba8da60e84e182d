"""Casework on a real database: routing with reasons, workflow, SLA, visibility, notices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.casework.models import TipCase
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.notifications.models import Notification
from tests.hotline.factories import make_tip, make_user


def test_new_tip_is_routed_with_reasons_and_agencies_notified_without_content(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        agencies.get(s, "lao-cai-police").notify = [{"channel": "telegram", "chat_id": "-100"}]
        tip = make_tip(
            s,
            hotline_rt.cipher,
            "SECRET-TEXT",
            province="Lào Cai",
            urgency="crisis",
            crosses_border=True,
            child_involved=True,
        )
        tip_id = tip.id
    with unit_of_work(hotline_rt.sessions) as s:
        assert casework.process_new_tips(s, hotline_rt.settings) == 1
        assert casework.process_new_tips(s, hotline_rt.settings) == 0
    with unit_of_work(hotline_rt.sessions) as s:
        recs = {r.agency_code: r for r in casework.recipients(s, tip_id)}
        assert list(recs) == [
            "lao-cai-police",
            "lao-cai-border-guard",
            "national-111",
            "lao-cai-social",
        ]
        assert all(r.reason_vi and r.reason_en and r.added_by == "rules" for r in recs.values())
        case = s.get(TipCase, tip_id)
        assert case.sla_due_at - s.get(casework.Tip, tip_id).created_at == timedelta(hours=1)
        notes = list(s.scalars(select(Notification)))
        assert len(notes) == 1
        assert notes[0].text.startswith(f"Tin báo KHẨN CẤP mới #{tip_id} cho Công an tỉnh Lào Cai")
        assert "SECRET" not in notes[0].text


def test_workflow_transitions_and_resolution(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    settings = hotline_rt.settings
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, settings.content_dir)
        op = make_user(s, "op1", "operator")
        tip = make_tip(s, hotline_rt.cipher, province="Huế")
        casework.route_tip(s, settings, tip)
        with pytest.raises(casework.CaseError):
            casework.change_status(s, settings, tip, "closed", "op1")
        casework.assign(s, settings, tip, op.id, "op1")
        casework.change_status(s, settings, tip, "triaged", "op1")
        casework.change_status(s, settings, tip, "referred", "op1")
        with pytest.raises(casework.CaseError, match="resolution"):
            casework.change_status(s, settings, tip, "resolved", "op1")
        casework.change_status(s, settings, tip, "resolved", "op1", "confirmed")
        casework.change_status(s, settings, tip, "closed", "op1")
        case = s.get(TipCase, tip.id)
        assert tip.resolution == "confirmed" and case.triaged_at and case.closed_at
        casework.add_note(s, hotline_rt.cipher, tip, "op1", "<b>ghi chú</b>")
        assert casework.notes(s, hotline_rt.cipher, tip.id)[0].text == "<b>ghi chú</b>"
        casework.add_recipient(s, settings, tip, "national-111", "op1", "cần 111")
        casework.remove_recipient(s, tip, "national-111", "op1")
        agency_user = make_user(s, "ag", "agency", "hue-police")
        other = make_user(s, "ag2", "agency", "lao-cai-police")
        assert casework.can_see(s, agency_user, tip) and not casework.can_see(s, other, tip)
        with pytest.raises(casework.CaseError):
            casework.assign(s, settings, tip, agency_user.id, "op1")


def test_overdue_is_flagged_once_to_the_desk(hotline_rt) -> None:  # type: ignore[no-untyped-def]
    settings = hotline_rt.settings
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, settings.content_dir)
        agencies.get(s, "national-desk").notify = [{"channel": "webhook", "url": "http://x/h"}]
        old = make_tip(
            s,
            hotline_rt.cipher,
            province="Hà Nội",
            urgency="crisis",
            created_at=utcnow() - timedelta(hours=2),
        )
        fresh = make_tip(
            s,
            hotline_rt.cipher,
            province="Hà Nội",
            urgency="normal",
            created_at=utcnow() - timedelta(hours=2),
        )
        casework.process_new_tips(s, settings)
        assert casework.check_overdue(s, settings) == 1
        assert casework.check_overdue(s, settings) == 0
        rows = casework.queue(
            s, settings, make_user(s, "sup", "supervisor"), casework.QueueFilters(overdue=True)
        )
        assert [r.tip.id for r in rows] == [old.id]
        overdue = list(s.scalars(select(Notification).where(Notification.kind == "overdue")))
        assert len(overdue) == 1 and f"#{old.id}" in overdue[0].text
        assert fresh.id not in [r.tip.id for r in rows]
