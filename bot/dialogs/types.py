"""What flows in and out of the channel-agnostic conversation engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import BotRuntime

#: How sure the NLU must be before a dialog acts on its intent; below it the engine asks
#: "did you mean" and a dialog in progress keeps the message as its own answer.
CONFIDENCE_THRESHOLD = 0.55


@dataclass(frozen=True)
class Button:
    """A choice the user can tap; `payload` is a command or a dialog-internal token."""

    title: str
    payload: str


@dataclass
class Reply:
    """One message to send: text plus optional buttons."""

    text: str
    buttons: list[Button] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The web chat JSON shape (contract §4)."""
        return {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
        }


@dataclass(frozen=True)
class Incoming:
    """A user's message or button press, already stripped of platform details."""

    text: str | None = None
    payload: str | None = None
    photos: tuple[bytes, ...] = ()


@dataclass
class Turn:
    """One exchange: the runtime, the open transaction, the user's pseudonym and state."""

    rt: BotRuntime
    session: Session
    key: str
    channel: str
    state: dict[str, Any]
    nlu: dict[str, Any] | None = None
    # The crisis the safety net found in this message (nlu.crisis.Crisis), if any.
    crisis: Any = None
    # Set by a dialog to forget the whole conversation once the turn is done (/xoa, submit).
    forget: bool = False
    # Set by /xoa so a channel can also delete the bot's earlier messages where it can.
    delete_history: bool = False
    # The private chat's address (Telegram/Zalo chat id == user id there): only /dangky reads
    # it, to store it encrypted for campaign delivery. Never logged or stored in plaintext.
    address: str | None = None

    @property
    def lang(self) -> str:
        """The user's language (vi unless they chose otherwise)."""
        lang = self.state.get("lang")
        return lang if isinstance(lang, str) and lang in self.rt.catalog.languages else "vi"

    def t(self, key: str, **params: Any) -> str:
        """A catalogue string in the user's language."""
        return self.rt.catalog.t(self.lang, key, **params)

    def flow_state(self, name: str) -> dict[str, Any]:
        """The mutable state bucket of one dialog (kept across restarts)."""
        flows = self.state.setdefault("flows", {})
        bucket = flows.setdefault(name, {})
        assert isinstance(bucket, dict)
        return bucket

    def clear_flow(self, name: str) -> None:
        """Drop a dialog's bucket and leave it if it was active."""
        self.state.get("flows", {}).pop(name, None)
        if self.state.get("flow") == name:
            self.state.pop("flow", None)


class Dialog(Protocol):
    """A conversation capability (menu item)."""

    @property
    def name(self) -> str:
        """Unique dialog name (also the key of its strings and state)."""
        ...

    @property
    def commands(self) -> Sequence[str]:
        """Chat commands that start it; the first is its canonical payload."""
        ...

    @property
    def intents(self) -> Sequence[str]:
        """NLU intents that start it."""
        ...

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Begin (or resume) the dialog from a command, button or recognised intent."""
        ...

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Continue with the user's input; None hands it back to global routing."""
        ...
