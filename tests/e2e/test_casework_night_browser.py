"""Browser: the operator's night controls (urgency, shared notes, search), the agency outcome
form, and the live queue that shows and announces a new crisis tip without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.agencies import service as agencies
from hotline.casework import service as casework
from hotline.casework.models import TipRecipient
from hotline.db.session import unit_of_work
from tests.hotline.factories import PASSWORD, make_tip, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _login(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")


def _navigations(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Full page loads from now on (an in-place update loads nothing)."""
    page.wait_for_load_state("load")
    seen: list[str] = []
    page.on("load", lambda p: seen.append(p.url))
    return seen


def test_operator_sets_urgency_and_shares_a_note_without_reloads(
    live_server, page, hotline_rt
) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        make_user(s, "night_op", "operator")
        tip = make_tip(s, hotline_rt.cipher, "Bị giữ ở tầng 5", province="Lào Cai")
        casework.process_new_tips(s, hotline_rt.settings)
        tip_id = tip.id
    _login(page, live_server.url, "night_op")
    page.goto(f"{live_server.url}/console/tips")
    page.fill("#queue-search", "tầng 5")
    page.press("#queue-search", "Enter")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    page.locator("#queue tbody tr a").first.click()
    expect(page.locator("#tip-title")).to_contain_text(f"#{tip_id}")
    expect(page.locator("#tip-deadline")).to_contain_text("phút để phân loại")
    navigations = _navigations(page)
    page.select_option("#new-urgency", "crisis")
    page.fill("#urgency-reason", "Gọi lại: đang bị đánh")
    page.click("#urgency-submit")
    expect(page.locator("#tip-urgency")).to_have_text("Khẩn cấp")
    expect(page.locator("#history")).to_contain_text("Gọi lại: đang bị đánh")
    page.fill("#note-form textarea", "Đề nghị xác minh ngay")
    page.select_option("#note-share", "lao-cai-police")
    page.click("#note-form button")
    expect(page.locator("#notes")).to_contain_text("Chia sẻ với Công an tỉnh Lào Cai")
    page.fill("#note-form textarea", "Nội bộ: nghi cùng đường dây")
    page.click("#note-form button")
    expect(page.locator("#notes")).to_contain_text("Chỉ đường dây nóng Cảnh Giác (nội bộ)")
    assert navigations == []  # every action answered in place


def test_agency_records_its_outcome(live_server, page, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        make_user(s, "bp_laocai", "agency", "lao-cai-border-guard")
        tip = make_tip(
            s, hotline_rt.cipher, "chợ biên giới", province="Lào Cai", crosses_border=True
        )
        casework.process_new_tips(s, hotline_rt.settings)
        casework.add_note(s, hotline_rt.cipher, tip, "op", "NỘI BỘ KHÔNG CHIA SẺ")
        tip_id = tip.id
    _login(page, live_server.url, "bp_laocai")
    page.goto(f"{live_server.url}/console/tips/{tip_id}")
    assert "NỘI BỘ KHÔNG CHIA SẺ" not in page.content()
    row = page.locator('#recipients tr[data-agency="lao-cai-border-guard"] form.recipient-status')
    row.locator("select").select_option("acknowledged")
    row.locator("button").click()
    expect(
        page.locator('#recipients tr[data-agency="lao-cai-border-guard"] .rstatus')
    ).to_have_text("Đã tiếp nhận")
    form = page.locator('tr[data-outcome="lao-cai-border-guard"] form.outcome-form')
    form.locator("select[name=verified]").select_option("confirmed")
    form.locator("input[name=victims_identified]").fill("2")
    form.locator("input[name=victims_children]").fill("1")
    form.locator("input[name=victims_supported]").fill("2")
    form.locator("input[value=medical]").check()
    form.locator("input[value=legal_aid]").check()
    form.locator("select[name=case_opened]").select_option("yes")
    form.locator("select[name=case_solved]").select_option("yes")
    # Brought to trial: the prosecution it implies is recorded with it.
    form.locator("select[name=tried]").select_option("yes")
    form.locator("button").click()
    expect(
        page.locator('tr[data-outcome="lao-cai-border-guard"] details.outcome summary')
    ).to_contain_text("Xác minh có dấu hiệu mua bán người")
    # The police row is another agency's: no outcome form for this user.
    assert page.locator('tr[data-outcome="lao-cai-police"] form').count() == 0
    with unit_of_work(hotline_rt.sessions) as s:
        rec = s.scalars(
            select(TipRecipient).where(
                TipRecipient.tip_id == tip_id, TipRecipient.agency_code == "lao-cai-border-guard"
            )
        ).one()
        assert (rec.victims_identified, rec.victims_children, rec.case_opened) == (2, 1, True)
        assert (rec.case_solved, rec.prosecuted, rec.tried) == (True, True, True)
        assert rec.support_kinds == ["legal_aid", "medical"]


def test_live_queue_shows_and_announces_a_new_crisis_tip(live_server, page, hotline_rt) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        make_user(s, "night_op", "operator")
        make_tip(s, hotline_rt.cipher, "tin cũ", province="Huế")
    _login(page, live_server.url, "night_op")
    page.goto(f"{live_server.url}/console/tips")
    expect(page.locator("#queue tbody tr")).to_have_count(1)
    navigations = _navigations(page)
    with unit_of_work(hotline_rt.sessions) as s:
        new = make_tip(s, hotline_rt.cipher, "đang bị nhốt", province="Huế", urgency="crisis")
        new_id = new.id
    # The page refreshes itself on a timer; coming back to the tab refreshes at once.
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator("#live-alert")).to_contain_text(f"#{new_id}")
    expect(page.locator("#queue tbody tr").first).to_have_attribute("data-tip", str(new_id))
    assert page.title().startswith("🔴")
    assert navigations == []
