"""The chat's commands are declared once (bot/dialogs/registry.OFFERED): menu and Telegram agree."""

from __future__ import annotations

from bot.channels import telegram as tg
from bot.dialogs import registry

MENU = [
    "/khancap",
    "/baotin",
    "/kiemtra",
    "/hoc",
    "/quiz",
    "/theodoi",
    "/dangky",
    "/ngonngu",
    "/xoa",
]


def test_every_dialog_is_offered_by_its_first_command() -> None:
    engine = registry.build_engine()
    offered = {command for command, _ in registry.OFFERED}
    assert offered <= {c for d in engine.dialogs.values() for c in d.commands}
    assert {d.commands[0] for d in engine.dialogs.values()} <= offered


def test_the_menu_and_telegram_are_built_from_the_same_list() -> None:
    items = registry.build_engine().menu.items  # type: ignore[attr-defined]
    assert items[0] == ("emergency", "/khancap")  # a crisis first
    assert [command for _, command in items] == MENU
    telegram = ["start", *(c[1:] for c in MENU[:7]), "huydangky", "ngonngu", "xoa", "menu"]
    assert list(tg.COMMANDS) == telegram
