"""The web chat channel: the same conversation engine behind `POST /webchat/messages`."""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, model_validator

from bot.conversation import Outcome, handle
from bot.dialogs.types import Incoming
from bot.runtime import BotRuntime

CHANNEL = "webchat"
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")


class WebchatRequest(BaseModel):
    """`{"session_id", "text"}` or `{"session_id", "payload"}` (contract §4)."""

    session_id: str = Field(min_length=8, max_length=128, pattern=SESSION_ID.pattern)
    # Generous caps: the engine trims further and tells the user; beyond this is abuse.
    text: str | None = Field(default=None, max_length=20_000)
    payload: str | None = Field(default=None, max_length=512)

    @model_validator(mode="after")
    def _one_of(self) -> WebchatRequest:
        if (self.text is None) == (self.payload is None):
            raise ValueError("exactly one of text or payload")
        return self


class WebchatButton(BaseModel):
    """A button to render."""

    title: str
    payload: str


class WebchatMessage(BaseModel):
    """A message to render."""

    text: str
    buttons: list[WebchatButton] = []


class WebchatResponse(BaseModel):
    """The bot's replies."""

    messages: list[WebchatMessage]
    # Only on /xoa (absent otherwise): the page clears its screen and starts a new session id.
    forgotten: bool | None = None


def respond(rt: BotRuntime, req: WebchatRequest) -> WebchatResponse:
    """Run one turn for a web chat session."""
    outcome: Outcome = handle(
        rt, CHANNEL, req.session_id, Incoming(text=req.text, payload=req.payload)
    )
    return WebchatResponse(
        messages=[WebchatMessage.model_validate(r.to_dict()) for r in outcome.replies],
        forgotten=True if outcome.delete_history else None,
    )
