"""Reading the queue changes nothing: routing and agency notices happen in the worker only."""

from __future__ import annotations

from sqlalchemy import func, select

from hotline import worker
from hotline.agencies import service as agencies
from hotline.casework.models import TipCase, TipRecipient
from hotline.db.session import unit_of_work
from hotline.notifications.models import Notification
from tests.hotline.factories import make_tip, make_user, sign_in


def _counts(rt) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.sessions) as s:
        return (
            s.scalar(select(func.count()).select_from(TipCase)) or 0,
            s.scalar(select(func.count()).select_from(TipRecipient)) or 0,
            s.scalar(select(func.count()).select_from(Notification)) or 0,
        )


def test_opening_the_queue_or_a_tip_neither_routes_nor_notifies(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        agencies.get(s, "lao-cai-police").notify = [{"channel": "telegram", "chat_id": "-100"}]
        tip_id = make_tip(s, hotline_rt.cipher, province="Lào Cai", urgency="crisis").id
        make_user(s, "op1", "operator")
        make_user(s, "sup1", "supervisor")
        make_user(s, "ag1", "agency", "lao-cai-police")
    for username in ("op1", "sup1", "ag1"):
        c, _, bearer = sign_in(client.app, username)
        assert c.get("/console/tips").status_code == 200
        assert c.get("/api/v1/tips", headers={"Authorization": f"Bearer {bearer}"}).is_success
        if username != "ag1":
            assert c.get(f"/console/tips/{tip_id}").status_code == 200
            api = c.get(f"/api/v1/tips/{tip_id}", headers={"Authorization": f"Bearer {bearer}"})
            assert api.status_code == 200
    assert _counts(hotline_rt) == (0, 0, 0)
    # The worker routes it (a tip opened before routing is not skipped) and notifies once.
    assert worker.tick(hotline_rt, {})["routed"] == 1
    cases, recipients, notices = _counts(hotline_rt)
    assert (cases, recipients, notices) == (1, 1, 1)
    assert worker.tick(hotline_rt, {})["routed"] == 0
