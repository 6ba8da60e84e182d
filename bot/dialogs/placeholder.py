"""Capabilities announced in the menu whose dialogs are not built yet say so honestly."""

from __future__ import annotations

from bot.dialogs.types import Button, Incoming, Reply, Turn


class ComingSoonDialog:
    """A menu entry that answers with an honest "not yet" and the numbers that work today."""

    def __init__(self, name: str, commands: tuple[str, ...], intents: tuple[str, ...]) -> None:
        self.name = name
        self.commands = commands
        self.intents = intents

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Explain that this part is coming and point to what works now."""
        turn.state.pop("flow", None)
        return [
            Reply(
                turn.t("core.coming_soon", feature=turn.t(f"menu.buttons.{self.name}")),
                [
                    Button(turn.t("menu.buttons.emergency"), "/khancap"),
                    Button(turn.t("menu.buttons.menu"), "/menu"),
                ],
            )
        ]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """No state to continue."""
        return None
