"""The broadcast worker against the fake Bot API: faults, kill -9, restart, two workers."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.broadcast import Broadcaster, BroadcastSettings
from bot.channels.outbound import TELEGRAM_LIMITS, Outbound
from bot.channels.telegram import TelegramSender, make_bot
from hotline.campaigns import results as campaign_results
from hotline.campaigns import scheduler, workflow
from hotline.campaigns.models import CampaignDelivery, DeliveryStatus
from hotline.db.session import unit_of_work
from hotline.subscribers.models import Subscriber
from tests.campaigns.conftest import add_subscribers, approved_campaign

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:campaign-test"
# Rows per claim: the most a worker killed mid-batch may leave failed_unknown.
BATCH = 25


def _rows(rt) -> list[CampaignDelivery]:  # type: ignore[no-untyped-def]
    with unit_of_work(rt.sessions) as session:
        return list(session.scalars(select(CampaignDelivery).where(~CampaignDelivery.is_test)))


def _chat_counts(fake) -> Counter[str]:  # type: ignore[no-untyped-def]
    return Counter(str(c.chat_id) for c in fake.sent_messages())


async def test_in_process_drain_with_faults(hotline_rt, fake_botapi) -> None:
    """429, 500 and 403 in one small campaign: retried, blocked unsubscribed, each once."""
    fake_botapi.max_per_second = 30
    fake_botapi.max_per_chat_per_second = 1
    chats = add_subscribers(hotline_rt, 40)
    add_subscribers(hotline_rt, 5, 1000, topics=["law"])  # outside the segment
    for chat in chats[:3]:
        fake_botapi.block_chat(chat)
    fake_botapi.fail_next("sendMessage", 429, count=2, retry_after=1)
    fake_botapi.fail_next("sendMessage", 500, count=3)
    cid = approved_campaign(
        hotline_rt,
        segment={"topics": ["tactics"]},
        buttons=[{"kind": "quiz", "target": "tactics", "title": {"vi": "Làm quiz"}}],
    )
    with unit_of_work(hotline_rt.sessions) as session:
        assert scheduler.run_scheduler(session) == 40
    bot = make_bot(TOKEN, fake_botapi.root_url)
    await bot.initialize()
    config = BroadcastSettings(CANHGIAC_BROADCAST_BACKOFF_SECONDS=0.1)
    sender = TelegramSender(bot, Outbound("telegram", TELEGRAM_LIMITS))
    broadcaster = Broadcaster(hotline_rt, {"telegram": sender}, config, "test")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await broadcaster.drain(10)
        if all(r.status not in ("pending", "claimed", "sending") for r in _rows(hotline_rt)):
            break
        await asyncio.sleep(0.2)
    await bot.shutdown()
    rows = {r.subscriber_id: r for r in _rows(hotline_rt)}
    counts = _chat_counts(fake_botapi)
    assert len(rows) == 40
    statuses = Counter(r.status for r in rows.values())
    assert statuses == {"sent": 37, "blocked": 3}, statuses
    assert all(n == 1 for n in counts.values())
    assert set(counts) == {str(c) for c in chats[3:]}
    assert fake_botapi.violations == 0
    with unit_of_work(hotline_rt.sessions) as session:
        left = {s.key for s in session.scalars(select(Subscriber))}
    for chat in chats[:3]:
        assert hotline_rt.pseudonyms.key("telegram", chat) not in left
    text = fake_botapi.sent_messages()[0].params
    assert "/huydangky" in text["text"]
    assert f"c:{cid}" in str(text["reply_markup"])
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.get(session, cid)
        assert c is not None
        assert c.status == "sent"
        res = campaign_results.results(session, c)
    assert (res["sent"], res["blocked"], res["failed"]) == (37, 3, 0)


def _violations(fake) -> list[tuple[str, int, int]]:  # type: ignore[no-untyped-def]
    """Each refused call: its chat, the sends in the second before it, to that chat."""
    ok = [c for c in fake.calls("sendMessage") if c.status == 200]
    out = []
    for v in fake.violation_log:
        before = [c for c in ok if 0 <= v.monotonic - c.monotonic < 1.0]
        same = sum(1 for c in before if str(c.chat_id) == str(v.chat_id))
        out.append((str(v.chat_id), len(before), same))
    return out


def _worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.mark.slow
@pytest.mark.fault
def test_thousand_subscribers_kill_restart_two_workers(
    hotline_rt, fake_botapi, keys, db_url
) -> None:  # type: ignore[no-untyped-def]
    """1,000 subscribers, injected 429/403/500, kill -9 mid-campaign, then two workers."""
    fake_botapi.max_per_second = 30
    fake_botapi.max_per_chat_per_second = 1
    chats = add_subscribers(hotline_rt, 1000, 1, province="Lào Cai")
    others = add_subscribers(hotline_rt, 50, 5000, province="Huế")
    blocked = chats[::50]  # 20 users who blocked the bot
    for chat in blocked:
        fake_botapi.block_chat(chat)
    fake_botapi.fail_next("sendMessage", 429, count=3, retry_after=1)
    fake_botapi.fail_next("sendMessage", 500, count=10)
    cid = approved_campaign(hotline_rt, segment={"provinces": ["Lào Cai"]})
    env = {
        **os.environ,
        "CANHGIAC_DATABASE_URL": db_url,
        "CANHGIAC_SECRET_KEY": keys["secret"],
        "CANHGIAC_DATA_KEY": keys["data"],
        "CANHGIAC_CONTENT_DIR": str(ROOT / "content"),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_botapi.root_url,
        "CANHGIAC_BROADCAST_LEASE_SECONDS": "4",
        "CANHGIAC_BROADCAST_BACKOFF_SECONDS": "0.3",
        "CANHGIAC_BROADCAST_CONCURRENCY": "8",
        "CANHGIAC_BROADCAST_BATCH": str(BATCH),
        # The workers share one limit through Redis (a database of this test's own).
        "CANHGIAC_REDIS_URL": "redis://127.0.0.1:6379/13",
        "CANHGIAC_LOG_LEVEL": "WARNING",
    }
    import redis

    redis.Redis.from_url(env["CANHGIAC_REDIS_URL"]).flushdb()
    first = _worker(env)
    try:
        deadline = time.monotonic() + 90
        while len(fake_botapi.sent_messages()) < 250:
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            assert time.monotonic() < deadline, "worker did not send"
            time.sleep(0.05)
    finally:
        first.kill()  # SIGKILL: no cleanup, rows left claimed / sending
        first.wait()
    mid = Counter(r.status for r in _rows(hotline_rt))
    time.sleep(2.0)  # the dead worker's last arrivals leave the platform's one-second window
    workers = [_worker(env), _worker(env)]
    try:
        deadline = time.monotonic() + 150
        while True:
            rows = _rows(hotline_rt)
            if rows and all(r.status not in ("pending", "claimed", "sending") for r in rows):
                break
            for w in workers:
                assert w.poll() is None, w.stderr.read() if w.stderr else ""
            assert time.monotonic() < deadline, Counter(r.status for r in rows)
            time.sleep(0.5)
    finally:
        for w in workers:
            w.kill()
            w.wait()
    counts = _chat_counts(fake_botapi)
    with unit_of_work(hotline_rt.sessions) as session:
        subs = {s.id: s for s in session.scalars(select(Subscriber))}
        keys_left = {s.key for s in subs.values()}
    rows = _rows(hotline_rt)
    statuses = Counter(r.status for r in rows)
    assert len(rows) == 1000, statuses
    # Nobody ever gets it twice; nobody outside the segment gets it.
    assert max(counts.values()) == 1
    assert not {str(c) for c in others} & set(counts)
    # The killed worker's batch may end "unknown" (at most-once: never resent), blocked
    # users' rows included; every other row is exactly sent or blocked.
    unknown = [r for r in rows if r.status == DeliveryStatus.failed_unknown]
    assert len(unknown) <= BATCH, (
        mid,
        statuses,
        Counter(r.last_error for r in unknown),
    )
    key_of = {chat: hotline_rt.pseudonyms.key("telegram", chat) for chat in chats}
    row_of_key = {subs[r.subscriber_id].key: r for r in rows if r.subscriber_id in subs}
    blocked_unknown = 0
    for chat in blocked:
        assert str(chat) not in counts
        row = row_of_key.get(key_of[chat])
        if row is None:  # unsubscribed on the 403: the subscriber row is gone
            continue
        assert row.status == DeliveryStatus.failed_unknown, row.status
        blocked_unknown += 1
    assert statuses[DeliveryStatus.blocked] + blocked_unknown == len(blocked)
    # Blocked users are unsubscribed, except one whose 403 was in flight at the kill.
    assert sum(key_of[chat] not in keys_left for chat in blocked) == len(blocked) - blocked_unknown
    assert statuses[DeliveryStatus.sent] + len(unknown) - blocked_unknown == 980
    assert statuses[DeliveryStatus.failed] == 0
    sent_chats = {str(chat) for chat in chats if chat not in blocked}
    assert set(counts) <= sent_chats
    assert len(counts) >= 980 - len(unknown)
    assert fake_botapi.violations == 0, _violations(fake_botapi)
    with unit_of_work(hotline_rt.sessions) as session:
        c = workflow.get(session, cid)
        assert c is not None
        assert c.status == "sent"
