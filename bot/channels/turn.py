"""One chat turn for every messenger channel: the dialogs off the event loop, replies in order.

Each channel parses its platform's update into an ``Incoming`` and renders replies its own
way (keyboards, numbered choices, OA buttons); between the two, a turn is the same
everywhere::

    Incoming -> run (thread: conversation.handle, one transaction) -> Outcome
             -> failed?   the apology in the stored language (never an exception)
             -> duplicate? None: the platform redelivered, nothing is sent again
    replies  -> send_in_order -> 403: the user is marked blocked, nothing more is sent
                              -> other send error: logged, nothing more is sent

Messages the dialogs never see (a sticker, a photo too large) get a ``notice``: a fixed text
with the menu, once per platform update.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from bot import conversation
from bot.channels import base, memory
from bot.channels.outbound import OutboundError, RecipientBlocked
from bot.dialogs.types import Incoming, Reply
from bot.runtime import BotRuntime

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


async def run(
    rt: BotRuntime,
    channel: str,
    user_id: str | int,
    incoming: Incoming,
    update_id: str | int | None,
    *,
    prepare: conversation.Prepare | None = None,
    finish: conversation.Finish | None = None,
) -> conversation.Outcome | None:
    """The turn's outcome (the apology when it failed), or None for a redelivered update."""
    try:
        outcome = await asyncio.to_thread(
            conversation.handle,
            rt,
            channel,
            user_id,
            incoming,
            update_id=update_id,
            prepare=prepare,
            finish=finish,
        )
    except Exception as exc:
        log.error("turn failed", extra={"channel": channel, "error": type(exc).__name__})
        lang = await base.stored_lang(rt, channel, user_id)
        return conversation.Outcome(replies=[Reply(rt.catalog.t(lang, "core.error"))], failed=True)
    return None if outcome.duplicate else outcome


async def notice(
    rt: BotRuntime, channel: str, user_id: str | int, update_id: str | int | None, key: str
) -> tuple[Reply, str] | None:
    """A fixed message with the menu and its language, or None for an update already answered."""
    if update_id is not None and not await asyncio.to_thread(
        memory.mark_update, rt, channel, update_id
    ):
        return None
    lang = await base.stored_lang(rt, channel, user_id)
    return Reply(rt.catalog.t(lang, key), base.menu_buttons(rt, lang, channel)), lang


async def send_in_order(
    rt: BotRuntime,
    channel: str,
    user_id: str | int,
    items: Iterable[T],
    send: Callable[[T], Awaitable[R]],
) -> list[R]:
    """Send each item in order and return what each send returned, up to the first failure.

    A user who blocked the bot is marked (the blocked hooks unsubscribe them); any other
    failure is logged by its reason only. Either way nothing more is sent: a later reply
    would make no sense without the one before it.
    """
    results: list[R] = []
    for item in items:
        try:
            results.append(await send(item))
        except RecipientBlocked:
            await asyncio.to_thread(base.mark_blocked, rt, channel, user_id)
            break
        except OutboundError as exc:
            log.warning("reply not delivered", extra={"channel": channel, "error": str(exc)})
            break
    return results
