"""Which dialogs exist: the one list a new capability is added to."""

from __future__ import annotations

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
    return DialogEngine(dialogs, menu=MenuDialog(), emergency=EmergencyDialog())
