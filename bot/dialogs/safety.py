"""The safety net: every typed message passes here before any other answer.

```
text ──> nlu.crisis.detect (+ the NLU's need_rescue outside forms)
   │ no crisis ──> the usual routing (active dialog, intent, FAQ, ...)
   │ crisis
   ├─ no form open ──> numbers for where the person is ──> what to do now for this kind
   │                   [📝 urgent tip with these words] [📖 what to do] [menu]
   ├─ a form open (tip, offer check, quiz, subscription, follow-up code)
   │      ──> the same answer; the text is NOT stored as the step's answer; the form waits
   │          [📝 send what I wrote as an urgent tip] safety:tip ──> tip draft + summary
   │          [↩️ back to where I was]             safety:resume ──> the form's question again
   └─ a dialog that takes free text for the hotline (follow-up reply) ──> it keeps the text,
          then the crisis answer
```
The crisis words wait in the encrypted conversation state for one turn only ("safety"), so the
button can turn them into a tip; any other message drops them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bot.dialogs.types import Button, Reply, Turn
from hotline.content.contacts import directory_at, format_contacts
from nlu.crisis import (
    Crisis,
    CrisisKind,
    Where,
    about_someone_else,
    detect,
    is_sextortion,
    looks_harmless,
    mentions_held,
    place,
    speaks_of_now,
    writes_as_child,
)
from nlu.normalize import fold

if TYPE_CHECKING:
    from bot.dialogs.types import Dialog

#: Outside a form, the NLU's need_rescue this sure is a crisis even when no rule fired (lower
#: thresholds only added false alarms on the dev set: 13 at 0.45, 2 at 0.8, no extra catch).
RESCUE_THRESHOLD = 0.8
#: What a person typed in a crisis, kept (encrypted) for one turn so it can become a tip.
PENDING = "safety"
MAX_KEPT = 4000

# The piece that says what to do next, per kind (content/<lang>/<id>.md).
PIECES: dict[CrisisKind, str] = {
    CrisisKind.ABROAD: "if-you-are-trapped",
    CrisisKind.DANGER_NOW: "if-you-are-trapped",
    CrisisKind.MISSING_CHILD: "relative-stopped-answering",
    CrisisKind.MISSING_PERSON: "relative-stopped-answering",
    CrisisKind.FORCED_SEX: "victims-rights",
    CrisisKind.CHILD_RECRUITED: "talking-with-teens",
    CrisisKind.ORGAN_SALE: "organ-trafficking",
    CrisisKind.FOREIGN_WORKER: "who-gets-which-support",
}
# Signs the offer check itself rates critical (HIGH at once) while an offer is being described.
_OFFER_KINDS = (CrisisKind.DANGER_NOW, CrisisKind.ORGAN_SALE, CrisisKind.CHILD_RECRUITED)
# Kinds whose writer is usually the family at home even when the person is abroad.
_FAMILY_KINDS = (CrisisKind.MISSING_CHILD, CrisisKind.MISSING_PERSON)


_BORDER = re.compile(r"\b(?:bien gioi|cua khau|bien phong|border|duong mon)\b")


def _entities(turn: Turn) -> list[dict[str, Any]] | None:
    ents = (turn.nlu or {}).get("entities")
    return ents if isinstance(ents, list) else None


class SafetyNet:
    """Finds a crisis in a message and gives its first answer; pauses and resumes forms."""

    def check(
        self, turn: Turn, text: str, *, in_form: bool, describing_offer: bool = False
    ) -> Crisis | None:
        """The crisis in `text`; inside a form only the rules count (short answers mislead NLU).

        While an offer is described, its terms ("công ty giữ hộ chiếu") are red flags for the
        check, not danger now, unless the person speaks of themselves or someone now.
        """
        crisis = detect(text, _entities(turn))
        if (
            crisis is not None
            and describing_offer
            and crisis.kind in _OFFER_KINDS
            and not speaks_of_now(text)
        ):
            return None
        if crisis is not None or in_form or turn.nlu is None:
            return crisis
        intent = turn.nlu.get("intent") or {}
        if (
            intent.get("name") == "need_rescue"
            and intent.get("confidence", 0) >= RESCUE_THRESHOLD
            and not looks_harmless(text)
        ):
            # Nothing the rules know, but the classifier reads danger: answer as for danger now.
            return _generic(turn, text)
        return None

    def answer(
        self,
        turn: Turn,
        crisis: Crisis,
        text: str,
        *,
        paused: Dialog | None = None,
    ) -> list[Reply]:
        """Numbers first, then what to do now; a paused form offers to send or go back."""
        turn.state[PENDING] = {
            "text": text[:MAX_KEPT],
            "kind": str(crisis.kind),
            "abroad": crisis.where == Where.ABROAD,
        }
        numbers = self.numbers(turn, crisis, text)
        advice = turn.t(f"safety.advice.{self._advice_key(crisis, text)}")
        if crisis.where != Where.ABROAD and _BORDER.search(fold(text.lower())):
            # Someone moved towards the border: the Border Guard post is who can stop it.
            advice += "\n\n" + turn.t("safety.border_note")
        buttons: list[Button] = []
        if paused is not None:
            form = self._form_name(turn, paused.name)
            advice = advice + "\n\n" + turn.t("safety.paused", form=form)
            buttons += [
                Button(turn.t("safety.buttons.send_typed"), "safety:tip"),
                Button(turn.t("safety.buttons.resume"), "safety:resume"),
            ]
        else:
            buttons.append(Button(turn.t("safety.buttons.urgent_tip"), "safety:tip"))
        piece = PIECES.get(crisis.kind)
        if piece is not None:
            buttons.append(Button(turn.t("safety.buttons.learn"), f"/hoc {piece}"))
        if crisis.where != Where.VIETNAM:
            buttons.append(Button(turn.t("safety.buttons.numbers"), "/hoc hotlines"))
        buttons.append(Button(turn.t("menu.buttons.menu"), "/menu"))
        return [Reply(numbers), Reply(advice, buttons)]

    @staticmethod
    def _advice_key(crisis: Crisis, text: str) -> str:
        """The kind's advice; a parent writing about a child's suicide or sextortion differ."""
        if crisis.kind == CrisisKind.SUICIDE and about_someone_else(text):
            return "suicide_other"
        if crisis.kind == CrisisKind.CHILD_RECRUITED and is_sextortion(text):
            return "sextortion"
        if crisis.kind == CrisisKind.DANGER_NOW and is_sextortion(text) and not mentions_held(text):
            # Threatened with intimate photos: never pay, keep it all, tell the police; an
            # address and number plates (the held person's advice) do not help here.
            return "sextortion_adult"
        if crisis.kind == CrisisKind.CHILD_RECRUITED and writes_as_child(text):
            # "e 15t có a nhắn rủ sang TQ": the teenager, not a parent, is reading this.
            return "child_recruited_self"
        return str(crisis.kind)

    def numbers(self, turn: Turn, crisis: Crisis, text: str = "") -> str:
        """The first message: the kind's first line and the numbers that work where they are."""
        first = self._advice_key(crisis, text)
        lines = [turn.t(f"safety.first.{first}")]
        abroad = crisis.where == Where.ABROAD
        if crisis.kind == CrisisKind.SUICIDE:
            # A life at stake: the numbers for both places unless the message says Viet Nam;
            # abroad, 115 and 113 do not ring, so the local emergency number comes first.
            lines.append(turn.t(f"safety.suicide_numbers.{'abroad' if abroad else 'vn'}"))
            if crisis.where != Where.VIETNAM:
                lines.append(turn.t("safety.numbers.abroad"))
                lines += self._missions(turn, crisis)
        elif abroad and (crisis.kind in _FAMILY_KINDS or about_someone_else(text)):
            # The family writes from home about someone abroad: both sets of numbers work.
            lines.append(turn.t("safety.numbers.unknown"))
            lines += self._missions(turn, crisis)
        elif crisis.kind == CrisisKind.FOREIGN_WORKER and crisis.where == Where.VIETNAM:
            # A foreigner in Viet Nam: Viet Nam's numbers; the consular line serves Vietnamese.
            lines.append(turn.t("safety.numbers.vn"))
        elif abroad:
            lines.append(turn.t("safety.numbers.abroad"))
            lines += self._missions(turn, crisis)
            lines.append(turn.t("safety.numbers.abroad_home"))
        else:
            lines.append(turn.t(f"safety.numbers.{crisis.where}"))
        return "\n\n".join(line for line in lines if line)

    def _missions(self, turn: Turn, crisis: Crisis) -> list[str]:
        """Viet Nam's embassy and consulates in the country named, from the contacts directory."""
        if crisis.country is None:
            return []
        directory = directory_at(turn.rt.settings.content_dir)
        country = directory.canonical_country(crisis.country)
        missions = [c for c in directory.missions(country) if c.reachable] if country else []
        if not missions:
            # Dubai, Saudi Arabia...: no checked number here; say so rather than stay silent.
            name = crisis.country
            if country is not None and turn.lang == "en":
                name = directory.countries[country].get("en", country)
            return [turn.t("safety.numbers.missions_unknown", country=name)]
        return [turn.t("safety.numbers.missions") + "\n" + format_contacts(missions, turn.lang)]

    def _form_name(self, turn: Turn, name: str) -> str:
        key = f"safety.forms.{name}"
        return turn.t(key) if turn.rt.catalog.has(key) else name

    def pending_abroad(self, turn: Turn) -> bool:
        """Whether the crisis just answered happened abroad (113 does not work there)."""
        pending = turn.state.get(PENDING)
        return isinstance(pending, dict) and pending.get("abroad") is True

    def pending_text(self, turn: Turn) -> str:
        """What the person typed in the crisis just answered ('' when nothing waits)."""
        pending = turn.state.get(PENDING)
        return str(pending.get("text") or "") if isinstance(pending, dict) else ""


def _generic(turn: Turn, text: str) -> Crisis:
    """Danger now, placed as the rules place it: a country named is abroad only when the
    person is there now ("they take me to China tonight" is still 113)."""
    where, country = place(text, _entities(turn))
    if where == Where.ABROAD or (where == Where.UNKNOWN and country is not None):
        return Crisis(CrisisKind.ABROAD, where, country)
    return Crisis(CrisisKind.DANGER_NOW, where)
