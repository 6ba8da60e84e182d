"""Console campaign pages: create, submit, approval by another user, the author refused, audit."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEvent
from hotline.campaigns import delivery, workflow
from hotline.campaigns.models import CampaignDelivery
from hotline.db.session import unit_of_work
from tests.campaigns.conftest import add_subscribers
from tests.hotline.factories import PASSWORD, make_user

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app: object, username: str) -> tuple[TestClient, str]:
    """A separate browser session signed in as `username`, and its CSRF token."""
    c = TestClient(app)  # type: ignore[arg-type]
    token = CSRF.search(c.get("/console/login").text).group(1)  # type: ignore[union-attr]
    r = c.post(
        "/console/login",
        data={"username": username, "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return c, CSRF.search(c.get("/console").text).group(1)  # type: ignore[union-attr]


FORM = {
    "title": "Ngày 30/7",
    "message_vi": "Hôm nay là Ngày toàn quốc phòng, chống mua bán người.",
    "message_en": "Today is the national day against human trafficking.",
    "button0_target": "quiz:tactics",
    "button0_title_vi": "Làm câu đố",
    "button0_title_en": "Take the quiz",
    "channels": ["telegram"],
    "provinces": ["Lào Cai", "Tuyên Quang"],
    "topics": ["tactics"],
    "schedule": "yearly",
    "yearly_day": "30",
    "yearly_month": "7",
    "yearly_hour": "8",
}


def test_create_submit_and_approve_by_someone_else(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "lan", "communicator")
        make_user(s, "minh", "supervisor")
        make_user(s, "op", "operator")
    author, csrf = sign_in(client.app, "lan")
    page = author.get("/console/campaigns/new")
    assert page.status_code == 200
    assert "campaign.js" in page.text and "Lào Cai" in page.text
    assert 'value="quiz:tactics"' in page.text
    r = author.post("/console/campaigns/new", data={**FORM, "csrf_token": csrf})
    assert r.status_code == 200 and "Đã lưu bản nháp" in r.text
    campaign_id = int(r.url.path.rsplit("/", 1)[1])
    with unit_of_work(hotline_rt.sessions) as s:
        c = workflow.get(s, campaign_id)
        assert c is not None
        assert (c.yearly_day, c.yearly_month, c.yearly_hour) == (30, 7, 8)
        assert c.buttons[0]["kind"] == "quiz" and c.buttons[0]["title"]["en"] == "Take the quiz"
        assert c.segment["provinces"] == ["Lào Cai", "Tuyên Quang"]
        assert c.messages["en"].startswith("Today")
    # A missing Vietnamese message is refused with the form kept.
    bad = author.post("/console/campaigns/new", data={**FORM, "message_vi": "", "csrf_token": csrf})
    assert bad.status_code == 422 and "Ngày 30/7" in bad.text
    # Without a CSRF token nothing happens.
    assert author.post(f"/console/campaigns/{campaign_id}/submit").status_code in (400, 403, 422)
    # Nobody subscribed yet: the page says 0 and submitting is refused with the reason.
    assert 'id="audience" data-count="0"' in author.get(f"/console/campaigns/{campaign_id}").text
    r = author.post(f"/console/campaigns/{campaign_id}/submit", data={"csrf_token": csrf})
    assert "Bản nháp" in r.text and "0 người đăng ký: không gửi duyệt" in r.text
    # Two subscribers in the segment, one outside it (another province): the count is 2.
    add_subscribers(hotline_rt, 2, province="Lào Cai")
    add_subscribers(hotline_rt, 1, start=10, province="Hà Nội")
    live = author.get(
        "/console/campaigns/audience",
        params={"channels": "telegram", "provinces": ["Lào Cai", "Tuyên Quang"]},
    )
    assert live.json() == {"audience": 2}
    assert author.get("/console/campaigns/audience").json() == {"audience": 3}
    r = author.post(f"/console/campaigns/{campaign_id}/submit", data={"csrf_token": csrf})
    assert "Chờ duyệt" in r.text and 'id="audience" data-count="2"' in r.text
    # The author sees no approve button, and is refused server-side.
    assert 'id="approve"' not in r.text and 'id="own-campaign"' in r.text
    refused = author.post(
        f"/console/campaigns/{campaign_id}/approve",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    # An operator may not even look.
    op, _ = sign_in(client.app, "op")
    assert op.get(f"/console/campaigns/{campaign_id}").status_code == 403
    # Another user with an approving role approves.
    approver, csrf2 = sign_in(client.app, "minh")
    view = approver.get(f"/console/campaigns/{campaign_id}")
    assert 'id="approve"' in view.text and "Người nhận hiện tại: 2 người đăng ký" in view.text
    r = approver.post(f"/console/campaigns/{campaign_id}/approve", data={"csrf_token": csrf2})
    assert "Đã lên lịch" in r.text and "30/07" in r.text
    listing = approver.get("/console/campaigns").text
    assert "Hằng năm ngày 30/07 lúc 08:00" in listing
    with unit_of_work(hotline_rt.sessions) as s:
        c = workflow.get(s, campaign_id)
        assert c is not None and c.status == "scheduled" and c.approver == "minh"
        actions = [
            (a.action, a.actor)
            for a in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.target == f"campaign:{campaign_id}")
                .order_by(AuditEvent.id)
            )
        ]
    assert actions == [
        ("campaign.created", "lan"),
        ("campaign.submitted", "lan"),
        ("campaign.approve_refused", "lan"),
        ("campaign.approved", "minh"),
    ]


def test_edit_cancel_test_send_and_results(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        user = make_user(s, "lan", "communicator")
        user_id = user.id
    add_subscribers(hotline_rt, 3)
    c, csrf = sign_in(client.app, "lan")
    r = c.post(
        "/console/campaigns/new",
        data={**FORM, "schedule": "at", "send_at": "30/07/2099 08:00", "csrf_token": csrf},
    )
    campaign_id = int(r.url.path.rsplit("/", 1)[1])
    assert 'value="30/07/2099 08:00"' in r.text
    r = c.post(
        f"/console/campaigns/{campaign_id}",
        data={**FORM, "title": "Đổi tên", "schedule": "now", "csrf_token": csrf},
    )
    assert "Đổi tên" in r.text
    # Test send: refused until a chat is linked, then the code flow links one.
    r = c.post(f"/console/campaigns/{campaign_id}/test", data={"csrf_token": csrf})
    assert "Chưa liên kết" in r.text
    r = c.post(f"/console/campaigns/{campaign_id}/link", data={"csrf_token": csrf})
    code = re.search(r"/dangky (NV-[0-9A-F]{8})", r.text).group(1)  # type: ignore[union-attr]
    with unit_of_work(hotline_rt.sessions) as s:
        assert delivery.link_test_recipient(
            s, hotline_rt.pseudonyms, hotline_rt.cipher, code, "telegram", "777"
        )
    r = c.post(f"/console/campaigns/{campaign_id}/test", data={"csrf_token": csrf})
    assert "Đã xếp tin gửi thử" in r.text
    with unit_of_work(hotline_rt.sessions) as s:
        rows = list(s.scalars(select(CampaignDelivery)))
        assert [(d.is_test, d.subscriber_id) for d in rows] == [(True, -user_id)]
    r = c.post(f"/console/campaigns/{campaign_id}/cancel", data={"csrf_token": csrf})
    assert "Đã hủy" in r.text
    results = c.get(f"/console/campaigns/{campaign_id}/results")
    assert results.status_code == 200 and 'data-key="failed_unknown"' in results.text
    assert "<script" not in results.text.split("<main>", 1)[1]


def test_results_chart_has_a_bar_per_day(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    from hotline.console.campaign_routes import chart

    bars = chart(
        [
            {"day": "30/07/2026", "sent": 10, "clicks": 2},
            {"day": "31/07/2026", "sent": 5, "clicks": 0},
        ]
    )
    assert len(bars["bars"]) == 4 and bars["top"] == 10
    assert bars["bars"][0]["h"] == 152.0 and bars["bars"][3]["h"] == 0.0


def test_editor_lists_the_runtimes_own_provinces(client, hotline_rt, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The province list and content files are read once per runtime, not once per process."""
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "lan", "communicator")
    author, _ = sign_in(client.app, "lan")
    assert "Lào Cai" in author.get("/console/campaigns/new").text
    assert hotline_rt.provinces is hotline_rt.provinces  # read once
    # Another runtime (another content folder) reads its own files.
    (tmp_path / "provinces.yml").write_text(
        "provinces:\n  - {code: x-1, name: Tỉnh Thử}\n", encoding="utf-8"
    )
    other = type(hotline_rt).from_settings(settings.model_copy(update={"content_dir": tmp_path}))
    try:
        assert [p.name for p in other.provinces.provinces] == ["Tỉnh Thử"]
        assert "Lào Cai" in {p.name for p in hotline_rt.provinces.provinces}
    finally:
        other.close()


def test_the_english_console_words_a_refused_draft_in_english(client, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    """The service gives a code; the console says it in the signed-in user's language."""
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "lan", "communicator")
    author, csrf = sign_in(client.app, "lan")
    no_vietnamese = {**FORM, "message_vi": "", "csrf_token": csrf}
    r = author.post("/console/campaigns/new", data=no_vietnamese)
    assert r.status_code == 422 and "Cần nội dung tiếng Việt" in r.text
    author.post("/console/lang", data={"lang": "en", "csrf_token": csrf})
    r = author.post("/console/campaigns/new", data=no_vietnamese)
    assert r.status_code == 422
    assert "The Vietnamese message is required" in r.text and "Cần nội dung" not in r.text
