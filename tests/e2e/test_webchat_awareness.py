"""Real headless Chromium: an offer check and a quiz in the web chat, with screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotline.content.loader import load_files
from tests.content.chat import ROOT, import_content

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = ROOT / "docs" / "screenshots"
QUESTIONS = [i.data for i in load_files(ROOT / "content").items if i.kind == "quiz_question"]


def _open(page, live_server, height: int = 1000) -> None:  # type: ignore[no-untyped-def]
    page.set_viewport_size({"width": 480, "height": height})
    page.goto(live_server.url + "/")
    page.wait_for_selector(".msg.bot .buttons button")


def _click(page, title: str) -> None:  # type: ignore[no-untyped-def]
    count = page.locator(".msg.bot:not(.typing)").count()
    page.get_by_role("button", name=title, exact=True).last.click()
    # The "…" typing bubble counts as a message: wait until the real replies replaced it.
    page.wait_for_function(
        f"() => document.querySelectorAll('.msg.bot:not(.typing)').length > {count}"
        " && !document.querySelector('.msg.typing')"
    )


def _shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / name
    page.screenshot(path=str(path))
    return path


def test_offer_check_in_browser(page, live_server, bot_rt) -> None:
    import_content(bot_rt)
    _open(page, live_server, height=1700)  # tall enough to show the level and every flag
    _click(page, "🔎 Kiểm tra lời mời")
    page.fill("#input", "Tuyển nhân viên chốt đơn online ở Campuchia, việc nhẹ lương cao, bao vé")
    page.click("#send")
    # A critical sign (easy job + Cambodia) gives the verdict at once; the questions on request.
    page.wait_for_selector("text=Mức rủi ro: CAO")
    _click(page, "✍️ Trả lời tiếp")
    page.wait_for_selector("text=Câu 1/")
    _click(page, "Tôi phải đóng phí cho người môi giới")
    _click(page, 'Chủ hoặc công ty giữ "giúp"')
    _click(page, "⏩ Xem kết quả ngay")
    page.wait_for_selector("text=Mức rủi ro: CAO")
    page.wait_for_selector("text=📝 Báo tin về người tuyển dụng này")
    page.locator(".msg.bot").last.scroll_into_view_if_needed()
    assert _shot(page, "offer-check.png").stat().st_size > 10_000


def test_quiz_in_browser(page, live_server, bot_rt) -> None:
    import_content(bot_rt)
    _open(page, live_server)
    _click(page, "❓ Câu đố")
    _click(page, "Số điện thoại và nơi báo tin")
    for n in range(1, 6):
        text = page.locator(".msg.bot").last.inner_text()
        assert f"Câu {n}/5" in text
        q = next(q for q in QUESTIONS if q["question"]["vi"] in text)
        _click(page, q["choices"][q["answer"]]["vi"])
    page.wait_for_selector("text=Bạn trả lời đúng 5/5 câu.")
    page.locator(".msg.bot").last.scroll_into_view_if_needed()
    assert _shot(page, "quiz.png").stat().st_size > 10_000
