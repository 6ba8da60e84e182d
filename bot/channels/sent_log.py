"""Message ids in a user's chat, recorded after sending without holding up the reply.

/xoa deletes the bot's messages, so their ids must be kept, and they exist only once sent,
after the turn's transaction. Writing them per message was a second transaction per turn
(a fifth of the webhook's CPU in bench/platform_bench.py); here they are batched per process
and written a few milliseconds later in one insert. What a crash in that window loses is a
few ids: those messages then stay in the chat after /xoa.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime

from bot.conversation import DELETE_WINDOW
from bot.runtime import BotRuntime
from hotline.conversations import service as conversations
from hotline.db.base import utcnow
from hotline.db.session import unit_of_work

log = logging.getLogger(__name__)

#: How long ids wait to share a write with others (no reply waits for it).
DELAY_SECONDS = 0.02

Row = tuple[str, int, datetime]


class SentLog:
    """Write-behind (pseudonym, message id, time) rows for one process."""

    def __init__(self, rt: BotRuntime, delay: float = DELAY_SECONDS) -> None:
        self.rt = rt
        self.delay = delay
        self._pending: list[Row] = []
        self._writing: list[Row] = []
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None

    def add(self, key: str, message_ids: Sequence[int]) -> None:
        """Queue ids sent to (or received from) the pseudonym ``key``."""
        if not message_ids:
            return
        now = utcnow()
        self._pending += [(key, int(i), now) for i in message_ids]
        if self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later())

    async def forget(self, key: str) -> list[int]:
        """Ids of ``key`` the turn could not see; after this none of them is stored.

        For /xoa and for a conversation erased after a tip: queued ids are dropped, and ids
        that a batch wrote while the turn ran (its own ``take_sent`` missed them) are taken
        from the database once that batch committed: young ones come back for deletion.
        """
        mine = [r[1] for r in self._pending + self._writing if r[0] == key]
        self._pending = [r for r in self._pending if r[0] != key]
        async with self._lock:  # a batch in flight has finished
            pass
        mine += await asyncio.to_thread(self._take, key)
        return sorted(set(mine))

    async def _flush_later(self) -> None:
        # Ids queued while a batch is being written go in the next one.
        while True:
            await asyncio.sleep(self.delay)
            await self.flush()
            if not self._pending:
                return

    async def flush(self) -> None:
        """Write everything queued (also what an earlier flush is still writing)."""
        async with self._lock:
            rows, self._pending = self._pending, []
            if not rows:
                return
            self._writing = rows
            try:
                await asyncio.to_thread(self._write, rows)
            except Exception as exc:
                # Only /xoa needs these ids; a lost batch must not break the replies.
                log.warning("sent ids not recorded", extra={"error": type(exc).__name__})
            finally:
                self._writing = []

    def _write(self, rows: list[Row]) -> None:
        with unit_of_work(self.rt.hotline.sessions) as session:
            conversations.record_sent(session, rows)

    def _take(self, key: str) -> list[int]:
        since = utcnow() - DELETE_WINDOW
        with unit_of_work(self.rt.hotline.sessions) as session:
            return conversations.take_sent(session, key, since)

    async def close(self) -> None:
        """Write what is queued (at shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self.flush()
