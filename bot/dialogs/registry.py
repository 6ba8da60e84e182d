"""Which dialogs exist and which commands the chat offers: the one place a capability is added.

The main menu's buttons and Telegram's command list are both built from `OFFERED`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogs.awareness import AwarenessDialog
from bot.dialogs.emergency import EmergencyDialog
from bot.dialogs.engine import DialogEngine
from bot.dialogs.follow_up import FollowUpDialog
from bot.dialogs.menu import ForgetDialog, LanguageDialog, MenuDialog
from bot.dialogs.offer_check import OfferCheckDialog
from bot.dialogs.quiz import QuizDialog
from bot.dialogs.subscription import SubscriptionDialog, UnsubscribeDialog
from bot.dialogs.tip_intake import TipIntakeDialog
from bot.dialogs.types import Dialog

#: The chat's commands, once, in the order the main menu and Telegram's command list show them
#: (a crisis first); False: a command only, not a button of the main menu. Each is a command of
#: one dialog (tests/dialogs/test_registry.py).
OFFERED: tuple[tuple[str, bool], ...] = (
    ("/start", False),
    ("/khancap", True),
    ("/baotin", True),
    ("/kiemtra", True),
    ("/hoc", True),
    ("/quiz", True),
    ("/theodoi", True),
    ("/dangky", True),
    ("/huydangky", False),
    ("/ngonngu", True),
    ("/xoa", True),
    ("/menu", False),
)


def offered_commands() -> list[str]:
    """Every offered command without its slash (Telegram's command list)."""
    return [command.removeprefix("/") for command, _ in OFFERED]


def menu_items(dialogs: Sequence[Dialog]) -> list[tuple[str, str]]:
    """The main menu's (dialog name, command) pairs, from OFFERED."""
    owner = {command: d.name for d in dialogs for command in d.commands}
    return [(owner[command], command) for command, in_menu in OFFERED if in_menu]


def build_engine() -> DialogEngine:
    """Assemble the conversation engine with every dialog."""
    dialogs: list[Dialog] = [
        LanguageDialog(),
        ForgetDialog(),
        TipIntakeDialog(),
        FollowUpDialog(),
        AwarenessDialog(),
        OfferCheckDialog(),
        QuizDialog(),
        SubscriptionDialog(),
        UnsubscribeDialog(),
    ]
    emergency = EmergencyDialog()
    menu = MenuDialog(menu_items([emergency, *dialogs]))
    return DialogEngine(dialogs, menu=menu, emergency=emergency)
