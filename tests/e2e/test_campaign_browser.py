"""Browser: a communicator writes the yearly 30/7 campaign; a supervisor approves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.campaigns import validation, workflow
from hotline.db.session import unit_of_work
from tests.campaigns.conftest import add_subscribers
from tests.hotline.factories import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "campaign.png"


def login(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")


def test_communicator_creates_30_7_and_supervisor_approves(live_server, page, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        make_user(s, "lan_tt", "communicator")
        make_user(s, "minh_gs", "supervisor")
    add_subscribers(hotline_rt, 1, province="Lào Cai")
    add_subscribers(hotline_rt, 1, start=2, province="Hà Nội")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.set_viewport_size({"width": 1280, "height": 1000})
    login(page, live_server.url, "lan_tt")
    page.click("text=Chiến dịch")
    page.click("#new-campaign")
    page.fill("#title", "Ngày toàn quốc phòng, chống mua bán người 30/7")
    page.fill(
        "#message_vi",
        "Hôm nay 30/7 là Ngày toàn quốc phòng, chống mua bán người. Việc nhẹ lương cao ở nước "
        "ngoài, người lạ hứa hẹn qua mạng: hãy dừng lại và kiểm tra. Khẩn cấp gọi 113 hoặc 111.",
    )
    page.fill("#message_en", "Today, 30/7, is Vietnam's day against human trafficking.")
    page.select_option("#button0_target", "quiz:tactics")
    page.fill("#button0_title_vi", "Làm câu đố 2 phút")
    page.fill("#button0_title_en", "Take the 2-minute quiz")
    page.select_option("#button1_target", index=2)
    page.fill("#button1_title_vi", "Đọc: dấu hiệu lừa đảo")
    # The live preview shows the bubble and the buttons as they are typed.
    assert "30/7 là Ngày toàn quốc" in page.locator("#preview-bubble").inner_text()
    assert "Làm câu đố 2 phút" in page.locator("#preview-buttons").inner_text()
    page.check("input[name=preview_channel][value=zalo]")
    assert "1. Làm câu đố 2 phút" in page.locator("#preview-bubble").inner_text()
    page.check("input[name=preview_lang][value=en]")
    assert "Take the 2-minute quiz" in page.locator("#preview-bubble").inner_text()
    page.check("input[name=preview_channel][value=telegram]")
    page.check("input[name=preview_lang][value=vi]")
    page.check("#seg-channels input[value=telegram]")
    page.check("#seg-topics input[value=tactics]")
    page.select_option("#provinces", ["Lào Cai", "Tuyên Quang"])
    # The live count follows the ticked filters (one Lào Cai subscriber, one in Hà Nội).
    page.locator('#audience-live[data-count="1"]').wait_for()
    assert "1 người đăng ký" in page.locator("#audience-live").inner_text()
    page.check("#schedule-yearly")
    assert page.locator("#when-yearly").is_visible() and not page.locator("#when-at").is_visible()
    page.select_option("#yearly_day", "30")
    page.select_option("#yearly_month", "7")
    page.select_option("#yearly_hour", "8")
    page.click("#save")
    assert "Đã lưu bản nháp" in page.locator("#done").inner_text()
    page.screenshot(path=str(SHOT), full_page=True)
    assert page.locator("#audience").get_attribute("data-count") == "1"
    page.click("#submit-approval")
    assert page.locator("#campaign-status").get_attribute("data-status") == "pending_approval"
    assert page.locator("#approve").count() == 0
    assert page.locator("#own-campaign").is_visible()
    campaign_id = int(page.url.split("/console/campaigns/")[1].split("?")[0])
    page.click("#logout")

    login(page, live_server.url, "minh_gs")
    page.goto(f"{live_server.url}/console/campaigns")
    row = page.locator(f'#campaign-list tr[data-campaign="{campaign_id}"]')
    assert "Chờ duyệt" in row.inner_text()
    row.locator("a").first.click()
    page.click("#approve")
    assert page.locator("#campaign-status").get_attribute("data-status") == "scheduled"
    assert "30/07/" in page.locator("#workflow").inner_text()
    # The only 404 a browser may see is its own favicon request; scripts ran without errors.
    assert [u for u in missing if not u.endswith("/favicon.ico")] == []
    assert [e for e in errors if "404" not in e] == []
    with unit_of_work(hotline_rt.sessions) as s:
        c = workflow.get(s, campaign_id)
        assert c is not None
        assert (c.status, c.author, c.approver) == ("scheduled", "lan_tt", "minh_gs")
        assert (c.yearly_day, c.yearly_month, c.yearly_hour) == (30, 7, 8)
        assert c.segment["provinces"] == ["Lào Cai", "Tuyên Quang"]
        assert [b["kind"] for b in c.buttons] == ["quiz", "hoc"]
        assert validation.local_text(c.next_run_at).startswith("30/07/")
        assert validation.local_text(c.next_run_at).endswith("08:00")
