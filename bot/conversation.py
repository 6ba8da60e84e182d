"""The boundary every channel calls: one transaction per incoming message."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.dialogs.types import Incoming, Reply, Turn
from bot.runtime import BotRuntime
from hotline import metrics
from hotline.conversations import service as conversations
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work

log = logging.getLogger(__name__)

#: The key of a channel's own memory inside the conversation state (see bot.channels.memory).
CHANNEL_BUCKET = "_channel"

#: The dialog whose turns never write the conversation row: an open follow-up ties the
#: conversation to a tip, so while it is open the state lives off the database (scratch).
SIDE_FLOW = "follow_up"
#: How long an idle side state is kept (the follow-up's own limit is the same 30 minutes).
SIDE_TTL = 30 * 60

#: How old a recorded message may be and still be deleted by /xoa (Telegram allows 48 hours;
#: an hour less covers clock skew and slow batches).
DELETE_WINDOW = timedelta(hours=47)

#: Turns the raw incoming message into the one the dialogs see, given the channel's memory
#: (e.g. a hashed Telegram button payload or a Zalo choice number back into the payload).
Prepare = Callable[[dict[str, Any], Incoming], Incoming]
#: Updates the channel's memory with the turn's replies and language before the state is saved.
Finish = Callable[[dict[str, Any], list[Reply], str], None]


@dataclass
class Outcome:
    """What the channel must do: send replies, maybe delete its earlier messages."""

    replies: list[Reply]
    delete_history: bool = False
    duplicate: bool = False
    # The conversation was erased (tip submitted, /xoa): the channel must not write it back,
    # or a fresh row stamped right after a tip's creation time could link the two.
    forgot: bool = False
    # The conversation language after the turn (strings the channel adds itself).
    lang: str = "vi"
    # The turn belonged to a follow-up (ran in it, or closed it): the channel must not record
    # message ids or anything else under the conversation's pseudonym.
    side: bool = False
    # A copy of the channel's memory as loaded before the turn.
    memory: dict[str, Any] | None = None
    # On /xoa: the recorded message ids still young enough to delete (oldest first).
    sent_ids: list[int] = field(default_factory=list)
    # The turn raised: the replies are the apology, nothing of the turn was saved.
    failed: bool = False


def lang_of(rt: BotRuntime, state: dict[str, Any], hint: str | None = None) -> str:
    """The conversation language: the stored choice, else the platform's hint, else vi."""
    lang = state.get("lang")
    if isinstance(lang, str) and lang in rt.catalog.languages:
        return lang
    if hint and hint[:2].lower() in rt.catalog.languages:
        return hint[:2].lower()
    return "vi"


def channel_memory(state: dict[str, Any], *, create: bool = False) -> dict[str, Any]:
    """The channel's part of a state: itself when present, else a fresh (or stored) dict."""
    found = state.get(CHANNEL_BUCKET)
    if isinstance(found, dict):
        return found
    return state.setdefault(CHANNEL_BUCKET, {}) if create else {}


def in_side_flow(state: dict[str, Any]) -> bool:
    """True while a follow-up is open (or asking for its code)."""
    flows = state.get("flows")
    return state.get("flow") == SIDE_FLOW or (
        isinstance(flows, dict) and bool(flows.get(SIDE_FLOW))
    )


def _side_name(rt: BotRuntime, key: str) -> str:
    """The scratch name of a conversation's side state (keyed: not the pseudonym itself)."""
    return rt.hotline.pseudonyms.derive("side-state", key)


def load_side(rt: BotRuntime, key: str) -> dict[str, Any] | None:
    """The conversation's state while a follow-up is open, else None."""
    blob = rt.hotline.scratch.get(_side_name(rt, key))
    if blob is None:
        return None
    try:
        data = json.loads(rt.hotline.cipher.decrypt(blob))
    except ValueError:  # DecryptionError included: a lost key just closes the follow-up
        return None
    return data if isinstance(data, dict) else None


def save_side(rt: BotRuntime, key: str, state: dict[str, Any]) -> None:
    """Keep the state off the database, encrypted, for SIDE_TTL seconds."""
    blob = rt.hotline.cipher.encrypt(json.dumps(state, ensure_ascii=False).encode())
    rt.hotline.scratch.put(_side_name(rt, key), blob, SIDE_TTL)


def drop_side(rt: BotRuntime, key: str) -> None:
    """Forget the side state (the follow-up ended)."""
    rt.hotline.scratch.delete(_side_name(rt, key))


def _lasting(state: dict[str, Any]) -> dict[str, Any]:
    """What of a state is worth writing back after a follow-up.

    Not the follow-up itself, the flow pointer, the channel's memory or a language guessed from
    what was typed in it: writing any of those when the follow-up ends would time-stamp it.
    """
    skip = {"flow", CHANNEL_BUCKET, "lang", "lang_chosen"}
    kept = {k: v for k, v in state.items() if k not in skip}
    flows = kept.get("flows")
    if isinstance(flows, dict):
        kept["flows"] = {k: v for k, v in flows.items() if k != SIDE_FLOW and v}
    if not kept.get("flows"):
        kept.pop("flows", None)
    return kept


def handle(
    rt: BotRuntime,
    channel: str,
    user_id: str | int,
    incoming: Incoming,
    update_id: str | int | None = None,
    *,
    prepare: Prepare | None = None,
    finish: Finish | None = None,
) -> Outcome:
    """Run one turn for a channel user; the raw user id never leaves this function.

    Deduplication, the channel's memory and the dialog state share one transaction: a
    message costs one round of database work however the channel keeps its bookkeeping.
    """
    key = rt.hotline.pseudonyms.key(channel, user_id)
    cipher = rt.hotline.cipher
    with unit_of_work(rt.hotline.sessions) as session:
        if update_id is None:
            state = conversations.load_state(session, cipher, key)
        else:
            update_key = rt.hotline.pseudonyms.derive(f"update:{channel}", str(update_id))
            found = conversations.start_turn(session, cipher, key, channel, update_key)
            if found is None:
                log.info("duplicate update ignored", extra={"channel": channel})
                return Outcome(replies=[], duplicate=True)
            state = found
        stored, side = state, load_side(rt, key)
        if side is not None:
            state = side
        before = dict(channel_memory(state))
        if prepare is not None:
            incoming = prepare(before, incoming)
        turn = Turn(
            rt=rt, session=session, key=key, channel=channel, state=state, address=str(user_id)
        )
        replies = rt.engine.respond(turn, incoming)
        lang = lang_of(rt, turn.state)
        sent_ids: list[int] = []
        if turn.delete_history:
            sent_ids = conversations.take_sent(session, key, utcnow() - DELETE_WINDOW)
        side_open = not turn.forget and in_side_flow(turn.state)
        if side is not None and not side_open:
            drop_side(rt, key)
        if turn.forget:
            conversations.delete_state(session, key)
        elif side_open:
            # No row written, no time stamp moved: the database cannot tell this turn happened.
            if finish is not None:
                finish(channel_memory(turn.state, create=True), replies, lang)
            save_side(rt, key, turn.state)
        elif side is not None and _lasting(turn.state) == _lasting(stored):
            pass  # the follow-up ended and nothing else changed: the stored row stays as it was
        else:
            # A user who writes has (again) allowed the bot to write back, on any channel.
            channel_memory(turn.state).pop("blocked", None)
            if finish is not None and not turn.delete_history:
                finish(channel_memory(turn.state, create=True), replies, lang)
            conversations.save_state(session, cipher, key, channel, turn.state)
    log.info("turn handled", extra={"channel": channel, "replies": len(replies)})
    metrics.record_messages(channel, received=1, sent=len(replies))
    return Outcome(
        replies=replies,
        delete_history=turn.delete_history,
        forgot=turn.forget,
        side=side_open or side is not None,
        lang=lang,
        memory=before,
        sent_ids=sent_ids,
    )
