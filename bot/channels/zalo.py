"""Zalo Bot Platform in front of the shared dialogs (webhook or long polling).

Zalo bots have no keyboards: buttons become numbered lines ("1. …") and the numbers of the
last answer are kept in the encrypted conversation state, so typing "2" sends the second
button's payload. Zalo cannot delete messages, so /xoa forgets the stored state only.
Only private chats are answered; a command in a group gets one pointer to the private chat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import httpx

from bot.channels import base, memory, turn
from bot.channels.outbound import (
    Outbound,
    OutboundError,
    Priority,
    RecipientBlocked,
    RetryLater,
    pacer,
)
from bot.channels.text import split_text
from bot.channels.zalo_api import (
    MAX_TEXT_LENGTH,
    ZaloApiError,
    ZaloBotApi,
    ZaloForbidden,
    ZaloRetryAfter,
)
from bot.channels.zalo_updates import EVENT_IMAGE, EVENT_TEXT, ZaloUpdate
from bot.dialogs.types import Button, Incoming, Reply
from bot.runtime import BotRuntime

log = logging.getLogger(__name__)

CHANNEL = "zalo"
T = TypeVar("T")


def numbered(
    text: str, buttons: Sequence[Button], first: int, hint: str
) -> tuple[str, dict[str, str]]:
    """The text with its buttons as numbered choices, and number -> payload."""
    if not buttons:
        return text, {}
    choices = {str(first + i): b.payload for i, b in enumerate(buttons)}
    lines = [f"{first + i}. {b.title}" for i, b in enumerate(buttons)]
    return f"{text}\n\n" + "\n".join(lines) + f"\n\n{hint}", choices


def number_replies(replies: Sequence[Reply], hint: str) -> tuple[list[str], dict[str, str]]:
    """Number the buttons across several replies: the texts, and number -> payload."""
    bodies: list[str] = []
    choices: dict[str, str] = {}
    for reply in replies:
        body, mine = numbered(reply.text, reply.buttons, len(choices) + 1, hint)
        bodies.append(body)
        choices.update(mine)
    return bodies, choices


class ZaloSender:
    """Paced sending through one ZaloBotApi (replies and broadcasts share the Outbound)."""

    channel = CHANNEL

    def __init__(self, api: ZaloBotApi, outbound: Outbound, hint: str = "") -> None:
        self.api = api
        self.outbound = outbound
        self.hint = hint

    async def call(
        self,
        chat_id: str,
        fn: Callable[[], Awaitable[T]],
        priority: Priority = "reply",
        *,
        counted: bool = True,
    ) -> T:
        """One API call: paced, 429 retried, 403 -> RecipientBlocked."""

        async def attempt() -> T:
            try:
                return await fn()
            except ZaloRetryAfter as exc:
                raise RetryLater(exc.seconds) from None

        try:
            return await self.outbound.call(chat_id, attempt, priority, counted=counted)
        except ZaloForbidden:
            raise RecipientBlocked("forbidden") from None
        except ZaloApiError as exc:
            raise OutboundError(f"zalo {exc.status}") from None

    async def send_plain(self, chat_id: str, text: str, priority: Priority = "reply") -> int:
        """Send text split at 2000 characters; returns the number of messages."""
        parts = split_text(text, MAX_TEXT_LENGTH)
        for part in parts:

            async def send(part: str = part) -> list[dict[str, Any]]:
                return await self.api.send_message(chat_id, part)

            await self.call(chat_id, send, priority)
        return len(parts)

    async def send_text(
        self,
        chat_id: str,
        text: str,
        buttons: Sequence[Button] = (),
        priority: Priority = "reply",
    ) -> list[Any]:
        """Send text with buttons as numbered choices (broadcast use; replies keep the mapping)."""
        body, _ = numbered(text, buttons, 1, self.hint)
        return [await self.send_plain(chat_id, body, priority)]

    async def typing(self, chat_id: str) -> None:
        """Show "typing…" (best effort)."""
        with contextlib.suppress(OutboundError):
            await self.call(chat_id, lambda: self.api.send_chat_action(chat_id), counted=False)


class ZaloChannel:
    """Turns Zalo updates into dialog turns and the replies back into messages."""

    def __init__(self, rt: BotRuntime, sender: ZaloSender) -> None:
        self.rt = rt
        self.sender = sender

    async def process(self, update: ZaloUpdate) -> None:
        """Handle one parsed update; never raises."""
        try:
            await self._route(update)
        except Exception as exc:
            log.error("zalo update failed", extra={"channel": CHANNEL, "error": type(exc).__name__})

    async def _route(self, upd: ZaloUpdate) -> None:
        if upd.user_id is None or upd.chat_id is None:
            return
        if not upd.event_name.startswith("message."):
            return  # joins, reactions, unknown events: nothing to answer
        if upd.chat_type not in (None, "PRIVATE"):
            if (upd.text or "").startswith("/") and (
                upd.message_id is None
                or await asyncio.to_thread(memory.mark_update, self.rt, CHANNEL, upd.message_id)
            ):
                with contextlib.suppress(OutboundError):
                    await self.sender.send_plain(
                        upd.chat_id, self.rt.catalog.t("vi", "core.group_chat")
                    )
            return
        if upd.event_name == EVENT_TEXT and upd.text is not None:
            incoming = Incoming(text=upd.text)
        elif upd.event_name == EVENT_IMAGE and upd.photo_url:
            photo = await base.fetch_photo(
                upd.photo_url, self.rt.settings.zalo_api_base_url, CHANNEL
            )
            if isinstance(photo, str):
                await self._simple(upd, photo)
                return
            incoming = Incoming(text=upd.text or None, photos=(photo,))
        else:
            await self._simple(upd, "core.unsupported_message")
            return
        await self.converse(upd.chat_id, upd.user_id, incoming, upd.message_id)

    async def _simple(self, upd: ZaloUpdate, key: str) -> None:
        """A fixed message outside the dialogs, once per message id."""
        assert upd.chat_id is not None
        assert upd.user_id is not None
        found = await turn.notice(self.rt, CHANNEL, upd.user_id, upd.message_id, key)
        if found is not None:
            reply, lang = found
            await self._deliver(upd.chat_id, upd.user_id, [reply], lang, store=True)

    async def converse(
        self,
        chat_id: str,
        user_id: str,
        incoming: Incoming,
        message_id: str | None,
    ) -> None:
        """Run the dialogs for one message and deliver the outcome."""
        rt = self.rt
        # Filled by ``finish`` inside the turn's transaction: the numbered texts to send.
        bodies: list[str] = []

        def finish(bucket: dict[str, Any], replies: list[Reply], lang: str) -> None:
            texts, choices = number_replies(replies, rt.catalog.t(lang, "channels.choose_number"))
            bodies.extend(texts)
            bucket["choices"] = choices

        typing = asyncio.create_task(self.sender.typing(chat_id))
        try:
            outcome = await turn.run(
                rt, CHANNEL, user_id, incoming, message_id, prepare=_choose, finish=finish
            )
        finally:
            await typing
        if outcome is None:
            return
        if outcome.failed:
            bodies.clear()
        if not bodies:
            # No choices were stored (an erase, a failed turn): numbers would lead nowhere.
            bodies = [r.text for r in outcome.replies]
        await self._send_bodies(chat_id, user_id, bodies)

    async def _deliver(
        self, chat_id: str, user_id: str, replies: Sequence[Reply], lang: str, *, store: bool
    ) -> None:
        """Number the buttons across the replies, store the numbers, then send."""
        bodies, choices = number_replies(replies, self.rt.catalog.t(lang, "channels.choose_number"))
        if store:

            def keep(b: dict[str, Any]) -> None:
                b["choices"] = choices
                b.pop("blocked", None)

            await asyncio.to_thread(memory.update, self.rt, CHANNEL, user_id, keep)
        await self._send_bodies(chat_id, user_id, bodies)

    async def _send_bodies(self, chat_id: str, user_id: str, bodies: Sequence[str]) -> None:
        """Send texts in order (see turn.send_in_order)."""
        await turn.send_in_order(
            self.rt, CHANNEL, user_id, bodies, lambda body: self.sender.send_plain(chat_id, body)
        )


def _choose(bucket: dict[str, Any], incoming: Incoming) -> Incoming:
    """A number typed in answer to numbered choices becomes that button's payload."""
    if incoming.text is None or incoming.photos:
        return incoming
    choices = bucket.get("choices")
    choice = choices.get(incoming.text.strip()) if isinstance(choices, dict) else None
    return Incoming(payload=str(choice)) if choice else incoming


def token_of(rt: BotRuntime) -> str | None:
    """The bot token, or None when the channel is off."""
    secret = rt.settings.zalo_bot_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    return token or None


def build_channel(rt: BotRuntime, client: httpx.AsyncClient | None = None) -> ZaloChannel:
    """The channel with its API client and the runtime's pacing."""
    token = token_of(rt)
    if token is None:
        raise RuntimeError("ZALO_BOT_TOKEN is not set")
    api = ZaloBotApi(token, base_url=rt.settings.zalo_api_base_url, client=client)
    hint = rt.catalog.t("vi", "channels.choose_number")
    return ZaloChannel(rt, ZaloSender(api, pacer(rt.hotline, CHANNEL), hint))


async def poll(channel: ZaloChannel, stop: asyncio.Event | None = None, timeout: int = 30) -> None:  # noqa: ASYNC109
    """Long-poll getUpdates until ``stop`` is set; network errors back off and retry."""
    api = channel.sender.api
    backoff = 1.0
    while stop is None or not stop.is_set():
        try:
            updates = await api.get_updates(timeout=timeout)
            backoff = 1.0
        except ZaloApiError as exc:
            log.warning(
                "zalo getUpdates failed", extra={"channel": CHANNEL, "error": f"{exc.status}"}
            )
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
            continue
        for update in updates:
            await channel.process(update)
