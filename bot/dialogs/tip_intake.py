"""Anonymous tip intake: say what is stored, collect step by step, confirm, send once.

```
/baotin [urgent|<tactic>] -> (unfinished draft? continue | start over)
  -> privacy note + what -> province -> place -> when -> people -> child -> country
  -> recruited -> photos -> victim -> summary -> Gửi (receipt code, shown once) | Sửa | Huỷ
```
Every step has Skip; typed text answers the current step. The draft lives only in the
encrypted conversation state (so it survives restarts) and is deleted on submit.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from pydantic import ValidationError

from bot.dialogs.text import is_question
from bot.dialogs.types import Button, Incoming, Reply, Turn
from hotline.metrics import record_tip
from hotline.tips import service
from hotline.tips.models import Tactic, Urgency
from hotline.tips.photos import MAX_PHOTOS, PhotoError, sanitize
from hotline.tips.schemas import MAX_FIELD, TipDraft
from nlu.crisis import mentions_child
from nlu.entities import place_choices
from nlu.normalize import fold_key

log = logging.getLogger(__name__)

NAME = "tip"
STEPS = (
    "what",
    "province",
    "place",
    "when",
    "people",
    "child",
    "country",
    "recruited",
    "photos",
    "victim",
)
# Countries offered as buttons (canonical NLU names); anything else can be typed.
COUNTRY_BUTTONS = ("Campuchia", "Myanmar", "Lào", "Trung Quốc")
_NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
}
_SEND_WORDS = {"gui", "send", "ok", "xong", "dong y", "gui di"}
_CANCEL_WORDS = {"huy", "cancel", "thoi", "huy bo"}


def _entities(turn: Turn, text: str) -> dict[str, str]:
    """First value of each entity the NLU found in the text (parsed once per turn)."""
    nlu = turn.nlu if turn.nlu is not None and turn.nlu.get("text") == text else None
    if nlu is None:
        nlu = turn.rt.parse(text)
    found: dict[str, str] = {}
    for ent in nlu.get("entities", []):
        name, value = ent.get("entity"), ent.get("value")
        if isinstance(name, str) and isinstance(value, str) and name not in found:
            found[name] = value
    return found


def _yes_no(text: str) -> bool | None:
    folded = fold_key(text)
    if folded in {"co", "yes", "y", "dung", "phai", "vang", "u", "uh", "co a", "dung vay"}:
        return True
    if folded in {"khong", "ko", "k", "no", "n", "khong phai", "hong", "khong a"}:
        return False
    return None


def _child_answer(text: str) -> str | None:
    folded = fold_key(text)
    if any(w in folded for w in ("khong biet", "ko biet", "chua ro", "khong ro", "not sure")):
        return "unsure"
    if "khong chac" in folded or "co the" in folded or "maybe" in folded:
        return "unsure"
    answer = _yes_no(text)
    if answer is None:
        return None
    return "yes" if answer else "no"


def _people(text: str) -> int | None:
    m = re.search(r"\d{1,5}", text)
    if m:
        return int(m.group(0))
    for word in fold_key(text).split():
        if word in _NUMBER_WORDS:
            return _NUMBER_WORDS[word]
    return None


class TipIntakeDialog:
    """`/baotin`, the `report_tip` intent, "/baotin urgent" from the emergency dialog."""

    name = NAME
    commands = ("/baotin", "/report", "/tip")
    intents = ("report_tip",)
    # --- entry ----------------------------------------------------------------------------

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Resume an unfinished draft, or explain what is stored and ask the first question."""
        flow = turn.flow_state(NAME)
        # The offer check's "report this recruiter" button sends "/baotin offer:<tactic>".
        arg = arg.strip().lower().removeprefix("offer:")
        draft = flow.get("draft")
        if isinstance(draft, dict) and flow.get("started"):
            if arg == "urgent":
                draft["urgent"] = True
            flow["phase"] = "resume"
            return [
                Reply(
                    turn.t("tip.resume"),
                    [
                        Button(turn.t("tip.buttons.continue"), "tip:resume"),
                        Button(turn.t("tip.buttons.restart"), "tip:restart"),
                    ],
                )
            ]
        replies = self._new_draft(turn, arg)
        # A report typed in the first message ("they lured my sister to Cambodia...") is kept.
        text = (turn.nlu or {}).get("text")
        intent = ((turn.nlu or {}).get("intent") or {}).get("name")
        if (
            intent == "report_tip"
            and isinstance(text, str)
            and len(text) >= 25
            and not is_question(text)
        ):
            self._answer_what(turn, text)
            flow["started"] = True
            replies.append(Reply(turn.t("tip.noted_first_message")))
            return replies + self._next(turn, after="what")
        return replies + self._ask(turn, "what")

    def resume(self, turn: Turn) -> list[Reply]:
        """Ask the current step again (after a crisis answer paused the form)."""
        flow = turn.flow_state(NAME)
        if not isinstance(flow.get("draft"), dict):
            return self.start(turn, "")
        if flow.get("phase") in {"summary", "edit_choose"}:
            return self._summary(turn)
        return self._ask(turn, str(flow.get("step", "what")))

    def keeps_crisis_text(self, turn: Turn) -> bool:
        """The story of what happened is the tip itself: crisis words there are kept."""
        flow = turn.flow_state(NAME)
        if not isinstance(flow.get("draft"), dict):
            return False
        return flow.get("phase") == "summary" or (
            flow.get("phase") == "step" and flow.get("step") == "what"
        )

    def take_urgent(self, turn: Turn, text: str, abroad: bool = False) -> list[Reply]:
        """Crisis words become the urgent tip's description; the summary sends it in one tap.

        Typed inside an open draft they join what was already told (never a step's answer,
        so "cứu em, họ đang đánh em" is not stored as the place); else a new draft starts.
        """
        flow = turn.flow_state(NAME)
        replies: list[Reply] = []
        if not isinstance(flow.get("draft"), dict):
            replies += self._new_draft(turn, "urgent")
        draft = flow["draft"]
        draft["urgent"] = True
        flow["started"] = True
        if abroad:
            flow["abroad"] = True  # the banner after sending gives the numbers that work there
        if text.strip() and text.strip()[:MAX_FIELD] not in str(draft.get("what") or ""):
            before = str(draft.get("what") or "")
            if before:
                draft["what"] = (before + "\n" + text.strip())[:MAX_FIELD]
                self._fill_from(turn, text)
            else:
                self._answer_what(turn, text.strip())
            replies.append(Reply(turn.t("tip.noted_urgent")))
        flow.pop("editing", None)
        return replies + self._summary(turn)

    def _new_draft(self, turn: Turn, arg: str) -> list[Reply]:
        flow = turn.flow_state(NAME)
        old = flow.get("draft")
        if isinstance(old, dict) and isinstance(old.get("draft_ref"), str):
            service.discard_draft(turn.session, old["draft_ref"])
        draft: dict[str, Any] = {
            "submission_token": secrets.token_urlsafe(24),
            "draft_ref": secrets.token_urlsafe(24),
            "channel": turn.channel[:16],
            "urgent": arg == "urgent",
        }
        if arg in {t.value for t in Tactic}:
            draft["tactic"] = arg
        flow.clear()
        flow.update({"draft": draft, "phase": "step", "step": "what", "photos": 0})
        replies = []
        if draft["urgent"]:
            replies.append(Reply(turn.t("tip.urgent_first")))
        replies.append(Reply(turn.t("tip.privacy")))
        return replies

    # --- questions ------------------------------------------------------------------------

    def _which_province(self, turn: Turn, text: str) -> list[Reply]:
        """Ask which province a place name means when it is found in a few ("Châu Thành")."""
        found = [(name, provs) for name, provs in place_choices(text) if len(provs) <= 5]
        if not found:
            return []
        name, provinces = found[0]
        turn.flow_state(NAME)["province_choices"] = list(provinces)
        buttons = [Button(p, f"tip:province:{p}") for p in provinces]
        buttons.append(Button(turn.t("tip.buttons.other_province"), "tip:skip"))
        return [Reply(turn.t("tip.province_which", name=name), buttons)]

    def _ask(self, turn: Turn, step: str) -> list[Reply]:
        flow = turn.flow_state(NAME)
        flow["phase"], flow["step"] = "step", step
        skip = Button(turn.t("tip.buttons.skip"), "tip:skip")
        cancel = Button(turn.t("tip.buttons.cancel"), "tip:cancel")
        buttons: list[Button]
        if step == "child":
            buttons = [
                Button(turn.t("tip.buttons.answer_yes"), "tip:child:yes"),
                Button(turn.t("tip.buttons.answer_no"), "tip:child:no"),
                Button(turn.t("tip.buttons.unsure"), "tip:child:unsure"),
                skip,
            ]
        elif step == "victim":
            buttons = [
                Button(turn.t("tip.buttons.answer_yes"), "tip:victim:yes"),
                Button(turn.t("tip.buttons.answer_no"), "tip:victim:no"),
                skip,
            ]
        elif step == "country":
            buttons = [Button(c, f"tip:country:{c}") for c in COUNTRY_BUTTONS]
            buttons += [Button(turn.t("tip.buttons.in_vietnam"), "tip:country:-"), skip]
        elif step == "photos":
            buttons = [Button(turn.t("tip.buttons.photos_done"), "tip:skip")]
        else:
            buttons = [skip]
        if flow.get("editing"):
            buttons.append(Button(turn.t("tip.buttons.back_to_summary"), "tip:summary"))
        else:
            buttons.append(cancel)
        params: dict[str, Any] = {}
        if step == "photos":
            params = {"max": MAX_PHOTOS, "count": flow.get("photos", 0)}
        return [Reply(turn.t(f"tip.ask.{step}", **params), buttons)]

    def _next(self, turn: Turn, after: str) -> list[Reply]:
        """The next unanswered step, or the summary."""
        flow = turn.flow_state(NAME)
        if flow.pop("editing", False):
            return self._summary(turn)
        draft = flow["draft"]
        prefilled = {
            "province": draft.get("province") or draft.get("province_text"),
            "country": draft.get("destination_country"),
        }
        idx = STEPS.index(after) + 1
        while idx < len(STEPS) and prefilled.get(STEPS[idx]):
            idx += 1
        if idx >= len(STEPS):
            return self._summary(turn)
        return self._ask(turn, STEPS[idx])

    # --- answers --------------------------------------------------------------------------

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Buttons, typed answers and photos for the current step."""
        flow = turn.flow_state(NAME)
        draft = flow.get("draft")
        if not isinstance(draft, dict):
            return None
        if turn.crisis is not None or (
            turn.nlu is not None and turn.nlu["intent"]["name"] == "need_rescue"
        ):
            draft["urgent"] = True  # someone described danger now: triage must see it
        replies: list[Reply] = []
        if incoming.photos:
            replies += self._photos(turn, incoming.photos)
            if not incoming.text and not incoming.payload:
                if flow.get("phase") == "summary":
                    return replies + self._summary(turn)
                return replies + self._ask(turn, str(flow.get("step", "photos")))
        payload = incoming.payload or ""
        if payload.startswith("tip:"):
            return replies + self._button(turn, payload[4:])
        if payload:
            return None
        text = (incoming.text or "").strip()
        if not text:
            return replies or None
        phase = flow.get("phase")
        if phase == "resume":
            return replies + self._button(turn, "resume")
        if phase == "summary":
            folded = fold_key(text)
            if folded in _SEND_WORDS:
                return replies + self._send(turn)
            if folded in _CANCEL_WORDS:
                return replies + self._cancel(turn)
            # Anything else typed at the summary is more information about what happened.
            draft["what"] = ((draft.get("what") or "") + "\n" + text).strip()[:MAX_FIELD]
            return [*replies, Reply(turn.t("tip.added")), *self._summary(turn)]
        if phase == "edit_choose":
            return replies + self._summary(turn)
        flow["started"] = True
        return replies + self._answer(turn, str(flow.get("step", "what")), text)

    def _button(self, turn: Turn, action: str) -> list[Reply]:
        flow = turn.flow_state(NAME)
        draft = flow["draft"]
        step = str(flow.get("step", "what"))
        flow["started"] = True
        if action == "resume":
            if flow.get("step") == "summary" or flow.get("phase") == "summary":
                return self._summary(turn)
            return self._ask(turn, step)
        if action == "restart":
            return self._new_draft(turn, "urgent" if draft.get("urgent") else "") + self._ask(
                turn, "what"
            )
        if action == "skip":
            if step == "child":
                draft["child"] = None
            return self._next(turn, after=step)
        if action == "summary":
            flow.pop("editing", None)
            return self._summary(turn)
        if action == "send":
            return self._send(turn)
        if action == "cancel":
            return self._cancel(turn)
        if action == "edit":
            flow["phase"] = "edit_choose"
            buttons = [Button(turn.t(f"tip.fields.{s}"), f"tip:edit:{s}") for s in STEPS]
            buttons.append(Button(turn.t("tip.buttons.back_to_summary"), "tip:summary"))
            return [Reply(turn.t("tip.edit_choose"), buttons)]
        if action.startswith("edit:") and action[5:] in STEPS:
            flow["editing"] = True
            return self._ask(turn, action[5:])
        if action.startswith("child:") and action[6:] in ("yes", "no", "unsure"):
            draft["child"] = action[6:]
            return self._after_child(turn)
        if action.startswith("victim:"):
            draft["reporter_is_victim"] = action == "victim:yes"
            return self._after_victim(turn)
        if action.startswith("province:") and step == "province":
            # A payload is free text anyone can send: only one of the provinces offered counts.
            choice = action[9:]
            if choice in flow.get("province_choices", ()):
                draft["province"] = choice
            flow.pop("province_choices", None)
            return self._next(turn, after="province")
        if action.startswith("country:"):
            value = action[8:]
            # A payload is free text anyone can send: only a recognised country goes into the
            # plain column; anything else is kept with the encrypted answers.
            country = None if value == "-" else _entities(turn, value).get("country")
            draft["destination_country"] = country
            if value != "-" and country is None:
                draft["country_text"] = value[:MAX_FIELD]
            return self._next(turn, after="country")
        return self._ask(turn, step)

    def _answer_what(self, turn: Turn, text: str) -> None:
        turn.flow_state(NAME)["draft"]["what"] = text[:MAX_FIELD]
        self._fill_from(turn, text)

    def _fill_from(self, turn: Turn, text: str) -> None:
        """Province, country, platform, tactic and a child's age read from the story, if unset."""
        draft = turn.flow_state(NAME)["draft"]
        if draft.get("child") is None and mentions_child(text):
            draft["child"] = "yes"
        ents = _entities(turn, text)
        if ents.get("province") and not draft.get("province"):
            draft["province"] = ents["province"][:64]
        if ents.get("country") and not draft.get("destination_country"):
            draft["destination_country"] = ents["country"][:64]
        if ents.get("platform") and not draft.get("platform"):
            draft["platform"] = ents["platform"][:200]
        if ents.get("tactic") in {t.value for t in Tactic} and not draft.get("tactic"):
            draft["tactic"] = ents["tactic"]

    def _answer(self, turn: Turn, step: str, text: str) -> list[Reply]:
        draft = turn.flow_state(NAME)["draft"]
        text = text[:MAX_FIELD]
        if step == "what":
            self._answer_what(turn, text)
        elif step == "province":
            province = _entities(turn, text).get("province")
            draft["province"] = province[:64] if province else None
            draft["province_text"] = text
            if not province:
                return self._which_province(turn, text) or [
                    Reply(turn.t("tip.province_unknown")),
                    *self._next(turn, after=step),
                ]
        elif step == "place":
            draft["place"] = text
            province = _entities(turn, text).get("province")
            if province and not draft.get("province"):
                draft["province"] = province[:64]  # "chợ Cốc Lếu" settles the province
        elif step == "when":
            draft["when"] = text
        elif step == "people":
            draft["people_text"] = text
            draft["people_at_risk"] = _people(text)
        elif step == "child":
            answer = _child_answer(text)
            if answer is None:
                return self._ask(turn, step)
            draft["child"] = answer
            return self._after_child(turn)
        elif step == "country":
            country = _entities(turn, text).get("country")
            if country:
                draft["destination_country"] = country[:64]
            elif _yes_no(text) is False:
                draft["destination_country"] = None
            else:
                draft["country_text"] = text
        elif step == "recruited":
            draft["recruiter"] = text
            ents = _entities(turn, text)
            if ents.get("platform"):
                draft["platform"] = ents["platform"][:200]
            if ents.get("tactic") in {t.value for t in Tactic} and not draft.get("tactic"):
                draft["tactic"] = ents["tactic"]
        elif step == "photos":
            # Text while photos are awaited: keep it as more information, then move on.
            draft["what"] = ((draft.get("what") or "") + "\n" + text).strip()[:MAX_FIELD]
        elif step == "victim":
            victim = _yes_no(text)
            if victim is None:
                return self._ask(turn, step)
            draft["reporter_is_victim"] = victim
            return self._after_victim(turn)
        return self._next(turn, after=step)

    def _after_child(self, turn: Turn) -> list[Reply]:
        draft = turn.flow_state(NAME)["draft"]
        replies = []
        if draft.get("child") in ("yes", "unsure"):
            replies.append(Reply(turn.t("tip.child_note")))
        return replies + self._next(turn, after="child")

    def _after_victim(self, turn: Turn) -> list[Reply]:
        draft = turn.flow_state(NAME)["draft"]
        replies = []
        if draft.get("reporter_is_victim"):
            replies.append(Reply(turn.t("tip.victim_rights")))
        return replies + self._next(turn, after="victim")

    def _photos(self, turn: Turn, photos: tuple[bytes, ...]) -> list[Reply]:
        flow = turn.flow_state(NAME)
        ref = flow["draft"]["draft_ref"]
        replies: list[Reply] = []
        for raw in photos:
            count = service.count_draft_photos(turn.session, ref)
            if count >= MAX_PHOTOS:
                replies.append(Reply(turn.t("tip.photo.too_many", max=MAX_PHOTOS)))
                break
            try:
                clean = sanitize(raw)
            except PhotoError as exc:
                replies.append(Reply(turn.t(f"tip.photo.{exc.reason}")))
                continue
            flow["photos"] = service.add_draft_photo(
                turn.session, turn.rt.hotline.cipher, ref, clean
            )
            replies.append(Reply(turn.t("tip.photo.saved", count=flow["photos"], max=MAX_PHOTOS)))
        return replies

    # --- summary, send, cancel ------------------------------------------------------------

    def _summary(self, turn: Turn) -> list[Reply]:
        flow = turn.flow_state(NAME)
        flow["phase"], flow["step"] = "summary", "summary"
        draft = flow["draft"]
        none = turn.t("tip.summary.none")

        def short(value: object) -> str:
            text = str(value).strip() if value not in (None, "") else none
            return text if len(text) <= 300 else text[:300] + "…"

        child = draft.get("child")
        victim = draft.get("reporter_is_victim")
        lines = {
            "what": short(draft.get("what")),
            "province": short(draft.get("province") or draft.get("province_text")),
            "place": short(draft.get("place")),
            "when": short(draft.get("when")),
            "people": short(draft.get("people_text")),
            "child": turn.t(f"tip.summary.child_{child}") if child else none,
            "country": short(draft.get("destination_country") or draft.get("country_text")),
            "recruited": short(draft.get("recruiter") or draft.get("platform")),
            "photos": str(flow.get("photos", 0)),
            "victim": none
            if victim is None
            else turn.t("tip.buttons.answer_yes" if victim else "tip.buttons.answer_no"),
        }
        body = "\n".join(f"• {turn.t(f'tip.fields.{k}')}: {v}" for k, v in lines.items())
        return [
            Reply(
                turn.t("tip.summary.title") + "\n\n" + body + "\n\n" + turn.t("tip.summary.ask"),
                [
                    Button(turn.t("tip.buttons.send"), "tip:send"),
                    Button(turn.t("tip.buttons.edit"), "tip:edit"),
                    Button(turn.t("tip.buttons.cancel"), "tip:cancel"),
                ],
            )
        ]

    def _cancel(self, turn: Turn) -> list[Reply]:
        draft = turn.flow_state(NAME).get("draft") or {}
        if isinstance(draft.get("draft_ref"), str):
            service.discard_draft(turn.session, draft["draft_ref"])
        turn.clear_flow(NAME)
        return [Reply(turn.t("tip.cancelled"), turn.rt.engine.menu_buttons(turn))]

    def _send(self, turn: Turn) -> list[Reply]:
        """One transaction: the tip, its photos, and the draft's removal from the state."""
        flow = turn.flow_state(NAME)
        try:
            draft = TipDraft.model_validate(flow["draft"])
        except ValidationError:
            return [Reply(turn.t("tip.invalid")), *self._summary(turn)]
        if not any((draft.what, draft.place, draft.recruiter, draft.province_text)):
            return [Reply(turn.t("tip.empty")), *self._ask(turn, "what")]
        rt = turn.rt.hotline
        per_user = rt.tip_limits.limiter("tips_per_user")
        if not per_user.allow(rt.pseudonyms.derive("tip-rate", turn.key)):
            return [Reply(turn.t("tip.rate_limited"), turn.rt.engine.menu_buttons(turn))]
        # A repeat of recent content is stored and flagged too: the answer must not reveal
        # whether a text was already reported.
        tip, code = service.submit_tip(turn.session, rt, draft)
        self._unlink(turn)
        if code is not None:
            record_tip(str(tip.urgency))
        replies: list[Reply] = []
        if tip.urgency == Urgency.CRISIS:
            key = "safety.numbers.abroad" if flow.get("abroad") else "tip.crisis_call_now"
            replies.append(Reply(turn.t(key)))
        if code is None:
            replies.append(Reply(turn.t("tip.already_sent")))
            return replies
        replies.append(Reply(turn.t("tip.received", code=code)))
        replies.append(
            Reply(turn.t("tip.follow_up_howto", code=code), turn.rt.engine.menu_buttons(turn))
        )
        return replies

    def _unlink(self, turn: Turn) -> None:
        # Nothing may link this conversation to the tip: drop the draft and the whole state row.
        turn.clear_flow(NAME)
        turn.forget = True
