"""The boundary every channel calls: one transaction per incoming message."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.dialogs.types import Incoming, Reply, Turn
from bot.runtime import BotRuntime
from hotline import metrics
from hotline.conversations import service as conversations
from hotline.db.session import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What the channel must do: send replies, maybe delete its earlier messages."""

    replies: list[Reply]
    delete_history: bool = False
    duplicate: bool = False
    # The conversation was erased (tip submitted, /xoa): the channel must not write it back,
    # or a fresh row stamped right after a tip's creation time could link the two.
    forgot: bool = False


def handle(
    rt: BotRuntime,
    channel: str,
    user_id: str | int,
    incoming: Incoming,
    update_id: str | int | None = None,
) -> Outcome:
    """Run one turn for a channel user; the raw user id never leaves this function."""
    key = rt.hotline.pseudonyms.key(channel, user_id)
    with unit_of_work(rt.hotline.sessions) as session:
        if update_id is not None:
            update_key = rt.hotline.pseudonyms.derive(f"update:{channel}", str(update_id))
            if not conversations.mark_processed(session, channel, update_key):
                log.info("duplicate update ignored", extra={"channel": channel})
                return Outcome(replies=[], duplicate=True)
        state = conversations.load_state(session, rt.hotline.cipher, key)
        turn = Turn(
            rt=rt, session=session, key=key, channel=channel, state=state, address=str(user_id)
        )
        replies = rt.engine.respond(turn, incoming)
        if turn.forget:
            conversations.delete_state(session, key)
        else:
            conversations.save_state(session, rt.hotline.cipher, key, channel, turn.state)
    log.info("turn handled", extra={"channel": channel, "replies": len(replies)})
    metrics.record_messages(channel, received=1, sent=len(replies))
    return Outcome(replies=replies, delete_history=turn.delete_history, forgot=turn.forget)
