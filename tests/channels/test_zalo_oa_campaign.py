"""Campaigns to OA followers through the broadcast worker and the real OA client (fake OA)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.broadcast import Broadcaster, BroadcastSettings
from bot.channels import zalo_oa as oa
from bot.channels.zalo_oa_api import PAYLOAD_MARK
from bot.channels.zalo_oa_tokens import authorize
from hotline.campaigns import scheduler
from hotline.campaigns.models import CampaignDelivery
from hotline.config import Settings
from hotline.db.session import unit_of_work
from hotline.runtime import HotlineRuntime
from hotline.subscribers.models import Subscriber
from tests.campaigns.conftest import add_subscribers, approved_campaign
from tests.channels.conftest import fast_pacing
from tests.channels.test_zalo_oa import oa_settings
from tests.fixtures.fake_zalo_oa import FakeZaloOa

CONFIG = BroadcastSettings(CANHGIAC_BROADCAST_BACKOFF_SECONDS=0.1)


@pytest.fixture
def oa_hrt(
    settings: Settings, hotline_rt: HotlineRuntime, fake_zalo_oa: FakeZaloOa
) -> Iterator[HotlineRuntime]:
    """The back-office runtime with the OA configured."""
    hrt = HotlineRuntime.from_settings(oa_settings(settings, fake_zalo_oa))
    fast_pacing(hrt, oa.CHANNEL)
    yield hrt
    hrt.close()


async def _sender(hrt: HotlineRuntime, fake: FakeZaloOa, cap: int = 1000) -> oa.CampaignOaSender:
    sender = oa.campaign_sender(hrt, "…", cap)
    await authorize(sender.inner.keeper, refresh_token=fake.issue_refresh_token())
    return sender


def _statuses(hrt: HotlineRuntime) -> Counter[str]:
    with unit_of_work(hrt.sessions) as session:
        rows = session.scalars(select(CampaignDelivery).where(~CampaignDelivery.is_test))
        return Counter(str(r.status) for r in rows)


async def _run(hrt: HotlineRuntime, sender: oa.CampaignOaSender) -> None:
    with unit_of_work(hrt.sessions) as session:
        scheduler.run_scheduler(session)
    broadcaster = Broadcaster(hrt, {oa.CHANNEL: sender}, CONFIG, "test")
    for _ in range(20):
        await broadcaster.drain(10)
        if not any(s in _statuses(hrt) for s in ("pending", "claimed", "sending")):
            return


async def test_campaign_token_expires_mid_run_refreshed_once_nothing_twice(
    oa_hrt: HotlineRuntime, fake_zalo_oa: FakeZaloOa
) -> None:
    fake = fake_zalo_oa
    users = [str(u) for u in add_subscribers(oa_hrt, 30, 101, channel=oa.CHANNEL)]
    approved_campaign(
        oa_hrt, buttons=[{"kind": "quiz", "target": "tactics", "title": {"vi": "Làm quiz"}}]
    )
    sender = await _sender(oa_hrt, fake)
    refreshes = fake.refresh_calls
    fake.expire_after = 10  # the token dies after the tenth message of the run
    await _run(oa_hrt, sender)
    await sender.inner.api.aclose()
    assert _statuses(oa_hrt) == {"sent": 30}
    per_user = Counter(s.user_id for s in fake.sent)
    assert per_user == dict.fromkeys(users, 1)  # everyone once, nobody twice
    assert fake.refresh_calls - refreshes == 1
    assert {code for _, code in fake.refused} == {-216}
    first = fake.sent[0]
    assert first.reply_to is None  # proactive: not a reply to anyone's message
    assert "/huydangky" in first.text
    [button] = first.buttons
    assert button["type"] == "oa.query.hide"
    assert button["payload"].startswith(PAYLOAD_MARK)


async def test_quota_skips_the_rest_unfollowed_unsubscribed_replies_still_go(
    oa_hrt: HotlineRuntime, fake_zalo_oa: FakeZaloOa
) -> None:
    fake = fake_zalo_oa
    users = [str(u) for u in add_subscribers(oa_hrt, 8, 201, channel=oa.CHANNEL)]
    fake.unfollowed.add(users[0])
    fake.quota = 3
    approved_campaign(oa_hrt)
    sender = await _sender(oa_hrt, fake)
    await _run(oa_hrt, sender)
    assert _statuses(oa_hrt) == {"sent": 3, "blocked": 1, "skipped_quota": 4}
    with unit_of_work(oa_hrt.sessions) as session:
        keys = {s.key for s in session.scalars(select(Subscriber))}
    assert oa_hrt.pseudonyms.key(oa.CHANNEL, users[0]) not in keys
    assert len(keys) == 7
    # A reply inside the 48-hour window is no proactive message: it still goes.
    await sender.inner.send_text(users[1], "Cảm ơn bạn", reply_to="m-from-user")
    await sender.inner.api.aclose()
    assert fake.texts(users[1])[-1] == "Cảm ơn bạn"


async def test_daily_cap_per_oa(oa_hrt: HotlineRuntime, fake_zalo_oa: FakeZaloOa) -> None:
    fake = fake_zalo_oa
    add_subscribers(oa_hrt, 5, 301, channel=oa.CHANNEL)
    approved_campaign(oa_hrt)
    await _run(oa_hrt, await _sender(oa_hrt, fake, cap=2))
    assert _statuses(oa_hrt) == {"sent": 2, "skipped_quota": 3}
    # A second campaign the same day: the cap counts what was already sent today.
    approved_campaign(oa_hrt, title="second")
    sender = await _sender(oa_hrt, fake, cap=2)
    await _run(oa_hrt, sender)
    await sender.inner.api.aclose()
    assert _statuses(oa_hrt) == {"sent": 2, "skipped_quota": 8}
    assert len(fake.sent) == 2
