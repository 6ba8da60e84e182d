"""Emergency: interrupts anything, gives 113 / 111 at once and offers an urgent tip."""

from __future__ import annotations

from bot.dialogs.types import Button, Incoming, Reply, Turn


class EmergencyDialog:
    """`/khancap` or the `need_rescue` intent, at any point in any dialog."""

    name = "emergency"
    commands = ("/khancap", "/sos", "/emergency")
    intents = ("need_rescue",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Numbers first, then what to do now; the interrupted dialog is kept to resume."""
        return [
            Reply(turn.t("emergency.call_now")),
            Reply(
                turn.t("emergency.what_to_do"),
                [
                    Button(turn.t("emergency.urgent_tip"), "/baotin urgent"),
                    Button(turn.t("emergency.abroad"), "/hoc hotlines"),
                    Button(turn.t("menu.buttons.menu"), "/menu"),
                ],
            ),
        ]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Emergency keeps no state."""
        return None
