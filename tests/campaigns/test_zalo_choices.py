"""Zalo broadcasts: numbered buttons are remembered in the subscriber's encrypted state."""

from __future__ import annotations

from sqlalchemy import select

from bot.broadcast import Broadcaster, BroadcastSettings
from bot.channels import memory
from bot.channels.outbound import ZALO_LIMITS, Outbound
from bot.channels.zalo import ZaloSender
from bot.channels.zalo_api import ZaloBotApi
from hotline.campaigns import scheduler
from hotline.conversations.models import ConversationState
from hotline.db.session import unit_of_work
from tests.campaigns.conftest import add_subscribers, approved_campaign
from tests.fixtures.fake_botapi import fake_zaloapi  # noqa: F401

TOKEN = "zalo-campaign-test"


async def test_reply_number_maps_to_the_broadcast_button(bot_rt, fake_zaloapi) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    rt = bot_rt.hotline
    chats = add_subscribers(rt, 2, 700, channel="zalo")
    cid = approved_campaign(
        rt,
        buttons=[
            {"kind": "quiz", "target": "tactics", "title": {"vi": "Làm câu đố"}},
            {"kind": "hoc", "target": "fake-job-offers", "title": {"vi": "Đọc bài"}},
        ],
    )
    with unit_of_work(rt.sessions) as session:
        assert scheduler.run_scheduler(session) == 2
    async with ZaloBotApi(TOKEN, base_url=fake_zaloapi.root_url, timeout=5) as api:
        sender = ZaloSender(api, Outbound("zalo", ZALO_LIMITS), "Gõ số để chọn")
        stats = await Broadcaster(rt, {"zalo": sender}, BroadcastSettings(), "t").drain(10)
    assert stats.sent == 2
    texts = [m.params["text"] for m in fake_zaloapi.sent_messages()]
    assert all("1. Làm câu đố" in t and "2. Đọc bài" in t for t in texts)
    for chat in chats:
        choices = memory.bucket(memory.read(bot_rt, "zalo", chat)).get("choices")
        assert choices == {"1": f"/quiz tactics c:{cid}", "2": f"/hoc fake-job-offers c:{cid}"}
    with unit_of_work(rt.sessions) as session:
        blobs = [r.state_enc for r in session.scalars(select(ConversationState))]
    assert blobs and all(b"tactics" not in b for b in blobs)  # encrypted at rest
