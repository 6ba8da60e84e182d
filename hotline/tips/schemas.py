"""The shapes a tip passes through: the draft being filled in, and the decrypted content."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# Per free-text field; the chat engine already trims to 4000 characters per message.
MAX_FIELD = 4000
ChildAnswer = Literal["yes", "no", "unsure"]


class TipDraft(BaseModel):
    """Everything the intake dialog collects (kept encrypted in the conversation state)."""

    submission_token: str = Field(min_length=16, max_length=64)
    draft_ref: str = Field(min_length=16, max_length=64)
    channel: str = Field(max_length=16)
    what: str | None = Field(None, max_length=MAX_FIELD)
    province: str | None = Field(None, max_length=64)
    province_text: str | None = Field(None, max_length=MAX_FIELD)
    place: str | None = Field(None, max_length=MAX_FIELD)
    when: str | None = Field(None, max_length=MAX_FIELD)
    people_at_risk: int | None = Field(None, ge=0, le=100_000)
    people_text: str | None = Field(None, max_length=MAX_FIELD)
    child: ChildAnswer | None = None
    destination_country: str | None = Field(None, max_length=64)
    country_text: str | None = Field(None, max_length=MAX_FIELD)
    tactic: str | None = Field(None, max_length=32)
    platform: str | None = Field(None, max_length=200)
    recruiter: str | None = Field(None, max_length=MAX_FIELD)
    reporter_is_victim: bool | None = None
    # Set when the report was started from the emergency dialog or a rescue message.
    urgent: bool = False

    @property
    def child_involved(self) -> bool | None:
        """Not sure counts as a child (Lạng Sơn plan II.2: uncertain age, treat as a child)."""
        if self.child is None:
            return None
        return self.child in ("yes", "unsure")


class TipContent(BaseModel):
    """The encrypted part of a tip, as operators read it."""

    what: str | None = None
    province_text: str | None = None
    place: str | None = None
    when: str | None = None
    people_text: str | None = None
    child: ChildAnswer | None = None
    country_text: str | None = None
    platform: str | None = None
    recruiter: str | None = None
    urgent: bool = False
