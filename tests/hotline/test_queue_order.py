"""The night shift's queue: an old open crisis tip is first even behind hundreds of newer tips."""

from __future__ import annotations

from datetime import timedelta

from hotline.casework import service as casework
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work
from hotline.tips.models import TipStatus, Urgency
from hotline.users import service as users
from tests.hotline.factories import make_tip


def test_old_crisis_tip_is_first_beyond_the_page_limit(hotline_rt) -> None:
    now = utcnow()
    with unit_of_work(hotline_rt.sessions) as s:
        op = users.create_user(s, "dem.truc", "mat-khau-ca-dem-2026", "operator")
        crisis = make_tip(
            s, hotline_rt.cipher, created_at=now - timedelta(days=3), urgency=Urgency.CRISIS
        )
        make_tip(
            s,
            hotline_rt.cipher,
            created_at=now - timedelta(days=4),
            urgency=Urgency.CRISIS,
            status=TipStatus.CLOSED,
        )
        for i in range(30):
            make_tip(
                s, hotline_rt.cipher, created_at=now - timedelta(minutes=i), urgency=Urgency.NORMAL
            )
        high = make_tip(
            s, hotline_rt.cipher, created_at=now - timedelta(hours=1), urgency=Urgency.HIGH
        )
        crisis_id, high_id = crisis.id, high.id
    with unit_of_work(hotline_rt.sessions) as s:
        user = users.get_by_username(s, "dem.truc")
        assert user is not None and op is not None
        rows = casework.queue(s, hotline_rt.settings, user, casework.QueueFilters(), limit=10)
    assert [r.tip.id for r in rows[:2]] == [crisis_id, high_id]
    assert all(r.tip.status != TipStatus.CLOSED for r in rows)
