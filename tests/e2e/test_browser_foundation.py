"""Real headless Chromium: the web chat and the console sign-in."""

from __future__ import annotations

import pytest

from hotline.db.session import unit_of_work
from hotline.users import service as users

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_webchat_hello_and_menu_button(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    page.fill("#input", "xin chào")
    page.click("#send")
    page.wait_for_selector("text=Xin chào! Mình là Cảnh Giác")
    page.get_by_role("button", name="🆘 Khẩn cấp").last.click()
    page.wait_for_selector("text=GỌI NGAY 113")
    assert page.locator(".msg.me").count() >= 2


def test_console_sign_in(page, live_server, hotline_rt) -> None:
    with unit_of_work(hotline_rt.sessions) as s:
        users.create_user(s, "dem.ca", "mat-khau-ca-dem-2026", "operator")
    page.goto(live_server.url + "/console")
    page.fill("#username", "dem.ca")
    page.fill("#password", "mat-khau-ca-dem-2026")
    page.click("#login-submit")
    page.wait_for_selector("#welcome")
    assert "Xin chào, dem.ca" in page.inner_text("#welcome")
    page.click("#logout")
    page.wait_for_selector("#login-submit")
