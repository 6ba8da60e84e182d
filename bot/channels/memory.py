"""What a channel remembers about a chat, inside the user's encrypted conversation state.

Platform details (long button payloads, Zalo's numbered choices, a blocked flag) live in
``state["_channel"]`` under the user's pseudonym: no raw chat id ever reaches the database,
and /xoa (which deletes the state) forgets them with everything else. Message ids for /xoa
have their own table (see bot.channels.sent_log).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.conversation import channel_memory, load_side, save_side
from bot.runtime import BotRuntime
from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work


def read(rt: BotRuntime, channel: str, user_id: str | int) -> dict[str, Any]:
    """The whole conversation state of a channel user (a copy; empty when none)."""
    key = rt.hotline.pseudonyms.key(channel, user_id)
    side = load_side(rt, key)
    if side is not None:
        return side
    with unit_of_work(rt.hotline.sessions) as session:
        return conversations.load_state(session, rt.hotline.cipher, key)


def bucket(state: dict[str, Any]) -> dict[str, Any]:
    """The channel's part of a state (read-only use)."""
    return channel_memory(state)


def update(
    rt: BotRuntime,
    channel: str,
    user_id: str | int,
    change: Callable[[dict[str, Any]], None],
    *,
    create: bool = False,
) -> None:
    """Apply ``change`` to the channel bucket in one transaction (row-locked on PostgreSQL).

    Without ``create`` nothing is written for a user with no state (e.g. right after /xoa).
    While a follow-up is open the change goes to the off-database side state instead.
    """
    key = rt.hotline.pseudonyms.key(channel, user_id)
    side = load_side(rt, key)
    if side is not None:
        change(channel_memory(side, create=True))
        save_side(rt, key, side)
        return
    with unit_of_work(rt.hotline.sessions) as session:
        state = conversations.load_state(session, rt.hotline.cipher, key)
        if not state and not create:
            return
        change(channel_memory(state, create=True))
        conversations.save_state(session, rt.hotline.cipher, key, channel, state)


def mark_update(rt: BotRuntime, channel: str, update_id: str | int) -> bool:
    """Record an update answered outside the dialogs; False when it was seen before."""
    update_key = rt.hotline.pseudonyms.derive(f"update:{channel}", str(update_id))
    with unit_of_work(rt.hotline.sessions) as session:
        return conversations.mark_processed(session, channel, update_key)
