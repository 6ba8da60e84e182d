"""The bot's long-lived objects: back-office runtime, NLU, strings and the dialog engine."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import Catalog
from hotline.config import Settings
from hotline.runtime import HotlineRuntime

if TYPE_CHECKING:
    from bot.dialogs.engine import DialogEngine
    from bot.dialogs.types import Turn


class Parser(Protocol):
    """Anything that parses text into Rasa's /model/parse shape."""

    def parse(self, text: str) -> dict[str, Any]:
        """Intent, ranking and entities for one text."""
        ...


@dataclass
class BotRuntime:
    """Everything a dialog may need, built once per process."""

    hotline: HotlineRuntime
    nlu: Parser
    catalog: Catalog
    engine: DialogEngine
    # Run by /xoa inside its turn (e.g. the campaign subscription goes too).
    forget_hooks: list[Callable[[Turn], None]] = field(default_factory=list)
    # Run as hook(rt, channel, pseudonym) when a user blocked the bot, e.g. to unsubscribe them.
    blocked_hooks: list[Callable[[BotRuntime, str, str], None]] = field(default_factory=list)
    # The quiz's draws: a test seeds it and gets the same questions on every run.
    rng: random.Random = field(default_factory=random.Random)

    @property
    def settings(self) -> Settings:
        """Shortcut to the settings."""
        return self.hotline.settings

    def parse(self, text: str) -> dict[str, Any]:
        """NLU parse of a cleaned text."""
        return self.nlu.parse(text)

    @classmethod
    def build(cls, hotline: HotlineRuntime, nlu: Parser) -> BotRuntime:
        """Assemble the bot around an existing back-office runtime."""
        from bot.dialogs.registry import build_engine
        from bot.dialogs.subscription import install

        rt = cls(
            hotline=hotline,
            nlu=nlu,
            catalog=Catalog.load(hotline.settings.content_dir),
            engine=build_engine(),
        )
        install(rt)  # /xoa and a blocked bot also delete the campaign subscription
        return rt

    @classmethod
    def from_settings(cls, settings: Settings, nlu: Parser | None = None) -> BotRuntime:
        """Build the runtime (NLU loaded from the model dir, trained on the fly if missing)."""
        hotline = HotlineRuntime.from_settings(settings)
        if nlu is None:
            from nlu.engine import load_engine

            nlu = load_engine(settings.nlu_model_dir, settings.rasa_url)
        return cls.build(hotline, nlu)
