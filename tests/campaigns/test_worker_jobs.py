"""The worker's extra jobs (campaign sends) run whether or not the caller has an event loop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot import broadcast
from hotline import worker
from hotline.campaigns.models import CampaignDelivery
from hotline.config import Settings
from hotline.db.session import unit_of_work
from hotline.runtime import HotlineRuntime
from tests.campaigns.conftest import add_subscribers, approved_campaign
from tests.fixtures.fake_botapi import FakeBotApi

TOKEN = "123456:worker-job-test"


@pytest.fixture
def telegram_rt(
    settings: Settings, hotline_rt: HotlineRuntime, fake_botapi: FakeBotApi
) -> Iterator[HotlineRuntime]:
    """The back office with Telegram on, against the fake Bot API (hotline_rt cleans the DB)."""
    configured = settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_api_base_url": fake_botapi.root_url,
        }
    )
    rt = HotlineRuntime.from_settings(configured)
    yield rt
    rt.close()


def _statuses(rt: HotlineRuntime) -> list[str]:
    with unit_of_work(rt.sessions) as session:
        return [str(s) for s in session.scalars(select(CampaignDelivery.status))]


def _campaign(rt: HotlineRuntime) -> list[int]:
    chats = add_subscribers(rt, 3)
    approved_campaign(rt)
    return chats


def test_a_tick_sends_the_campaign(telegram_rt: HotlineRuntime, fake_botapi: FakeBotApi) -> None:
    chats = _campaign(telegram_rt)
    worker.tick(telegram_rt, {}, [broadcast.job])
    assert _statuses(telegram_rt) == ["sent"] * 3
    assert sorted(int(m.chat_id) for m in fake_botapi.sent_messages()) == chats


async def test_a_tick_inside_a_running_event_loop_still_sends(
    telegram_rt: HotlineRuntime, fake_botapi: FakeBotApi
) -> None:
    # asyncio.run refuses to start inside a running loop: the job used to fail ("worker job
    # failed" in the log) and the campaign stayed unsent.
    chats = _campaign(telegram_rt)
    worker.tick(telegram_rt, {}, [broadcast.job])
    assert _statuses(telegram_rt) == ["sent"] * 3
    assert sorted(int(m.chat_id) for m in fake_botapi.sent_messages()) == chats
