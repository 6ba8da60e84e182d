"""A tiny web chat driver for dialog tests (POST /webchat/messages, contract §4)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from hotline.content.loader import load_files
from hotline.content.service import import_library
from hotline.db.session import unit_of_work

ROOT = Path(__file__).resolve().parents[2]


def import_content(bot_rt: Any) -> None:
    """Load the real library into the test database (what `canhgiac content import` does)."""
    with unit_of_work(bot_rt.hotline.sessions) as s:
        import_library(s, load_files(ROOT / "content"))


class Chat:
    """One web chat session."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.session_id = "test-" + secrets.token_hex(8)
        self.messages: list[dict[str, Any]] = []

    def send(self, text: str | None = None, payload: str | None = None) -> list[dict[str, Any]]:
        """Send a text or a button payload; return the bot's messages."""
        body: dict[str, Any] = {"session_id": self.session_id}
        body["text" if text is not None else "payload"] = text if text is not None else payload
        r = self.client.post("/webchat/messages", json=body)
        assert r.status_code == 200, r.text
        self.messages = r.json()["messages"]
        return self.messages

    def text(self) -> str:
        """All texts of the last answer."""
        return "\n".join(m["text"] for m in self.messages)

    def buttons(self) -> list[dict[str, str]]:
        """All buttons of the last answer."""
        return [b for m in self.messages for b in m["buttons"]]

    def payloads(self) -> list[str]:
        """Payloads of the last answer's buttons."""
        return [b["payload"] for b in self.buttons()]

    def press(self, prefix: str) -> list[dict[str, Any]]:
        """Press the first button whose payload starts with `prefix`."""
        payload = next((p for p in self.payloads() if p.startswith(prefix)), None)
        assert payload is not None, (prefix, self.payloads())
        return self.send(payload=payload)
