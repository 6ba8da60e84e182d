"""Telegram: python-telegram-bot 22 in front of the shared dialogs (webhook or long polling).

Flow of one update (diagram)::

    Update --(private chat?)--no--> command? -> "private chats only" once; else silent
       |yes
       +-- text / button / photo --> conversation.handle (thread, one transaction: dedup,
       |                              long payloads in/out, dialog state)
       |                              -> send replies (paced) -> sent ids queued (SentLog)
       +-- sticker, voice, ...   --> "text and photos only" (once per update id)
       +-- edited, unknown, ...  --> ignored

Replies are sent as plain text (no parse_mode): they may quote hostile user text, and plain
text needs no escaping at all.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dtm
import functools
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import Bot as TgBot
from telegram import (
    BotCommand,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import conversation
from bot.channels import base, memory, turn
from bot.channels.outbound import (
    Outbound,
    OutboundError,
    Priority,
    RecipientBlocked,
    RetryLater,
    pacer,
)
from bot.channels.sent_log import SentLog
from bot.channels.text import split_text
from bot.channels.tg_request import AiohttpRequest
from bot.dialogs.registry import offered_commands
from bot.dialogs.types import Button, Incoming, Reply
from bot.runtime import BotRuntime

log = logging.getLogger(__name__)

CHANNEL = "telegram"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
HASHED_PREFIX = "h:"
DELETE_WINDOW_SECONDS = conversation.DELETE_WINDOW.total_seconds()
DELETE_BATCH = 100
REMEMBERED_PAYLOADS = 64
# Most turns answer in milliseconds: a chat action then costs an API call and shows nothing.
TYPING_AFTER = 0.5
#: The commands shown in Telegram's menu (contract §5), in the order of the chat's main menu
#: (bot/dialogs/registry.py); descriptions in channels.yml.
COMMANDS = tuple(offered_commands())

T = TypeVar("T")


def callback_data(payload: str) -> str:
    """The callback_data for a payload: itself when it fits 64 bytes, else a short hash."""
    if len(payload.encode()) <= CALLBACK_DATA_LIMIT and not payload.startswith(HASHED_PREFIX):
        return payload
    digest = hashlib.sha256(payload.encode()).digest()[:12]
    return HASHED_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def split_for_telegram(text: str) -> list[str]:
    """Parts of at most 4096 UTF-16 code units (how Telegram counts), cut at nice boundaries."""
    parts: list[str] = []
    for part in split_text(text, TEXT_LIMIT):
        if len(part.encode("utf-16-le")) // 2 <= TEXT_LIMIT:
            parts.append(part)
        else:  # astral characters (emoji) count twice: half the limit always fits
            parts.extend(split_text(part, TEXT_LIMIT // 2))
    return parts


def keyboard(buttons: Sequence[Button]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: two short buttons a row, long titles one a row."""
    if not buttons:
        return None
    keys = [
        InlineKeyboardButton(b.title[:64], callback_data=callback_data(b.payload)) for b in buttons
    ]
    per_row = 2 if len(keys) > 3 and all(len(b.title) <= 20 for b in buttons) else 1
    return InlineKeyboardMarkup([keys[i : i + per_row] for i in range(0, len(keys), per_row)])


@functools.lru_cache(maxsize=1024)
def keyboard_json(buttons: tuple[Button, ...]) -> str | None:
    """``keyboard`` serialised as the Bot API's ``reply_markup`` JSON, memoised.

    The same few menus go out with most replies; building PTB's button objects and
    serialising them again for every message was a twentieth of a message's CPU. Buttons
    carry catalogue and content strings only, never a user's words or receipt code, so the
    cache holds nothing about anyone.
    """
    markup = keyboard(buttons)
    return None if markup is None else json.dumps(markup.to_dict(), ensure_ascii=False)


async def send_message_id(
    bot: TgBot, chat_id: str | int, text: str, markup: str | InlineKeyboardMarkup | None = None
) -> int:
    """sendMessage (plain text), returning only the new message's id.

    ``Bot.send_message`` turns Telegram's answer into a whole ``Message`` (chat, sender,
    markup...), which cost half as much CPU as the rest of the send (bench/platform_bench.py
    profile) for the one number kept here. ``_post`` is the funnel every PTB method goes
    through (defaults, request, error mapping), so nothing else changes. No arbitrary
    callback data is configured (``ExtBot`` would rewrite the keyboard otherwise). A markup
    given as a string is sent as it is: JSON, like every object parameter of the Bot API.
    """
    data = {"chat_id": chat_id, "text": text, "reply_markup": markup}
    result = await bot._post("sendMessage", data)
    return int(result["message_id"])


def _seconds(exc: RetryAfter) -> float:
    raw = getattr(exc, "_retry_after", None)  # a timedelta in PTB 22, whatever PTB_TIMEDELTA says
    if isinstance(raw, dtm.timedelta):
        return raw.total_seconds()
    value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class TelegramSender:
    """Paced sending through one PTB Bot (replies and broadcasts share the channel's Outbound)."""

    channel = CHANNEL

    def __init__(self, bot: TgBot, outbound: Outbound) -> None:
        self.bot = bot
        self.outbound = outbound

    async def call(
        self,
        chat_id: str | int,
        fn: Callable[[], Awaitable[T]],
        priority: Priority = "reply",
        *,
        counted: bool = True,
    ) -> T:
        """One Bot API call: paced, 429 retried, 403 -> RecipientBlocked."""

        async def attempt() -> T:
            try:
                return await fn()
            except RetryAfter as exc:
                raise RetryLater(_seconds(exc)) from None

        try:
            return await self.outbound.call(chat_id, attempt, priority, counted=counted)
        except Forbidden:
            raise RecipientBlocked("forbidden") from None
        except TelegramError as exc:
            raise OutboundError(type(exc).__name__) from None

    async def send_text(
        self,
        chat_id: str | int,
        text: str,
        buttons: Sequence[Button] = (),
        priority: Priority = "reply",
    ) -> list[int]:
        """Send plain text split at 4096 with the buttons under the last part; returns ids."""
        parts = split_for_telegram(text) or (["⬇️"] if buttons else [])
        markup = keyboard_json(tuple(buttons))
        ids: list[int] = []
        for i, part in enumerate(parts):
            extra = markup if i == len(parts) - 1 else None

            async def send(part: str = part, extra: str | None = extra) -> int:
                return await send_message_id(self.bot, chat_id, part, extra)

            ids.append(await self.call(chat_id, send, priority))
        return ids

    async def typing(self, chat_id: int) -> None:
        """Show "typing…" (best effort, not counted as a message)."""
        with contextlib.suppress(OutboundError):
            await self.call(
                chat_id,
                lambda: self.bot.send_chat_action(chat_id, ChatAction.TYPING),
                counted=False,
            )

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> int:
        """Delete messages in batches of 100 (best effort); returns how many were asked."""
        asked = 0
        for start in range(0, len(message_ids), DELETE_BATCH):
            batch = list(message_ids[start : start + DELETE_BATCH])

            async def remove(batch: list[int] = batch) -> bool:
                return await self.bot.delete_messages(chat_id, batch)

            try:
                await self.call(chat_id, remove, counted=False)
                asked += len(batch)
            except OutboundError as exc:
                log.warning("delete failed", extra={"channel": CHANNEL, "error": str(exc)})
        return asked


def _deletable(bucket: dict[str, Any], now: float) -> list[int]:
    """Ids kept inside the state before migration 0008 (now in sent_messages)."""
    return [
        int(entry[0])
        for entry in bucket.get("sent", [])
        if isinstance(entry, list) and len(entry) == 2 and now - entry[1] < DELETE_WINDOW_SECONDS
    ]


def _resolve_payload(bucket: dict[str, Any], incoming: Incoming) -> Incoming:
    """A hashed button payload back to the payload it stands for."""
    if not (incoming.payload and incoming.payload.startswith(HASHED_PREFIX)):
        return incoming
    payloads = bucket.get("payloads")
    found = payloads.get(incoming.payload) if isinstance(payloads, dict) else None
    # An unknown hash (an old message, a forged press) just shows the menu.
    return Incoming(payload=str(found or "/menu"))


def _keep_long_payloads(bucket: dict[str, Any], replies: list[Reply], lang: str) -> None:
    """Remember payloads too long for callback_data, in the turn's own transaction.

    They are stored before the message is sent, so a quick press always finds its payload.
    """
    long_payloads = {
        callback_data(b.payload): b.payload
        for r in replies
        for b in r.buttons
        if callback_data(b.payload) != b.payload
    }
    if long_payloads:
        old = bucket.get("payloads")
        merged = {**(old if isinstance(old, dict) else {}), **long_payloads}
        bucket["payloads"] = dict(list(merged.items())[-REMEMBERED_PAYLOADS:])


class TelegramChannel:
    """Turns Telegram updates into dialog turns and the replies back into messages."""

    def __init__(self, rt: BotRuntime, sender: TelegramSender) -> None:
        self.rt = rt
        self.sender = sender
        self.sent_log = SentLog(rt)
        self._background: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------ PTB callbacks

    async def on_update(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """The only PTB handler: every update type lands here."""
        if isinstance(update, Update):
            await self.process(update)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the error type only (messages may quote user text); the loop goes on."""
        err = context.error
        log.error(
            "telegram handler failed",
            extra={"channel": CHANNEL, "error": type(err).__name__ if err else "?"},
        )

    # ------------------------------------------------------------------ routing

    async def process(self, update: Update) -> None:
        """Handle one update; never raises."""
        try:
            await self._route(update)
        except Exception as exc:
            log.error(
                "telegram update failed", extra={"channel": CHANNEL, "error": type(exc).__name__}
            )

    async def _route(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._callback(update, update.callback_query)
            return
        if update.my_chat_member is not None:
            member = update.my_chat_member
            if (
                member.chat.type == ChatType.PRIVATE
                and member.new_chat_member.status == ChatMemberStatus.BANNED
            ):
                await asyncio.to_thread(base.mark_blocked, self.rt, CHANNEL, member.from_user.id)
            return
        msg = update.message
        if msg is None or msg.from_user is None:
            return  # edited messages, channel posts, polls, unknown types: nothing to answer
        if msg.chat.type != ChatType.PRIVATE:
            await self._group(update, msg)
            return
        user_id = msg.from_user.id
        if msg.text is not None:
            incoming = Incoming(text=msg.text[: base.MAX_INCOMING_TEXT])
        elif msg.photo:
            photo = await self._photo(update, msg)
            if photo is None:
                return
            incoming = Incoming(
                text=(msg.caption or "")[: base.MAX_INCOMING_TEXT] or None, photos=(photo,)
            )
        else:
            await self._simple(update, msg.chat.id, user_id, "core.unsupported_message")
            return
        await self.converse(msg.chat.id, user_id, incoming, update.update_id, msg.message_id)

    async def _callback(self, update: Update, query: CallbackQuery) -> None:
        # Answered at once, while the turn runs: the user's client shows a spinner until the
        # query is answered, and the turn need not wait a round trip for it.
        answer = asyncio.ensure_future(self._answer(query))
        try:
            msg = query.message
            if msg is None or msg.chat.type != ChatType.PRIVATE or not query.data:
                return
            await self.converse(
                msg.chat.id,
                query.from_user.id,
                Incoming(payload=query.data),
                update.update_id,
                None,
            )
        finally:
            await answer

    async def _answer(self, query: CallbackQuery) -> None:
        """answerCallbackQuery (best effort, not counted as a message)."""
        with contextlib.suppress(OutboundError):
            await self.sender.call(query.from_user.id, query.answer, counted=False)

    async def _group(self, update: Update, msg: Message) -> None:
        """Groups get one pointer to the private chat per command, and silence otherwise."""
        if not (msg.text or "").startswith("/"):
            return
        if not await asyncio.to_thread(memory.mark_update, self.rt, CHANNEL, update.update_id):
            return
        lang = base.lang_of(self.rt, {}, msg.from_user.language_code if msg.from_user else None)
        with contextlib.suppress(OutboundError):
            await self.sender.send_text(msg.chat.id, self.rt.catalog.t(lang, "core.group_chat"))

    async def _simple(self, update: Update, chat_id: int, user_id: int, key: str) -> None:
        """A fixed message outside the dialogs (unsupported content, photo too large)."""
        found = await turn.notice(self.rt, CHANNEL, user_id, update.update_id, key)
        if found is not None:
            await self._send(chat_id, user_id, [found[0]])

    async def _photo(self, update: Update, msg: Message) -> bytes | None:
        """The largest size of a photo, downloaded through getFile (None after telling the user)."""
        assert msg.from_user is not None
        largest = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        try:
            if (largest.file_size or 0) > base.MAX_PHOTO_BYTES:
                raise base.PhotoTooLarge
            file = await largest.get_file()
            if (file.file_size or 0) > base.MAX_PHOTO_BYTES:
                raise base.PhotoTooLarge
            data = bytes(await file.download_as_bytearray())
            if len(data) > base.MAX_PHOTO_BYTES:
                raise base.PhotoTooLarge
            return data
        except base.PhotoTooLarge:
            key = "channels.photo_too_large"
        except TelegramError as exc:
            log.warning(
                "photo download failed", extra={"channel": CHANNEL, "error": type(exc).__name__}
            )
            key = "channels.photo_failed"
        await self._simple(update, msg.chat.id, msg.from_user.id, key)
        return None

    # ------------------------------------------------------------------ one turn

    async def converse(
        self,
        chat_id: int,
        user_id: int,
        incoming: Incoming,
        update_id: int,
        incoming_message_id: int | None,
    ) -> None:
        """Run the dialogs for one message and deliver the outcome."""
        # A timer, not a task per message: most turns end long before it fires.
        typing = asyncio.get_running_loop().call_later(TYPING_AFTER, self._start_typing, chat_id)
        try:
            outcome = await turn.run(
                self.rt,
                CHANNEL,
                user_id,
                incoming,
                update_id,
                prepare=_resolve_payload,
                finish=_keep_long_payloads,
            )
        finally:
            typing.cancel()  # a started "typing…" finishes in the background
        if outcome is None:
            return
        key = self.rt.hotline.pseudonyms.key(CHANNEL, user_id)
        mine = [incoming_message_id] if incoming_message_id is not None else []
        if outcome.delete_history:
            legacy = _deletable(outcome.memory or {}, time.time())
            ids = sorted({*legacy, *outcome.sent_ids, *await self.sent_log.forget(key), *mine})
            await self.sender.delete(chat_id, ids)
            await self._send(chat_id, user_id, outcome.replies)
            return
        if outcome.forgot:
            # Erased (a tip was sent): nothing of this chat is written after that, not even
            # the ids still queued (see Outcome.forgot).
            await self.sent_log.forget(key)
            await self._send(chat_id, user_id, outcome.replies)
            return
        sent = await self._send(chat_id, user_id, outcome.replies)
        if outcome.side:
            return  # an open follow-up leaves no row under the pseudonym, not even message ids
        # Message ids exist only once sent: recorded after the turn, batched (see SentLog).
        self.sent_log.add(key, mine + sent)

    def _start_typing(self, chat_id: int) -> None:
        """Show "typing…" (the turn is still running after TYPING_AFTER seconds)."""
        task = asyncio.ensure_future(self.sender.typing(chat_id))
        self._background.add(task)  # a task nobody references may be collected mid-way
        task.add_done_callback(self._background.discard)

    async def _send(self, chat_id: int, user_id: int, replies: Sequence[Reply]) -> list[int]:
        """Send replies in order (see turn.send_in_order); the ids of the messages sent."""

        async def send(reply: Reply) -> list[int]:
            return await self.sender.send_text(chat_id, reply.text, reply.buttons)

        sent = await turn.send_in_order(self.rt, CHANNEL, user_id, replies, send)
        return [message_id for ids in sent for message_id in ids]


# ---------------------------------------------------------------------- wiring


def api_root(rt: BotRuntime) -> str:
    """TELEGRAM_API_BASE_URL without a trailing slash."""
    return rt.settings.telegram_api_base_url.rstrip("/")


def token_of(rt: BotRuntime) -> str | None:
    """The bot token, or None when the channel is off."""
    secret = rt.settings.telegram_bot_token
    token = secret.get_secret_value().strip() if secret is not None else ""
    return token or None


def make_bot(token: str, root: str) -> TgBot:
    """A Bot for sending outside the Application (broadcast worker, CLI), pooled for bursts."""
    # PTB's Bot defaults to one pooled connection: concurrent paced sends would time out.
    request = AiohttpRequest(connection_pool_size=16, pool_timeout=30)
    return TgBot(
        token,
        base_url=f"{root.rstrip('/')}/bot",
        base_file_url=f"{root.rstrip('/')}/file/bot",
        request=request,
    )


def sender_for(rt: BotRuntime) -> TelegramSender:
    """A TelegramSender on the channel's shared pacing (raises when the token is unset)."""
    token = token_of(rt)
    if token is None:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    return TelegramSender(make_bot(token, api_root(rt)), pacer(rt.hotline, CHANNEL))


def build_application(
    rt: BotRuntime, *, polling: bool = False
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB Application wired to the dialogs (an Updater only for long polling)."""
    token = token_of(rt)
    if token is None:
        raise RuntimeError("TELEGRAM_BOT_TOKEN is not set")
    root = api_root(rt)
    builder = (
        Application.builder()
        .token(token)
        .base_url(f"{root}/bot")
        .base_file_url(f"{root}/file/bot")
        # Replies to many chats at once: as many connections as PTB's own default (256).
        .request(AiohttpRequest(connection_pool_size=256, pool_timeout=30))
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    sender = TelegramSender(application.bot, pacer(rt.hotline, CHANNEL))
    channel = TelegramChannel(rt, sender)
    application.add_handler(TypeHandler(Update, channel.on_update))
    application.add_error_handler(channel.on_error)
    application.bot_data["channel"] = channel

    async def flush_sent_ids(_: Any) -> None:
        await channel.sent_log.close()

    # Long polling stops through run_polling, which calls this; the webhook closes it itself.
    application.post_shutdown = flush_sent_ids
    return application


async def set_commands(bot: TgBot, rt: BotRuntime) -> None:
    """setMyCommands: Vietnamese by default, English for users whose Telegram is in English."""
    for lang, code in (("vi", None), ("en", "en")):
        commands = [BotCommand(c, rt.catalog.t(lang, f"channels.commands.{c}")) for c in COMMANDS]
        await bot.set_my_commands(commands, language_code=code)
