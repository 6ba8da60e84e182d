"""Zalo Official Account in front of the shared dialogs (webhook events, API v3 replies).

Menus are the OA's own buttons: each is an ``oa.query.hide`` button whose payload comes back
as the user's text behind ``#cg:``, and is turned back into the dialog payload here. A reply
carries the user's message id, so Zalo counts it inside the free 48-hour reply window;
campaign messages carry none and count as proactive. The user id Zalo gives is only ever used
to answer and to derive the conversation pseudonym: it is never logged nor stored with a tip.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import base, memory, turn
from bot.channels.outbound import (
    NotNow,
    Outbound,
    OutboundError,
    Priority,
    QuotaExceeded,
    RecipientBlocked,
    RetryLater,
    pacer,
)
from bot.channels.zalo_oa_api import (
    EVENT_FOLLOW,
    EVENT_IMAGE,
    EVENT_LINK,
    EVENT_TEXT,
    EVENT_UNFOLLOW,
    PAYLOAD_MARK,
    OaApiError,
    OaEvent,
    OaOutsideWindow,
    OaQuotaExceeded,
    OaRateLimited,
    OaRecipientGone,
    OaTokenInvalid,
    ZaloOaApi,
)
from bot.channels.zalo_oa_tokens import OaNotAuthorized, TokenKeeper, enabled
from bot.dialogs.types import Button, Incoming, Reply
from bot.runtime import BotRuntime
from hotline.runtime import HotlineRuntime

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
T = TypeVar("T")
__all__ = [
    "CHANNEL",
    "CampaignOaSender",
    "ZaloOaChannel",
    "ZaloOaSender",
    "build_channel",
    "build_sender",
    "campaign_sender",
    "enabled",
    "sent_today",
]


class ZaloOaSender:
    """Paced OA messages with the stored token; one refresh and retry on an expired token."""

    channel = CHANNEL

    def __init__(
        self, api: ZaloOaApi, keeper: TokenKeeper, outbound: Outbound, more: str = "…"
    ) -> None:
        self.api = api
        self.keeper = keeper
        self.outbound = outbound
        self.more = more

    async def _with_token(self, send: Callable[[str], Awaitable[T]]) -> T:
        """Call with the current token; on "token invalid" refresh once and call again."""
        current = await self.keeper.current()
        try:
            return await send(current.access)
        except OaTokenInvalid:
            log.warning("zalo oa token rejected: refreshing", extra={"channel": CHANNEL})
        # Zalo refused the token, so the message was not taken: sending it again is no repeat.
        fresh = await self.keeper.refresh(current.version)
        return await send(fresh.access)

    async def call(
        self, user_id: str, send: Callable[[str], Awaitable[T]], priority: Priority = "reply"
    ) -> T:
        """One API call under the pacing, its errors mapped to the Outbound ones."""

        async def attempt() -> T:
            try:
                return await self._with_token(send)
            except OaRateLimited:
                raise RetryLater(1.0) from None

        try:
            return await self.outbound.call(user_id, attempt, priority)
        except OaRecipientGone as exc:
            raise RecipientBlocked(f"zalo_oa {exc.code}") from None
        except OaQuotaExceeded as exc:
            raise QuotaExceeded(f"zalo_oa {exc.code}") from None
        except OaOutsideWindow as exc:
            raise NotNow(f"zalo_oa {exc.code}") from None
        except OaTokenInvalid as exc:
            raise OutboundError(f"zalo_oa token {exc.code}") from None
        except OaNotAuthorized:
            raise OutboundError("zalo_oa not authorized") from None
        except OaApiError as exc:
            # A timeout may have been delivered: say so, the broadcast worker never resends it.
            timeout = "Timeout" if "timed out" in exc.description else ""
            raise OutboundError(f"zalo_oa {exc.code} {timeout}".strip()) from None

    async def send_text(
        self,
        chat_id: str,
        text: str,
        buttons: Sequence[Button] = (),
        priority: Priority = "reply",
        *,
        reply_to: str | None = None,
    ) -> list[Any]:
        """Text (split at 2,000 characters) with the buttons under it; returns message ids."""
        ids: list[Any] = []
        for message in self.api.text_messages(text, list(buttons), self.more):

            async def send(token: str, message: dict[str, Any] = message) -> str:
                return await self.api.send(token, chat_id, message, reply_to=reply_to)

            ids.append(await self.call(chat_id, send, priority))
        return ids

    async def send_image(
        self, chat_id: str, url: str, caption: str | None = None, *, reply_to: str | None = None
    ) -> str:
        """One image (a public URL) with an optional caption."""
        message = self.api.image_message(url, caption)

        async def send(token: str) -> str:
            return await self.api.send(token, chat_id, message, reply_to=reply_to)

        return await self.call(chat_id, send)


class CampaignOaSender:
    """The broadcast worker's OA sender: a daily cap, and a stop once Zalo says "quota".

    Campaign messages are proactive for Zalo (no user message to reply to): a verified OA
    gets a monthly allowance, then pays. The worker stops at ``cap`` a day (counted from the
    outbox, so restarts and other workers' sends count), and after Zalo's own quota error it
    sends nothing more this run: the rest are skipped, conversation replies are not affected.
    """

    channel = CHANNEL

    def __init__(self, inner: ZaloOaSender, cap: int, sent_today: Callable[[], int]) -> None:
        self.inner = inner
        self.outbound = inner.outbound
        self.cap = cap
        self._sent_today = sent_today
        self._count: int | None = None
        self._exhausted = False
        self._lock = asyncio.Lock()

    async def send_text(
        self,
        chat_id: str,
        text: str,
        buttons: Sequence[Button] = (),
        priority: Priority = "broadcast",
    ) -> list[Any]:
        """Send one campaign message unless the cap or Zalo's quota says no (QuotaExceeded)."""
        async with self._lock:
            if self._exhausted:
                raise QuotaExceeded("zalo_oa quota")
            if self._count is None:
                self._count = await asyncio.to_thread(self._sent_today)
            if self._count >= self.cap:
                raise QuotaExceeded("zalo_oa_daily_cap")
            self._count += 1  # reserved before the call: concurrent sends cannot overshoot
        try:
            return await self.inner.send_text(chat_id, text, buttons, priority)
        except QuotaExceeded:
            self._exhausted = True
            raise
        except OutboundError:
            async with self._lock:
                self._count -= 1
            raise


class ZaloOaChannel:
    """Turns OA webhook events into dialog turns and the replies back into OA messages."""

    def __init__(self, rt: BotRuntime, sender: ZaloOaSender) -> None:
        self.rt = rt
        self.sender = sender

    async def process(self, event: OaEvent) -> None:
        """Handle one event; never raises."""
        try:
            await self._route(event)
        except Exception as exc:
            log.error(
                "zalo oa event failed", extra={"channel": CHANNEL, "error": type(exc).__name__}
            )

    async def _route(self, ev: OaEvent) -> None:
        user = ev.user_id
        if user is None:
            return
        name = ev.event_name
        if name == EVENT_UNFOLLOW:
            if await self._first(f"unfollow:{user}:{ev.timestamp}"):
                await asyncio.to_thread(base.mark_blocked, self.rt, CHANNEL, user)
            return
        if name == EVENT_FOLLOW:
            # A new follower gets the welcome and the menu, once per follow event.
            await self.converse(user, Incoming(text="/start"), f"follow:{user}:{ev.timestamp}")
            return
        if not name.startswith("user_send_"):
            return  # seen/received receipts, the OA's own messages, clicks: nothing to answer
        if name == EVENT_TEXT and ev.text:
            text = ev.text.strip()
            if text.startswith(PAYLOAD_MARK):
                incoming = Incoming(payload=text[len(PAYLOAD_MARK) :])
            else:
                incoming = Incoming(text=ev.text)
        elif name == EVENT_LINK and ev.url:
            incoming = Incoming(text=ev.url)  # a job ad's link is something to check
        elif name == EVENT_IMAGE and ev.url:
            photo = await base.fetch_photo(ev.url, self.rt.settings.zalo_oa_api_base_url, CHANNEL)
            if isinstance(photo, str):
                await self._simple(ev, photo)
                return
            incoming = Incoming(text=ev.text or None, photos=(photo,))
        else:
            # Stickers, locations, files, voice: a polite pointer to what works, once.
            await self._simple(ev, "core.unsupported_message")
            return
        await self.converse(user, incoming, ev.message_id, reply_to=ev.message_id)

    async def _first(self, update_id: str) -> bool:
        """Whether this event is seen for the first time (Zalo redelivers)."""
        return await asyncio.to_thread(memory.mark_update, self.rt, CHANNEL, update_id)

    async def _simple(self, ev: OaEvent, key: str) -> None:
        """A fixed message outside the dialogs, with the menu, once per message."""
        assert ev.user_id is not None
        found = await turn.notice(self.rt, CHANNEL, ev.user_id, ev.message_id, key)
        if found is not None:
            await self._send(ev.user_id, [found[0]], ev.message_id)

    async def converse(
        self,
        user_id: str,
        incoming: Incoming,
        update_id: str | None,
        *,
        reply_to: str | None = None,
    ) -> None:
        """Run the dialogs for one message and send the replies."""
        outcome = await turn.run(self.rt, CHANNEL, user_id, incoming, update_id)
        if outcome is None:
            return
        await self._send(user_id, outcome.replies, reply_to)

    async def _send(self, user_id: str, replies: Sequence[Reply], reply_to: str | None) -> None:
        """Send in order; an unfollowed or blocking user is marked (see turn.send_in_order)."""

        async def send(reply: Reply) -> list[Any]:
            return await self.sender.send_text(
                user_id, reply.text, reply.buttons, reply_to=reply_to
            )

        await turn.send_in_order(self.rt, CHANNEL, user_id, replies, send)


def build_sender(
    hrt: HotlineRuntime, more: str, client: httpx.AsyncClient | None = None
) -> ZaloOaSender:
    """A sender on the runtime's pacing, reading tokens from the database."""
    settings = hrt.settings
    api = ZaloOaApi(settings.zalo_oa_api_base_url, settings.zalo_oa_oauth_base_url, client=client)
    keeper = TokenKeeper(settings, hrt.sessions, hrt.cipher, api)
    return ZaloOaSender(api, keeper, pacer(hrt, CHANNEL), more)


def build_channel(rt: BotRuntime, client: httpx.AsyncClient | None = None) -> ZaloOaChannel:
    """The channel with its API client, token keeper and the runtime's pacing."""
    if not enabled(rt.settings):
        raise RuntimeError("ZALO_OA_APP_ID / ZALO_OA_APP_SECRET / ZALO_OA_SECRET_KEY not set")
    more = rt.catalog.t("vi", "channels.more_choices")
    return ZaloOaChannel(rt, build_sender(rt.hotline, more, client))


def campaign_sender(hrt: HotlineRuntime, more: str, cap: int) -> CampaignOaSender:
    """The broadcast worker's capped OA sender (close it with ``.inner.api.aclose()``)."""
    return CampaignOaSender(build_sender(hrt, more), cap, lambda: sent_today(hrt.sessions))


def sent_today(sessions: sessionmaker[Session]) -> int:
    """OA campaign messages sent since local midnight (Asia/Ho_Chi_Minh), by every worker.

    Only rows already ``sent``: the rows this worker is about to send are counted by the
    sender itself, one by one.
    """
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from hotline.campaigns.models import CampaignDelivery, DeliveryStatus
    from hotline.db.session import unit_of_work

    local = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    with unit_of_work(sessions) as session:
        found = session.scalar(
            select(func.count()).where(
                CampaignDelivery.status == DeliveryStatus.sent,
                CampaignDelivery.channel == CHANNEL,
                CampaignDelivery.sent_at >= midnight,
            )
        )
    return int(found or 0)
