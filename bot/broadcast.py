"""The broadcast worker job: schedule due campaigns, then drain the outbox through the channels.

Runs inside `canhgiac worker` (bot/cli.py passes ``job`` to ``hotline.worker.run``: the
back office never imports the channels). A worker works in batches of
``CANHGIAC_BROADCAST_BATCH`` rows: one transaction marks the whole batch ``sending`` (pending ->
sending) and commits before any of it is handed to the API; the batch is sent; one transaction
records every result. A worker killed mid-batch therefore leaves at most that one batch
``sending``, which becomes ``failed_unknown`` when its lease expires and is never resent: "no
message twice" wins over "everyone gets it". Pacing is the channel's shared ``Outbound``
(replies first; Redis-shared when ``CANHGIAC_REDIS_URL`` is set), so several workers stay under
one platform limit together; PostgreSQL's SKIP LOCKED gives them disjoint batches.

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
from hotline.campaigns import delivery, scheduler, workflow
from hotline.campaigns.models import Campaign, DeliveryStatus
from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work
from hotline.kit.i18n import Catalog
from hotline.kit.sync import run_coroutine
from hotline.runtime import HotlineRuntime
from hotline.subscribers import service as subscribers

log = logging.getLogger(__name__)

# Errors after which the platform surely did not take the message: safe to retry.
_TIMEOUTS = ("TimedOut", "timeout", "Timeout")


class BroadcastSettings(BaseSettings):
    """Broadcast knobs (environment variables; defaults suit one worker and one bot)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    lease_seconds: float = Field(120.0, alias="CANHGIAC_BROADCAST_LEASE_SECONDS")
    # Rows per claim: also the most a killed worker can leave failed_unknown.
    batch: int = Field(200, ge=1, alias="CANHGIAC_BROADCAST_BATCH")
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
    from bot.channels.outbound import pacer

    settings = rt.settings
    senders: dict[str, Sender] = {}
    closers: list[Callable[[], Awaitable[Any]]] = []
    tg = settings.telegram_bot_token
    if tg is not None and tg.get_secret_value().strip():
        from bot.channels.telegram import TelegramSender, make_bot

        bot = make_bot(tg.get_secret_value().strip(), settings.telegram_api_base_url)
        await bot.initialize()
        senders["telegram"] = TelegramSender(bot, pacer(rt, "telegram"))
        closers.append(bot.shutdown)
    zl = settings.zalo_bot_token
    if zl is not None and zl.get_secret_value().strip():
        from bot.channels.zalo import ZaloSender
        from bot.channels.zalo_api import ZaloBotApi

        api = ZaloBotApi(zl.get_secret_value().strip(), base_url=settings.zalo_api_base_url)
        catalog = Catalog.load(settings.content_dir)
        senders["zalo"] = ZaloSender(
            api, pacer(rt, "zalo"), catalog.t("vi", "channels.choose_number")
        )
        closers.append(api.aclose)
    from bot.channels import zalo_oa

    if zalo_oa.enabled(settings):
        catalog = Catalog.load(settings.content_dir)
        oa_sender = zalo_oa.campaign_sender(
            rt,
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
    """Drains the outbox one batch at a time: claim (one transaction), send, record (one)."""

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
        self._texts: dict[tuple[int, str, bool], tuple[str, list[Button]]] = {}
        self.stats = Stats()

    async def drain(self, seconds: float | None = None) -> Stats:
        """Send due rows until none are left or ``seconds`` have passed."""
        deadline = time.monotonic() + (self.config.tick_seconds if seconds is None else seconds)
        sem = asyncio.Semaphore(self.config.concurrency)

        async def one(row: delivery.Claimed) -> delivery.Outcome:
            async with sem:
                return await self.send_one(row)

        while time.monotonic() < deadline:
            rows = self._claim()
            if not rows:
                break
            outcomes = await asyncio.gather(*(one(r) for r in rows))
            self._record(rows, outcomes)
        with unit_of_work(self.rt.sessions) as session:
            scheduler.finish(session)
        return self.stats

    def _claim(self) -> list[delivery.Claimed]:
        """One batch marked ``sending`` and committed before any of it is handed to the API."""
        with unit_of_work(self.rt.sessions) as session:
            rows, skipped = delivery.claim(
                session,
                self.worker_id,
                self.config.batch,
                self.config.lease_seconds,
                channels=set(self.senders),
                zalo_daily_cap=self.config.zalo_daily_cap,
            )
            self.stats.skipped += skipped
            self._campaigns = {
                c.id: c for c in workflow.many(session, {r.campaign_id for r in rows})
            }
            self._texts = {}
            for row in rows:
                campaign = self._campaigns[row.campaign_id]
                if row.channel == "zalo" and campaign.buttons and row.key is not None:
                    # Zalo shows buttons as numbered lines (ZaloSender numbers them from 1).
                    _, pairs = delivery.content_of(campaign, row.lang)
                    remember_choices(
                        self.rt, session, row.key, {str(i + 1): p for i, (_, p) in enumerate(pairs)}
                    )
        return rows

    def _record(self, rows: list[delivery.Claimed], outcomes: list[delivery.Outcome]) -> None:
        """The batch's results in one transaction; 403s unsubscribe their subscriber."""
        by_id = {r.id: r for r in rows}
        with unit_of_work(self.rt.sessions) as session:
            delivery.record(session, outcomes)
            for o in outcomes:
                row = by_id[o.id]
                if o.status == DeliveryStatus.blocked and not row.is_test:
                    subscribers.unsubscribe_id(session, row.subscriber_id)

    def _content(self, row: delivery.Claimed) -> tuple[str, list[Button]]:
        """The text and buttons of a row (built once per campaign, language and kind)."""
        cache_key = (row.campaign_id, row.lang, row.is_test)
        found = self._texts.get(cache_key)
        if found is None:
            campaign = self._campaigns[row.campaign_id]
            text, pairs = delivery.content_of(campaign, row.lang)
            if row.is_test:
                text = self.catalog.t(row.lang, "subscription.test_prefix") + "\n" + text
            text += "\n\n" + self.catalog.t(row.lang, "subscription.footer")
            found = self._texts[cache_key] = (text, [Button(t, p) for t, p in pairs])
        return found

    async def send_one(self, row: delivery.Claimed) -> delivery.Outcome:
        """Send one row (already ``sending``) and say what became of it."""
        sender = self.senders[row.channel]
        address = self.rt.cipher.decrypt_text(row.address_enc)
        text, buttons = self._content(row)
        try:
            ids = await sender.send_text(address, text, buttons, priority="broadcast")
        except RecipientBlocked:
            self.stats.blocked += 1
            return delivery.Outcome(row.id, DeliveryStatus.blocked, "403")
        except RateLimited as exc:
            return self._retry_or_fail(row, "429", max(exc.retry_after, 1.0))
        except (QuotaExceeded, NotNow) as exc:
            # Not sent, and sending again today would not help: final, never retried.
            self.stats.skipped += 1
            status = (
                DeliveryStatus.skipped_quota
                if isinstance(exc, QuotaExceeded)
                else DeliveryStatus.skipped
            )
            return delivery.Outcome(row.id, status, str(exc)[:60])
        except OutboundError as exc:
            code = str(exc)[:60] or "error"
            if any(t in code for t in _TIMEOUTS):
                # The request may have reached the platform: never resend.
                self.stats.failed += 1
                return delivery.Outcome(row.id, DeliveryStatus.failed_unknown, code)
            return self._retry_or_fail(row, code, None)
        except Exception as exc:  # a bug or an unexpected client error: retry, capped
            log.exception("broadcast send crashed")
            return self._retry_or_fail(row, type(exc).__name__[:60], None)
        self.stats.sent += 1
        return delivery.Outcome(row.id, DeliveryStatus.sent, message_ids=[str(i) for i in ids])

    def _retry_or_fail(
        self, row: delivery.Claimed, code: str, wait: float | None
    ) -> delivery.Outcome:
        if row.attempts >= self.config.max_attempts:
            self.stats.failed += 1
            return delivery.Outcome(row.id, DeliveryStatus.failed, code)
        backoff = self.config.backoff_seconds * 2 ** (row.attempts - 1)
        self.stats.retried += 1
        return delivery.Outcome(
            row.id, DeliveryStatus.pending, code, retry_in=min(300.0, max(backoff, wait or 0.0))
        )


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
        back, unknown = delivery.recover(session)
    if back or unknown:
        log.warning("broadcast leases recovered", extra={"count": back, "status": "recovered"})
    with unit_of_work(rt.sessions) as session:
        inserted = scheduler.run_scheduler(session)
    return back, unknown, inserted


async def run_once(rt: HotlineRuntime, seconds: float | None = None) -> Stats:
    """Schedule, then drain for up to ``seconds`` (one worker tick)."""
    schedule(rt)
    with unit_of_work(rt.sessions) as session:
        idle = not delivery.has_open_rows(session)
    if idle:
        return Stats()
    senders, close = await channel_senders(rt)
    try:
        return await Broadcaster(rt, senders, BroadcastSettings()).drain(seconds)
    finally:
        await close()


def job(rt: HotlineRuntime) -> None:
    """The `canhgiac worker` per-tick job (sync wrapper around one asyncio drain)."""
    stats = run_coroutine(lambda: run_once(rt))
    if any(stats.as_dict().values()):
        log.info("broadcast tick", extra=stats.as_dict())
