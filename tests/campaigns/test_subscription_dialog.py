"""/dangky, /huydangky and /xoa through the conversation boundary (Telegram channel)."""

from __future__ import annotations

from sqlalchemy import func, select

from bot import conversation
from bot.dialogs.types import Incoming
from hotline.campaigns.models import CampaignClick
from hotline.db.session import unit_of_work
from hotline.quiz.models import QuizResult
from hotline.subscribers.models import Subscriber
from tests.campaigns.conftest import add_subscribers, approved_campaign

USER = 424242


def say(rt, text: str | None = None, payload: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    out = conversation.handle(rt, "telegram", USER, Incoming(text=text, payload=payload))
    return [r.text for r in out.replies] + [b.payload for r in out.replies for b in r.buttons]


def _subscriber(rt) -> Subscriber | None:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.hotline.sessions) as session:
        return session.scalar(select(Subscriber))


def test_subscribe_choose_confirm_then_unsubscribe(bot_rt) -> None:
    assert "sub:t:tactics" in say(bot_rt, "/dangky")
    say(bot_rt, payload="sub:t:tactics")
    say(bot_rt, payload="sub:t:law")
    say(bot_rt, payload="sub:t:law")  # toggled off again
    assert "sub:p:-" in say(bot_rt, payload="sub:t:done")
    assert "sub:a:18_24" in say(bot_rt, "tôi ở lao cai")
    assert "sub:l:en" in say(bot_rt, payload="sub:a:18_24")
    confirm = say(bot_rt, payload="sub:l:vi")
    assert "Lào Cai" in confirm[0]
    assert _subscriber(bot_rt) is None  # nothing stored before confirmation
    say(bot_rt, payload="sub:ok")
    sub = _subscriber(bot_rt)
    assert sub is not None
    assert (sub.topics, sub.province, sub.age_band, sub.lang) == (
        ["tactics"],
        "Lào Cai",
        "18_24",
        "vi",
    )
    assert str(USER).encode() not in sub.address_enc  # encrypted at rest
    assert bot_rt.hotline.cipher.decrypt_text(sub.address_enc) == str(USER)
    assert sub.key == bot_rt.hotline.pseudonyms.key("telegram", USER)
    say(bot_rt, "/huydangky")
    assert _subscriber(bot_rt) is None


def test_forget_removes_subscription(bot_rt) -> None:
    for step in ("sub:t:rights", "sub:t:done", "sub:p:-", "sub:a:-", "sub:l:en", "sub:ok"):
        if step == "sub:t:rights":
            say(bot_rt, "/dangky")
        say(bot_rt, payload=step)
    assert _subscriber(bot_rt) is not None
    say(bot_rt, "/xoa")
    say(bot_rt, payload="forget:yes")
    assert _subscriber(bot_rt) is None


def test_web_chat_cannot_subscribe(bot_rt) -> None:
    out = conversation.handle(bot_rt, "web", "s1", Incoming(text="/dangky"))
    assert "Telegram" in out.replies[0].text


def test_campaign_button_click_and_quiz_attribution(bot_rt) -> None:
    add_subscribers(bot_rt.hotline, 1, start=900)  # a campaign reaching nobody is not approved
    cid = approved_campaign(bot_rt.hotline)
    replies = say(bot_rt, payload=f"/quiz tactics c:{cid}")
    answer = next(p for p in replies if p.startswith("quiz:a:"))
    say(bot_rt, payload=answer)
    with unit_of_work(bot_rt.hotline.sessions) as session:
        assert session.scalar(select(func.count(CampaignClick.id))) == 1
        assert session.scalar(select(QuizResult.campaign_id)) == str(cid)
