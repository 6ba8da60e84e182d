"""A campaign's fields as pydantic schemas: the rules the REST API and the console both go by.

Every boundary hands raw values (JSON body, form fields, query string) to `Segment.parse` or
`CampaignDraft.parse`, which normalise them and raise `CampaignError` with the code of the first
rule broken, in the order the fields are declared (title, messages, buttons, segment, schedule).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hotline.campaigns.models import ScheduleKind
from hotline.campaigns.validation import (
    BUTTON_KINDS,
    CHANNELS,
    MAX_MESSAGE,
    MAX_PAYLOAD_BYTES,
    CampaignError,
    parse_local,
    payload_for,
)
from hotline.subscribers.service import AGE_BANDS, LANGUAGES

#: The columns of a campaign row a draft sets (`yearly` "dd/mm" is input only).
COLUMNS = frozenset(
    {"title", "messages", "buttons", "segment", "schedule", "send_at"}
    | {"yearly_day", "yearly_month", "yearly_hour"}
)
#: Segment keys whose values come from a closed list.
_ALLOWED = {"channels": CHANNELS, "languages": LANGUAGES, "age_bands": AGE_BANDS}


def _rule(code: str, **params: Any) -> PydanticCustomError:
    """A broken rule: its CampaignError code and parameters ride in the pydantic context."""
    return PydanticCustomError("campaign", code, {"code": code, "params": params})


def _first_error(exc: ValidationError) -> CampaignError:
    """The first broken rule as a CampaignError."""
    error = exc.errors()[0]
    if error["type"] == "campaign":
        ctx = error.get("ctx") or {}
        return CampaignError(str(ctx["code"]), **dict(ctx.get("params") or {}))
    # Only reachable for shapes the boundaries never send (e.g. a button that is not a mapping).
    where = ".".join(str(p) for p in error["loc"])
    return CampaignError("invalid_value", where=where)


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], raw: Any) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise _first_error(exc) from None


class Segment(BaseModel):
    """Who a campaign reaches: sorted unique values per key, closed lists checked."""

    model_config = ConfigDict(extra="ignore")

    channels: list[str] = []
    provinces: list[str] = []
    topics: list[str] = []
    languages: list[str] = []
    age_bands: list[str] = []

    @field_validator("*", mode="before")
    @classmethod
    def _values(cls, raw: Any, info: ValidationInfo) -> list[str]:
        values = sorted({str(v).strip() for v in raw or [] if str(v).strip()})
        allowed = _ALLOWED.get(str(info.field_name))
        if allowed is not None and any(v not in allowed for v in values):
            raise _rule("invalid_value", where=f"segment.{info.field_name}")
        return values

    @classmethod
    def parse(cls, raw: Any) -> Self:
        """The segment from raw values, or CampaignError."""
        return _parse(cls, raw or {})


class Button(BaseModel):
    """A button under the message: a lesson (`hoc`) or a quiz topic, titled at least in vi."""

    kind: str
    target: str
    title: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _check(cls, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise _rule("invalid_button")
        kind, target = str(raw.get("kind", "")), str(raw.get("target", "")).strip()
        titles = {str(k): str(v).strip() for k, v in (raw.get("title") or {}).items() if v}
        if kind not in BUTTON_KINDS or not target or " " in target or not titles.get("vi"):
            raise _rule("invalid_button")
        # The payload carries the campaign id: room for a ten-digit one.
        if len(payload_for({"kind": kind, "target": target}, 10**9).encode()) > MAX_PAYLOAD_BYTES:
            raise _rule("target_too_long")
        return {"kind": kind, "target": target, "title": titles}


class CampaignDraft(BaseModel):
    """A campaign's editable fields, checked and normalised (local times read as UTC)."""

    # Defaults are checked too: a draft without a Vietnamese message is refused like an empty one.
    model_config = ConfigDict(extra="ignore", validate_default=True)

    title: str = ""
    messages: dict[str, str] = {}
    buttons: list[Button] = []
    segment: Segment = Segment()
    schedule: str = ScheduleKind.now
    send_at: Any = None
    yearly: Any = None
    yearly_day: Any = None
    yearly_month: Any = None
    yearly_hour: Any = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, raw: Any) -> str:
        title = str(raw or "").strip()
        if not title or len(title) > 200:
            raise _rule("title_required")
        return title

    @field_validator("messages", mode="before")
    @classmethod
    def _messages(cls, raw: Any) -> dict[str, str]:
        messages = {str(k): str(v).strip() for k, v in (raw or {}).items() if v and str(v).strip()}
        if not messages.get("vi"):
            raise _rule("message_vi_required")
        for lang, text in messages.items():
            if lang not in LANGUAGES:
                raise _rule("unsupported_language", lang=lang)
            if len(text) > MAX_MESSAGE:
                raise _rule("message_too_long", max=MAX_MESSAGE)
        return messages

    @field_validator("buttons", mode="before")
    @classmethod
    def _buttons(cls, raw: Any) -> list[Any]:
        return list(raw or [])

    @field_validator("buttons", mode="after")
    @classmethod
    def _at_most_three(cls, buttons: list[Button]) -> list[Button]:
        if len(buttons) > 3:
            raise _rule("too_many_buttons")
        return buttons

    @field_validator("segment", mode="before")
    @classmethod
    def _segment(cls, raw: Any) -> Any:
        return raw or {}

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule(cls, raw: Any) -> str:
        kind = str(raw or ScheduleKind.now)
        if kind not in ScheduleKind.__members__:
            raise _rule("invalid_schedule")
        return kind

    @model_validator(mode="after")
    def _when(self) -> Self:
        # After the fields: a schedule's dates are checked once everything else holds.
        raw_at, day, month, hour = (
            self.send_at,
            self.yearly_day,
            self.yearly_month,
            self.yearly_hour,
        )
        self.send_at = self.yearly_day = self.yearly_month = self.yearly_hour = None
        if self.schedule == ScheduleKind.at:
            self.send_at = _local(raw_at)
        elif self.schedule == ScheduleKind.yearly:
            if isinstance(self.yearly, str):  # "30/7"
                try:
                    d, m = self.yearly.split("/")
                    day, month = int(d), int(m)
                except ValueError as exc:
                    raise _rule("yearly_format") from exc
            try:
                day, month = int(str(day)), int(str(month))
                hour = int(str(8 if hour is None else hour))
                date(2024, month, day)  # a leap year accepts 29/2
            except (TypeError, ValueError) as exc:
                raise _rule("invalid_yearly") from exc
            if not 0 <= hour <= 23:
                raise _rule("invalid_hour")
            self.yearly_day, self.yearly_month, self.yearly_hour = day, month, hour
        return self

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> Self:
        """The draft from raw values, or CampaignError."""
        return _parse(cls, raw)

    def columns(self) -> dict[str, Any]:
        """The values of the campaign row (segment and buttons as plain JSON)."""
        return self.model_dump(include=set(COLUMNS))


def _local(value: Any) -> datetime:
    """parse_local with its error as a broken rule."""
    try:
        return parse_local(value)
    except CampaignError as exc:
        raise _rule(exc.code, **exc.params) from exc
