"""Tip intake through the web chat: a place name found in several provinces is asked about,
and a place answer fills a province left empty."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from hotline.db.session import unit_of_work
from hotline.tips.models import Tip
from tests.tips.test_place_answers import say


def start(client) -> str:  # type: ignore[no-untyped-def]
    sid = "sess" + secrets.token_hex(10)
    say(client, sid, "/baotin")
    say(client, sid, f"Có người rủ các em gái đi làm xa, hứa lương cao {secrets.token_hex(4)}")
    return sid


def finish(client, sid: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(10):
        out = say(client, sid, payload="tip:skip")
        if any(b["payload"] == "tip:send" for m in out for b in m["buttons"]):
            break
        if any(b["payload"] == "tip:victim:no" for m in out for b in m["buttons"]):
            say(client, sid, payload="tip:victim:no")
            break
    say(client, sid, payload="tip:send")


def province_of_only_tip(bot_rt) -> str | None:  # type: ignore[no-untyped-def]
    with unit_of_work(bot_rt.hotline.sessions) as s:
        tips = s.scalars(select(Tip)).all()
        assert len(tips) == 1
        return tips[0].province


def test_a_name_in_two_provinces_is_asked_about_and_the_choice_is_kept(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    sid = start(client)
    out = say(client, sid, "huyen bao lam")
    payloads = [b["payload"] for m in out for b in m["buttons"]]
    assert "tip:province:Cao Bằng" in payloads and "tip:province:Lâm Đồng" in payloads
    assert "Bảo Lâm" in out[-1]["text"] or "bao lam" in out[-1]["text"]
    out = say(client, sid, payload="tip:province:Cao Bằng")
    assert "tip:province:Cao Bằng" not in [b["payload"] for m in out for b in m["buttons"]]
    finish(client, sid)
    assert province_of_only_tip(bot_rt) == "Cao Bằng"


def test_a_forged_choice_is_not_taken(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    sid = start(client)
    say(client, sid, "Hoàng Mai")
    say(client, sid, payload="tip:province:Đà Nẵng")  # not one of those offered
    finish(client, sid)
    assert province_of_only_tip(bot_rt) is None


def test_a_place_answer_fills_the_province_left_empty(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    sid = start(client)
    say(client, sid, payload="tip:skip")  # no province given
    say(client, sid, "gần cửa khẩu Móng Cái")
    finish(client, sid)
    assert province_of_only_tip(bot_rt) == "Quảng Ninh"
