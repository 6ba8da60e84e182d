"""Real headless Chromium: on a shared phone the next person sees nothing (issue 18).

The session id lives in the tab (sessionStorage) unless the person asks the device to remember
it; /xoa clears the screen and starts a new session; a quick-exit button leaves at once.
"""

from __future__ import annotations

import secrets

import pytest

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEUTRAL = "https://www.google.com/"


def session_ids(page) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    """(the tab's id, the device's id)."""
    return (
        page.evaluate("sessionStorage.getItem('cg_session')"),
        page.evaluate("localStorage.getItem('cg_session')"),
    )


def start_draft(page, marker: str) -> None:  # type: ignore[no-untyped-def]
    """Begin a tip and type something in it (the unsent draft)."""
    page.fill("#input", "/baotin")
    page.click("#send")
    page.wait_for_selector(".msg.bot >> nth=1")
    page.fill("#input", f"Có người rủ đi Campuchia làm việc lương cao {marker}")
    page.click("#send")
    page.locator(".msg.bot:not(.typing)").nth(2).wait_for()


def test_a_new_tab_does_not_reopen_the_draft(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    tab_id, device_id = session_ids(page)
    assert tab_id and device_id is None
    marker = "MARK" + secrets.token_hex(4)
    start_draft(page, marker)
    # The next person opens the chat on the same phone (same browser, a new tab).
    other = page.context.new_page()
    other.goto(live_server.url + "/")
    other.wait_for_selector(".msg.bot .buttons button")
    assert session_ids(other)[0] not in (None, tab_id)
    other.fill("#input", "/baotin")
    other.click("#send")
    other.wait_for_selector(".msg.bot >> nth=1")
    other.wait_for_timeout(300)
    assert marker not in other.inner_text("#log")
    other.close()


def test_remember_on_this_device_is_the_persons_choice(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    tab_id, _ = session_ids(page)
    page.click("#remember")
    assert session_ids(page) == (None, tab_id)
    assert page.get_attribute("#remember", "aria-pressed") == "true"
    again = page.context.new_page()
    again.goto(live_server.url + "/")
    again.wait_for_selector(".msg.bot .buttons button")
    assert session_ids(again)[1] == tab_id
    again.click("#remember")  # turned off: back to this tab only
    assert session_ids(again) == (tab_id, None)
    again.close()


def test_forget_me_clears_the_screen_and_starts_a_new_session(page, live_server) -> None:
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    before, _ = session_ids(page)
    marker = "MARK" + secrets.token_hex(4)
    start_draft(page, marker)
    assert marker in page.inner_text("#log")
    page.fill("#input", "/xoa")
    page.click("#send")
    page.get_by_role("button", name="Có, xóa hết").click()
    expect(page.locator(".msg.me")).to_have_count(0)
    log = page.inner_text("#log")
    assert marker not in log and "/xoa" not in log
    after, _ = session_ids(page)
    assert after and after != before
    # The new session has no draft to resume.
    page.fill("#input", "/baotin")
    page.click("#send")
    page.wait_for_selector(".msg.me")
    page.wait_for_timeout(300)
    assert marker not in page.inner_text("#log")


def test_quick_exit_leaves_and_leaves_nothing(page, live_server) -> None:
    page.route(NEUTRAL + "**", lambda route: route.fulfill(body="neutral page"))
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    marker = "MARK" + secrets.token_hex(4)
    start_draft(page, marker)
    page.click("#quick-exit")
    page.wait_for_url(NEUTRAL)
    assert "neutral page" in page.content()
    # Back does not return to the conversation: the chat page was replaced in the history.
    page.go_back()
    assert live_server.url not in page.url
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")
    assert marker not in page.inner_text("#log")
    assert page.evaluate("localStorage.getItem('cg_session')") is None
