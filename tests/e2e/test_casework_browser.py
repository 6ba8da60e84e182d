"""Browser: an operator triages a crisis tip end to end; hostile tip text stays text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.db.session import unit_of_work
from tests.hotline.factories import PASSWORD, make_tip, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]
HOSTILE = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def test_operator_triages_a_crisis_tip_end_to_end(live_server, page, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        make_user(s, "night_op", "operator")
        make_tip(s, hotline_rt.cipher, "người bán hàng online", province="Hà Nội", urgency="normal")
        crisis = make_tip(
            s, hotline_rt.cipher, HOSTILE, province="Lào Cai", urgency="crisis", crosses_border=True
        )
        make_tip(s, hotline_rt.cipher, "việc làm lương cao", province="Huế", urgency="high")
        crisis_id = crisis.id
    with unit_of_work(hotline_rt.sessions) as s:
        # What the worker does (its tick also runs asyncio jobs, which Playwright's loop forbids).
        casework.process_new_tips(s, hotline_rt.settings)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{live_server.url}/console/login")
    page.fill("#username", "night_op")
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.click("text=Tin báo")
    first = page.locator("#queue tbody tr").first
    assert first.get_attribute("data-tip") == str(crisis_id)
    first.locator("a").click()
    assert page.locator("#tip-title").inner_text().startswith(f"Tin báo #{crisis_id}")
    # The hostile text is shown literally, and nothing ran.
    assert HOSTILE in page.locator("#tip-content").inner_text()
    assert page.locator("#tip-content script").count() == 0
    # Routed by the rules, with reasons: police and Border Guard of Lào Cai.
    assert page.locator('#recipients tr[data-agency="lao-cai-police"]').count() == 1
    assert (
        "Bộ đội Biên phòng"
        in page.locator('#recipients tr[data-agency="lao-cai-border-guard"]').inner_text()
    )
    page.select_option("#assign-user", label="night_op")
    page.click("#assign-form button")
    expect(page.locator("#history")).to_contain_text("tip.assigned")  # answered in place
    page.fill("#add-recipient input[name=reason]", "Nạn nhân có thể là trẻ em")
    page.select_option("#add-recipient select[name=agency_code]", "national-111")
    page.click("#add-recipient button")
    expect(page.locator('#recipients tr[data-agency="national-111"]')).to_have_count(1)
    page.fill("#ask-form textarea", "Bạn có biết địa chỉ cụ thể không?")
    page.click("#ask-form button")
    expect(page.locator("#thread")).to_contain_text("địa chỉ cụ thể")
    for status, label in (("triaged", "Đã phân loại"), ("referred", "Đã chuyển")):
        page.select_option("#new-status", status)
        page.click("#status-submit")
        expect(page.locator("#tip-status")).to_contain_text(label)
    page.select_option("#new-status", "in_progress")
    page.click("#status-submit")
    expect(page.locator("#tip-status")).to_contain_text("Đang xử lý")
    page.select_option("#new-status", "resolved")
    page.select_option("#resolution", "confirmed")
    page.click("#status-submit")
    expect(page.locator("#tip-status")).to_contain_text("Đã giải quyết")
    assert "Xác nhận đúng" in page.locator("#tip-status").inner_text()
    assert dialogs == []
    with unit_of_work(hotline_rt.sessions) as s:
        from sqlalchemy import select

        from hotline.audit.models import AuditEvent

        actions = set(
            s.scalars(select(AuditEvent.action).where(AuditEvent.target == f"tip:{crisis_id}"))
        )
    assert {
        "tip.viewed",
        "tip.assigned",
        "tip.recipient_added",
        "tip.status",
        "tip.message_sent",
    } <= actions
