"""Browser: a communicator edits a piece, a supervisor publishes it, the web chat shows it."""

from __future__ import annotations

import pytest

from hotline.db.session import unit_of_work
from tests.content.chat import import_content
from tests.hotline.factories import PASSWORD, make_user

pytestmark = [pytest.mark.slow, pytest.mark.browser]
NEW = "Ghi nhớ ngay: gọi 111 (miễn phí, 24/7) hoặc 113 khi nguy hiểm."


def _login(page, live_server, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{live_server.url}/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_url(f"{live_server.url}/console")


def test_edit_review_publish_then_chat_shows_it(live_server, page, browser, bot_rt) -> None:  # type: ignore[no-untyped-def]
    import_content(bot_rt)
    with unit_of_work(bot_rt.hotline.sessions) as s:
        make_user(s, "writer", "communicator")
        make_user(s, "chief", "supervisor")
    _login(page, live_server, "writer")
    page.click("header nav >> text=Nội dung")
    page.select_option("#filters select[name=topic]", "hotlines")
    page.select_option("#filters select[name=lang]", "vi")
    page.click("#filters button")
    page.click('#content-list tr[data-id="hotline-numbers"] a')
    body = page.input_value("#body")
    rest = body.split("<!-- more -->", 1)[1]
    # The preview counts characters per chat bubble and flags a part over 700.
    page.fill("#body", "x" * 701 + "\n\n<!-- more -->" + rest)
    assert page.locator("#preview .bubble.over").count() == 1
    assert "701 / 700" in page.locator("#preview .bubble").first.inner_text()
    page.fill("#body", NEW + "\n\n<!-- more -->" + rest)
    assert page.locator("#preview .bubble.over").count() == 0
    assert NEW in page.locator("#preview .bubble").first.inner_text()
    page.fill("#note", "Nhấn mạnh số 111")
    page.click("#save")
    assert "Đã lưu bản nháp" in page.locator("#done").inner_text()
    page.click("#submit-review")
    assert "Chờ duyệt" in page.locator("#current-status").inner_text()
    assert page.locator("#publish").count() == 0  # nobody approves their own version
    page.click("#logout")

    ctx = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    sup = ctx.new_page()
    _login(sup, live_server, "chief")
    sup.goto(f"{live_server.url}/console/content/review")
    row = sup.locator('#review-queue tr[data-id="hotline-numbers"]')
    assert "writer" in row.inner_text() and "Nhấn mạnh số 111" in row.inner_text()
    row.locator("a").first.click()
    sup.click("#history-link")
    assert NEW in sup.locator("#diff").inner_text()
    sup.go_back()
    sup.click("#publish")
    assert "Đã đăng" in sup.locator("#done").inner_text()
    ctx.close()

    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    page.fill("#input", "/hoc hotline-numbers")
    page.click("#send")
    page.wait_for_selector(f"text={NEW}")
