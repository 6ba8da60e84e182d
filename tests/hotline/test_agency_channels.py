"""Agency channels: e-mail needs an SMTP server; failed notices show in the console."""

from __future__ import annotations

from hotline.agencies import service as agencies
from hotline.db.session import unit_of_work
from hotline.notifications.models import Notification, OutboxStatus
from tests.hotline.factories import make_user, sign_in


def test_email_without_smtp_is_refused_and_failures_are_shown(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    assert not hotline_rt.settings.smtp_host
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        make_user(s, "sup", "supervisor")
        s.add(
            Notification(
                agency_code="hue-police",
                kind="new_tip",
                channel="telegram",
                destination={"chat_id": "-1"},
                text="x",
                status=OutboxStatus.failed,
                attempts=5,
                last_error="chat not found",
            )
        )
    c, csrf, bearer = sign_in(client.app, "sup")
    r = c.patch(
        "/api/v1/agencies/hue-police",
        json={"notify": [{"channel": "email", "address": "ca@hue.gov.vn"}]},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert r.status_code == 422 and r.json()["detail"]["code"] == "agencies.no_smtp"
    assert "SMTP" in r.json()["detail"]["message"]
    r = c.post(
        "/console/agencies/hue-police",
        data={"csrf_token": csrf, "channels": "email:ca@hue.gov.vn", "active": "1"},
        follow_redirects=False,
    )
    page = c.get(r.headers["location"]).text
    assert "Chưa cấu hình máy chủ thư" in page
    # In English for a staff member who reads the console in English.
    c.post("/console/lang", data={"lang": "en", "csrf_token": csrf})
    r = c.post(
        "/console/agencies/hue-police",
        data={"csrf_token": csrf, "channels": "email:ca@hue.gov.vn", "active": "1"},
        follow_redirects=False,
    )
    assert "No SMTP server configured" in c.get(r.headers["location"]).text
    c.post("/console/lang", data={"lang": "vi", "csrf_token": csrf})
    with unit_of_work(hotline_rt.sessions) as s:
        assert agencies.get(s, "hue-police").notify == []
    assert "1 thông báo gửi không được; lỗi gần nhất: chat not found" in page
