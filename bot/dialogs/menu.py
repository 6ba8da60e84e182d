"""Main menu, language switch and "forget me": the dialogs every channel starts from."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogs.types import Button, Incoming, Reply, Turn


class MenuDialog:
    """`/start`, `/menu`: greets and lists every capability."""

    name = "menu"
    commands = ("/start", "/menu", "/help", "/trogiup")
    intents = ("menu",)

    def __init__(self, items: Sequence[tuple[str, str]] = ()) -> None:
        # (dialog name, command) in display order: the registry's offer (registry.OFFERED).
        self.items = tuple(items)

    def buttons(self, turn: Turn) -> list[Button]:
        """One button per capability."""
        return [Button(turn.t(f"menu.buttons.{name}"), cmd) for name, cmd in self.items]

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Show the menu (with the welcome the first time)."""
        turn.state.pop("flow", None)
        key = "menu.welcome" if not turn.state.get("welcomed") else "menu.title"
        turn.state["welcomed"] = True
        return [Reply(turn.t(key), self.buttons(turn))]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """The menu has no state of its own."""
        return None


class LanguageDialog:
    """`/ngonngu [vi|en]`: switch the conversation language."""

    name = "language"
    commands = ("/ngonngu", "/language", "/lang")
    intents = ("change_language",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Switch directly when a language is given, else offer the choices."""
        choice = arg.strip().lower()[:2]
        if choice in turn.rt.catalog.languages:
            turn.state["lang"] = choice
            # A choice made here wins over the language guessed from what the person types.
            turn.state["lang_chosen"] = True
            turn.state.pop("flow", None)
            return [Reply(turn.t("language.switched"), turn.rt.engine.menu_buttons(turn))]
        buttons = [
            Button(turn.rt.catalog.t(lang, "language.name"), f"/ngonngu {lang}")
            for lang in turn.rt.catalog.languages
        ]
        return [Reply(turn.t("language.choose"), buttons)]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Typed "english"/"tiếng việt" also works."""
        text = (incoming.text or "").lower()
        if "english" in text or text in {"en", "eng"}:
            return self.start(turn, "en")
        if "việt" in text or "viet" in text or text == "vi":
            return self.start(turn, "vi")
        return None


class ForgetDialog:
    """`/xoa`: delete this conversation's state (and messages where the channel can)."""

    name = "forget"
    commands = ("/xoa", "/forget")
    intents = ("delete_history",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Ask for confirmation first: deleting also drops an unfinished tip draft."""
        return [
            Reply(
                turn.t("forget.confirm"),
                [
                    Button(turn.t("forget.yes"), "forget:yes"),
                    Button(turn.t("forget.no"), "/menu"),
                ],
            )
        ]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Carry out the deletion on "yes"."""
        answer = (incoming.payload or incoming.text or "").strip().lower()
        if answer in {"forget:yes", "co", "có", "yes", "dong y", "đồng ý"}:
            for hook in turn.rt.forget_hooks:
                hook(turn)
            turn.forget = True
            turn.delete_history = True
            return [Reply(turn.t("forget.done"))]
        turn.state.pop("flow", None)
        return None
