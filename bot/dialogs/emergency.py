"""Emergency: interrupts anything, gives 113 / 111 at once and offers an urgent tip."""

from __future__ import annotations

import re

from bot.dialogs.types import Button, Incoming, Reply, Turn
from nlu.normalize import fold, normalize

#: For a family whose relative stopped answering (content/*/relative-stopped-answering.md).
LOST_CONTACT_PIECE = "relative-stopped-answering"

# On folded text after teencode expansion ("ko lien lac dc" -> "khong lien lac duoc").
_LOST_CONTACT = re.compile(
    r"\b(?:mat lien lac|mat tich|biet vo am tin|khong (?:the |con )?lien (?:lac|he) duoc"
    r"|khong (?:ai )?(?:nghe|bat) may|tat may|khong (?:goi|nhan tin) (?:duoc|lai)"
    r"|khong tra loi (?:tin nhan|dien thoai|may)|khong goi (?:dien )?ve"
    r"|goi khong (?:duoc|ai nghe))\b"
)
# Someone held or hurt right now: then the writer may be the victim, cut off on purpose
# ("họ tịch thu điện thoại, em không liên lạc được"), and needs the advice for the held.
_HELD = re.compile(
    r"\b(?:bi (?:nhot|giu|giam|danh|ban|ep|bat|khoa|canh|dua|cho di)|tich thu|khong cho"
    r"|cuu (?:em|toi|minh|con|voi|chau|chi|anh)|nguy hiem|tien chuoc|doi tien)\b"
)


def lost_contact(text: str) -> bool:
    """Whether a family writes that someone cannot be reached, with no sign of them held now."""
    folded = fold(normalize(text).text)
    return bool(_LOST_CONTACT.search(folded)) and not _HELD.search(folded)


class EmergencyDialog:
    """`/khancap` or the `need_rescue` intent, at any point in any dialog."""

    name = "emergency"
    commands = ("/khancap", "/sos", "/emergency")
    intents = ("need_rescue",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Numbers first, then what to do now; the interrupted dialog is kept to resume."""
        text = str(turn.nlu.get("text") or "") if turn.nlu is not None else ""
        urgent_tip = Button(turn.t("emergency.urgent_tip"), "/baotin urgent")
        if lost_contact(text):
            # The writer is the family, not the person held: "stay calm, memorise the plates"
            # is not for them; what to do today and what not to do is.
            advice = "emergency.lost_contact"
            steps = Button(turn.t("emergency.lost_contact_steps"), f"/hoc {LOST_CONTACT_PIECE}")
            buttons = [steps, urgent_tip]
        else:
            advice = "emergency.what_to_do"
            buttons = [urgent_tip, Button(turn.t("emergency.abroad"), "/hoc hotlines")]
        buttons.append(Button(turn.t("menu.buttons.menu"), "/menu"))
        return [Reply(turn.t("emergency.call_now")), Reply(turn.t(advice), buttons)]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Emergency keeps no state."""
        return None
