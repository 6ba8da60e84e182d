"""The broadcast worker job: schedule due campaigns, then drain the outbox through the channels.

Runs inside `canhgiac worker` (registered on ``hotline.worker.EXTRA_JOBS`` by bot/cli.py: the
back office never imports the channels). Each row goes pending -> claimed -> sending -> final;
``sending`` is committed before the API call, so a worker killed mid-send never resends it
(an expired ``sending`` row becomes ``failed_unknown``: "no message twice" wins over
"everyone gets it"). Pacing is the channel's shared ``Outbound`` (replies first; Redis-shared
when ``CANHGIAC_REDIS_URL`` is set), so two workers stay under the platform limit together.

Outcomes: 403 -> ``blocked`` and the subscriber is deleted; 429 beyond the limiter's own
retries and transient errors (5xx, connection) -> retried with exponential backoff up to
``MAX_ATTEMPTS``; a timeout (maybe delivered) -> ``failed_unknown``; Zalo beyond
``CANHGIAC_ZALO_DAILY_BROADCAST_CAP`` sends a day -> ``skipped_quota``; a Zalo OA beyond
``CANHGIAC_ZALO_OA_DAILY_BROADCAST_CAP`` or out of its quota -> ``skipped_quota``, a follower
outside the OA's interaction window -> ``skipped`` (bot/channels/zalo_oa.py).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.orm import Session

from bot.channels.outbound import (
    NotNow,
    OutboundError,
    QuotaExceeded,
    RateLimited,
    RecipientBlocked,
    Sender,
)
from bot.conversation import channel_memory
from bot.dialogs.types import Button
from hotline.campaigns import service as campaigns
from hotline.campaigns.models import Campaign, DeliveryStatus
from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work
from hotline.kit.i18n import Catalog
from hotline.runtime import HotlineRuntime
from hotline.subscribers import service as subscribers
from hotline.subscribers.models import Subscriber

log = logging.getLogger(__name__)

# Errors after which the platform surely did not take the message: safe to retry.
_TIMEOUTS = ("TimedOut", "timeout", "Timeout")


class BroadcastSettings(BaseSettings):
    """Broadcast knobs (environment variables; defaults suit one worker and one bot)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    lease_seconds: float = Field(120.0, alias="CANHGIAC_BROADCAST_LEASE_SECONDS")
    batch: int = Field(100, ge=1, alias="CANHGIAC_BROADCAST_BATCH")
    concurrency: int = Field(16, ge=1, alias="CANHGIAC_BROADCAST_CONCURRENCY")
    # Longest a worker tick spends draining before agency notifications get their turn.
    tick_seconds: float = Field(20.0, alias="CANHGIAC_BROADCAST_TICK_SECONDS")
    max_attempts: int = Field(5, ge=1, alias="CANHGIAC_BROADCAST_MAX_ATTEMPTS")
    backoff_seconds: float = Field(2.0, alias="CANHGIAC_BROADCAST_BACKOFF_SECONDS")
    zalo_daily_cap: int = Field(1000, ge=0, alias="CANHGIAC_ZALO_DAILY_BROADCAST_CAP")
    # Zalo OA campaign messages are proactive: 1,000 free a month for a verified OA, then paid.
    zalo_oa_daily_cap: int = Field(30, ge=0, alias="CANHGIAC_ZALO_OA_DAILY_BROADCAST_CAP")


@dataclass
class Stats:
    """What one drain did."""

    sent: int = 0
    blocked: int = 0
    failed: int = 0
    retried: int = 0
    skipped: int = 0

    def as_dict(self) -> dict[str, int]:
        """For the log line."""
        return {
            "sent": self.sent,
            "blocked": self.blocked,
            "failed": self.failed,
            "retried": self.retried,
            "skipped": self.skipped,
        }


async def channel_senders(
    rt: HotlineRuntime,
) -> tuple[dict[str, Sender], Callable[[], Awaitable[None]]]:
    """The configured channels' senders (on the shared pacing) and a close function."""
    from bot.channels.outbound import outbound_for

    settings = rt.settings
    senders: dict[str, Sender] = {}
    closers: list[Callable[[], Awaitable[Any]]] = []
    tg = settings.telegram_bot_token
    if tg is not None and tg.get_secret_value().strip():
        from bot.channels.telegram import TelegramSender, make_bot

        bot = make_bot(tg.get_secret_value().strip(), settings.telegram_api_base_url)
        await bot.initialize()
        senders["telegram"] = TelegramSender(bot, outbound_for("telegram", settings.redis_url))
        closers.append(bot.shutdown)
    zl = settings.zalo_bot_token
    if zl is not None and zl.get_secret_value().strip():
        from bot.channels.zalo import ZaloSender
        from bot.channels.zalo_api import ZaloBotApi

        api = ZaloBotApi(zl.get_secret_value().strip(), base_url=settings.zalo_api_base_url)
        catalog = Catalog.load(settings.content_dir)
        senders["zalo"] = ZaloSender(
            api, outbound_for("zalo", settings.redis_url), catalog.t("vi", "channels.choose_number")
        )
        closers.append(api.aclose)
    from bot.channels import zalo_oa

    if zalo_oa.enabled(settings):
        catalog = Catalog.load(settings.content_dir)
        oa_sender = zalo_oa.campaign_sender(
            settings,
            rt.sessions,
            rt.cipher,
            catalog.t("vi", "channels.more_choices"),
            BroadcastSettings().zalo_oa_daily_cap,
        )
        senders[zalo_oa.CHANNEL] = oa_sender
        closers.append(oa_sender.inner.api.aclose)

    async def close() -> None:
        for closer in closers:
            try:
                await closer()
            except Exception:
                log.warning("sender close failed")

    return senders, close


class Broadcaster:
    """Drains the outbox with bounded concurrency; every DB step is its own transaction."""

    def __init__(
        self,
        rt: HotlineRuntime,
        senders: dict[str, Sender],
        config: BroadcastSettings | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.rt = rt
        self.senders = senders
        self.config = config or BroadcastSettings()
        self.worker_id = worker_id or f"{socket.gethostname()[:40]}:{os.getpid()}"
        self.catalog = Catalog.load(rt.settings.content_dir)
        self._campaigns: dict[int, Campaign] = {}
        self._zalo_today: int | None = None
        self.stats = Stats()

    async def drain(self, seconds: float | None = None) -> Stats:
        """Send due rows until none are left or ``seconds`` have passed."""
        deadline = time.monotonic() + (self.config.tick_seconds if seconds is None else seconds)
        sem = asyncio.Semaphore(self.config.concurrency)
        while time.monotonic() < deadline:
            with unit_of_work(self.rt.sessions) as session:
                rows = campaigns.claim(
                    session, self.worker_id, self.config.batch, self.config.lease_seconds
                )
                self._campaigns = {}
                self._zalo_today = None
            if not rows:
                break

            async def one(row: campaigns.Claimed) -> None:
                async with sem:
                    await self.send_one(row)

            await asyncio.gather(*(one(r) for r in rows))
        with unit_of_work(self.rt.sessions) as session:
            campaigns.finish(session)
        return self.stats

    def _campaign(self, campaign_id: int) -> Campaign | None:
        found = self._campaigns.get(campaign_id)
        if found is None:
            with unit_of_work(self.rt.sessions) as session:
                found = campaigns.get(session, campaign_id)
            if found is not None:
                self._campaigns[campaign_id] = found
        return found

    def _release(self, row: campaigns.Claimed, status: DeliveryStatus, error: str) -> None:
        with unit_of_work(self.rt.sessions) as session:
            campaigns.release(session, row.id, status, error)
        self.stats.skipped += 1

    def _over_quota(self, row: campaigns.Claimed) -> bool:
        """Zalo Bot Platform: a per-day cap on proactive sends (configurable)."""
        if row.channel != "zalo" or row.is_test:
            return False
        if self._zalo_today is None:
            with unit_of_work(self.rt.sessions) as session:
                self._zalo_today = campaigns.sent_today(session, "zalo")
        if self._zalo_today >= self.config.zalo_daily_cap:
            return True
        self._zalo_today += 1
        return False

    async def send_one(self, row: campaigns.Claimed) -> None:
        """Send one leased row and record the outcome."""
        sender = self.senders.get(row.channel)
        campaign = self._campaign(row.campaign_id)
        if sender is None:
            return self._release(row, DeliveryStatus.skipped, "channel_off")
        if campaign is None or (campaign.status == "cancelled" and not row.is_test):
            return self._release(row, DeliveryStatus.skipped, "cancelled")
        address_enc = row.address_enc
        key: str | None = None
        if not row.is_test:
            with unit_of_work(self.rt.sessions) as session:
                sub = session.get(Subscriber, row.subscriber_id)
                address_enc = sub.address_enc if sub is not None else None
                key = sub.key if sub is not None else None
        if address_enc is None:
            return self._release(row, DeliveryStatus.skipped, "unsubscribed")
        if self._over_quota(row):
            return self._release(row, DeliveryStatus.skipped_quota, "zalo_daily_cap")
        address = self.rt.cipher.decrypt_text(address_enc)
        text, pairs = campaigns.content_of(campaign, row.lang)
        if row.is_test:
            text = self.catalog.t(row.lang, "subscription.test_prefix") + "\n" + text
        text += "\n\n" + self.catalog.t(row.lang, "subscription.footer")
        buttons = [Button(title, payload) for title, payload in pairs]
        with unit_of_work(self.rt.sessions) as session:
            # Committed before the call: a crash from here on never leads to a second send.
            if not campaigns.mark_sending(session, row.id, self.config.lease_seconds):
                return None
            if row.channel == "zalo" and pairs and key is not None:
                # Zalo shows buttons as numbered lines (ZaloSender numbers them from 1).
                remember_choices(
                    self.rt, session, key, {str(i + 1): p for i, (_, p) in enumerate(pairs)}
                )
        attempts = row.attempts + 1
        try:
            ids = await sender.send_text(address, text, buttons, priority="broadcast")
        except RecipientBlocked:
            with unit_of_work(self.rt.sessions) as session:
                campaigns.mark_result(session, row.id, DeliveryStatus.blocked, error="403")
                if not row.is_test:
                    subscribers.unsubscribe_id(session, row.subscriber_id)
            self.stats.blocked += 1
            return None
        except RateLimited as exc:
            self._retry_or_fail(row, attempts, "429", max(exc.retry_after, 1.0))
            return None
        except (QuotaExceeded, NotNow) as exc:
            # Not sent, and sending again today would not help: final, never retried.
            status = (
                DeliveryStatus.skipped_quota
                if isinstance(exc, QuotaExceeded)
                else DeliveryStatus.skipped
            )
            with unit_of_work(self.rt.sessions) as session:
                campaigns.mark_result(session, row.id, status, error=str(exc)[:60])
            self.stats.skipped += 1
            return None
        except OutboundError as exc:
            code = str(exc)[:60] or "error"
            if any(t in code for t in _TIMEOUTS):
                # The request may have reached the platform: never resend.
                with unit_of_work(self.rt.sessions) as session:
                    campaigns.mark_result(
                        session, row.id, DeliveryStatus.failed_unknown, error=code
                    )
                self.stats.failed += 1
                return None
            self._retry_or_fail(row, attempts, code, None)
            return None
        except Exception as exc:  # a bug or an unexpected client error: retry, capped
            log.exception("broadcast send crashed")
            self._retry_or_fail(row, attempts, type(exc).__name__[:60], None)
            return None
        with unit_of_work(self.rt.sessions) as session:
            campaigns.mark_result(
                session, row.id, DeliveryStatus.sent, message_ids=[str(i) for i in ids]
            )
        self.stats.sent += 1
        return None

    def _retry_or_fail(
        self, row: campaigns.Claimed, attempts: int, code: str, wait: float | None
    ) -> None:
        with unit_of_work(self.rt.sessions) as session:
            if attempts >= self.config.max_attempts:
                campaigns.mark_result(session, row.id, DeliveryStatus.failed, error=code)
                self.stats.failed += 1
                return
            backoff = self.config.backoff_seconds * 2 ** (attempts - 1)
            campaigns.mark_result(
                session,
                row.id,
                DeliveryStatus.pending,
                error=code,
                retry_in=min(300.0, max(backoff, wait or 0.0)),
            )
        self.stats.retried += 1


def remember_choices(
    rt: HotlineRuntime, session: Session, key: str, choices: dict[str, str]
) -> None:
    """Zalo: store "1" -> button payload in the subscriber's encrypted conversation state.

    The same place ``bot/channels/zalo.py`` keeps the numbers of its last answer, under the
    same pseudonym (the subscriber's key), so replying "1" presses the broadcast's first button.
    A subscriber exists only until /xoa or /huydangky, so this never revives an erased chat.
    """
    state = conversations.load_state(session, rt.cipher, key)
    channel_memory(state, create=True)["choices"] = choices
    conversations.save_state(session, rt.cipher, key, "zalo", state)


def schedule(rt: HotlineRuntime) -> tuple[int, int, int]:
    """Reclaim expired leases, then expand due campaigns: (reclaimed, unknown, inserted)."""
    with unit_of_work(rt.sessions) as session:
        back, unknown = campaigns.recover(session)
    if back or unknown:
        log.warning("broadcast leases recovered", extra={"count": back, "status": "recovered"})
    with unit_of_work(rt.sessions) as session:
        inserted = campaigns.run_scheduler(session)
    return back, unknown, inserted


async def run_once(rt: HotlineRuntime, seconds: float | None = None) -> Stats:
    """Schedule, then drain for up to ``seconds`` (one worker tick)."""
    schedule(rt)
    with unit_of_work(rt.sessions) as session:
        idle = not campaigns.has_open_rows(session)
    if idle:
        return Stats()
    senders, close = await channel_senders(rt)
    try:
        return await Broadcaster(rt, senders, BroadcastSettings()).drain(seconds)
    finally:
        await close()


def job(rt: HotlineRuntime) -> None:
    """The `canhgiac worker` per-tick job (sync wrapper around one asyncio drain)."""
    stats = asyncio.run(run_once(rt))
    if any(stats.as_dict().values()):
        log.info("broadcast tick", extra=stats.as_dict())


def register() -> None:
    """Add the broadcast job to the worker (idempotent)."""
    from hotline.worker import EXTRA_JOBS

    if job not in EXTRA_JOBS:
        EXTRA_JOBS.append(job)
