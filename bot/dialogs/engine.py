"""The channel-agnostic conversation engine: commands, NLU routing, interrupts, fallbacks."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from bot.dialogs.text import clean_text, parse_command
from bot.dialogs.types import Button, Dialog, Incoming, Reply, Turn

log = logging.getLogger(__name__)

# Below this the bot asks which of the top intents was meant instead of guessing.
CONFIDENCE_THRESHOLD = 0.55
# An emergency interrupts any dialog even at modest confidence: a false alarm costs little.
RESCUE_THRESHOLD = 0.45
SMALL_TALK = {"greet", "goodbye", "thanks", "affirm", "deny"}
# Campaign buttons send e.g. "/hoc piece-id c:12" so clicks and quiz answers are attributed.
CAMPAIGN_MARKER = re.compile(r"(?:^|\s)c:(\d{1,9})\s*$")


class DialogEngine:
    """Routes each incoming message to the right dialog and returns the replies."""

    def __init__(self, dialogs: Sequence[Dialog], menu: Dialog, emergency: Dialog) -> None:
        self.menu = menu
        self.emergency = emergency
        self.dialogs = {d.name: d for d in [menu, emergency, *dialogs]}
        self.by_command: dict[str, Dialog] = {}
        self.by_intent: dict[str, Dialog] = {}
        for d in self.dialogs.values():
            for c in d.commands:
                self.by_command[c] = d
            for i in d.intents:
                self.by_intent[i] = d

    def respond(self, turn: Turn, incoming: Incoming) -> list[Reply]:
        """Handle one message or button press and return what to send back."""
        replies: list[Reply] = []
        text = None
        if incoming.text is not None:
            text, truncated = clean_text(incoming.text)
            if truncated:
                replies.append(Reply(turn.t("core.too_long")))
        payload = clean_text(incoming.payload, 512)[0] if incoming.payload else None
        raw = payload or text or ""
        if not raw and not incoming.photos:
            return [Reply(turn.t("core.empty"), self.menu_buttons(turn))]
        incoming = Incoming(text=text, payload=payload, photos=incoming.photos)

        command = parse_command(raw) if raw.startswith("/") else None
        if command is not None:
            replies += self._command(turn, *command)
            return replies

        active = self.dialogs.get(str(turn.state.get("flow", "")))
        if payload is not None:
            # A button of a dialog that is no longer active (old message) falls back to the menu.
            result = active.handle(turn, incoming) if active else None
            replies += result if result is not None else self._fallback(turn)
            return replies

        if text:
            turn.nlu = turn.rt.parse(text)
            intent = turn.nlu["intent"]
            if intent["name"] == "need_rescue" and intent["confidence"] >= RESCUE_THRESHOLD:
                replies += self.emergency.start(turn, "")
                # A dialog collecting facts (the tip intake) still keeps what was typed:
                # the words describing the danger are the most important part of a tip.
                if active is not None and getattr(active, "absorbs_emergency_text", False):
                    replies += active.handle(turn, incoming) or []
                return replies
        if active is not None:
            result = active.handle(turn, incoming)
            if result is not None:
                return replies + result
        replies += self._route_intent(turn)
        return replies

    def _command(self, turn: Turn, command: str, arg: str) -> list[Reply]:
        arg = self._campaign_marker(turn, command, arg)
        dialog = self.by_command.get(command)
        if dialog is None:
            return [Reply(turn.t("core.unknown_command", command=command), self.menu_buttons(turn))]
        if dialog is not self.emergency:
            turn.state["flow"] = dialog.name
        return dialog.start(turn, arg)

    @staticmethod
    def _campaign_marker(turn: Turn, command: str, arg: str) -> str:
        """Strip a campaign button's " c:<id>" suffix, count the click, keep it for the quiz."""
        match = CAMPAIGN_MARKER.search(arg)
        turn.state.pop("campaign_ref", None)
        if match is None:
            return arg
        from hotline.campaigns.service import record_click

        campaign_id = int(match.group(1))
        record_click(turn.session, campaign_id, command.lstrip("/"))
        turn.state["campaign_ref"] = str(campaign_id)
        return arg[: match.start()].strip()

    def _route_intent(self, turn: Turn) -> list[Reply]:
        if turn.nlu is None:
            return self._fallback(turn)
        intent = turn.nlu["intent"]
        name, conf = intent["name"], float(intent["confidence"])
        if name == "out_of_scope" and conf >= CONFIDENCE_THRESHOLD:
            return [Reply(turn.t("core.out_of_scope"), self.menu_buttons(turn))]
        if conf < CONFIDENCE_THRESHOLD:
            return self._clarify(turn)
        if name in SMALL_TALK:
            return [Reply(turn.t(f"core.smalltalk.{name}"), self.menu_buttons(turn))]
        dialog = self.by_intent.get(name)
        if dialog is None:
            return self._fallback(turn)
        if dialog is not self.emergency:
            turn.state["flow"] = dialog.name
        return dialog.start(turn, "")

    def _clarify(self, turn: Turn) -> list[Reply]:
        """Offer the 2–3 likeliest meanings as buttons instead of a wrong confident answer."""
        assert turn.nlu is not None
        buttons: list[Button] = []
        for cand in turn.nlu.get("intent_ranking", [])[:5]:
            dialog = self.by_intent.get(cand.get("name", ""))
            if dialog is None or not dialog.commands or cand.get("confidence", 0) < 0.08:
                continue
            b = Button(turn.t(f"menu.buttons.{dialog.name}"), dialog.commands[0])
            if b not in buttons:
                buttons.append(b)
            if len(buttons) == 3:
                break
        if not buttons:
            return self._fallback(turn)
        buttons.append(Button(turn.t("menu.buttons.menu"), "/menu"))
        return [Reply(turn.t("core.clarify"), buttons)]

    def _fallback(self, turn: Turn) -> list[Reply]:
        return [Reply(turn.t("core.not_understood"), self.menu_buttons(turn))]

    def menu_buttons(self, turn: Turn) -> list[Button]:
        """The main menu's buttons."""
        start = getattr(self.menu, "buttons", None)
        return list(start(turn)) if callable(start) else []
