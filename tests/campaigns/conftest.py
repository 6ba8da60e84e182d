"""Campaign test helpers: subscribers, approved campaigns."""

from __future__ import annotations

from typing import Any

from hotline.campaigns import workflow
from hotline.campaigns.models import Campaign
from hotline.db.session import unit_of_work
from hotline.runtime import HotlineRuntime
from hotline.subscribers import service as subscribers


def add_subscribers(rt: HotlineRuntime, n: int, start: int = 1, **fields: Any) -> list[int]:
    """n Telegram subscribers with chat ids start..start+n-1 (returns the chat ids)."""
    chats = list(range(start, start + n))
    with unit_of_work(rt.sessions) as session:
        for chat in chats:
            subscribers.subscribe(
                session,
                rt.cipher,
                key=rt.pseudonyms.key(fields.get("channel", "telegram"), chat),
                channel=fields.get("channel", "telegram"),
                address=str(chat),
                topics=fields.get("topics", ["tactics"]),
                province=fields.get("province"),
                age_band=fields.get("age_band"),
                lang=fields.get("lang", "vi"),
            )
    return chats


def approved_campaign(rt: HotlineRuntime, **data: Any) -> int:
    """A campaign written by "alice" and approved by "bob" (due now unless scheduled)."""
    body = {"title": "30/7", "messages": {"vi": "Xin chào", "en": "Hello"}, **data}
    with unit_of_work(rt.sessions) as session:
        c: Campaign = workflow.create(session, body, "alice")
        workflow.submit(session, c)
        workflow.approve(session, c, "bob")
        return c.id
