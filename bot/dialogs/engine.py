"""The channel-agnostic conversation engine: commands, NLU routing, interrupts, fallbacks."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from bot.dialogs.awareness import answer_question, library
from bot.dialogs.safety import PENDING, RESCUE_THRESHOLD, SafetyNet
from bot.dialogs.text import clean_text, is_question, parse_command
from bot.dialogs.types import CONFIDENCE_THRESHOLD, Button, Dialog, Incoming, Reply, Turn
from hotline.content.faq import ASKED_COVERAGE, STATEMENT_COVERAGE
from hotline.content.redflags import critical_flags, scan_text
from hotline.content.service import intent_topics
from nlu.crisis import Crisis, CrisisKind, looks_harmless
from nlu.language import could_be_english, guess_language
from nlu.normalize import fold

log = logging.getLogger(__name__)

SMALL_TALK = {"greet", "goodbye", "thanks", "affirm", "deny"}
# Meanings never offered in a "did you mean" unless they are the likeliest.
UNLIKELY_CHOICES = {"unsubscribe", "delete_history", "change_language"}
# Intents whose dialog a plain question should not start before the FAQ has answered it.
#: An emergency reading at least this likely (or the first) puts the numbers above "did you mean".
DANGER_READING = 0.25
QUESTION_FIRST = {"report_tip", "menu", "subscribe", "take_quiz"}
# What makes a question about an offer concrete enough to check: money, or someone recruiting.
_OFFER_DETAIL = re.compile(
    r"\b\d[\d.,]* ?(?:tr|trieu|cu|k|nghin|ngan|usd|do|\$|yen|man|te|won|dollars?)\b|\$ ?\d"
    r"|\b(?:tuyen|ru|hua|moi (?:em|toi|minh|di|sang|lam)|offered me|recruit\w*|hiring)\b"
)
# "đăng ký" for something other than our news: a marriage, blood donation, a motorbike...
_OTHER_SIGN_UP = re.compile(
    r"\b(?:dang ky|register|sign up)(?: \w+){0,3} (?:ket hon|hien|mau|xe|hoc|thi|tam tru"
    r"|thuong tru|khai sinh|ho khau|kinh doanh|sim|tai khoan|visa|ho chieu|bao hiem|tiem|bhyt"
    r"|marriage|blood|donor|motorbike|bike|car|sim|bank|visa|passport|course|class)\b"
    r"|\b(?:hien mau|hien tang|ket hon|khai sinh|tam tru|blood donation|organ donor)\b"
)
# Campaign buttons send e.g. "/hoc piece-id c:12" so clicks and quiz answers are attributed.
CAMPAIGN_MARKER = re.compile(r"(?:^|\s)c:(\d{1,9})\s*$")


class DialogEngine:
    """Routes each incoming message to the right dialog and returns the replies."""

    def __init__(self, dialogs: Sequence[Dialog], menu: Dialog, emergency: Dialog) -> None:
        self.menu = menu
        self.emergency = emergency
        self.safety = SafetyNet()
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
        if payload is not None and payload.startswith("safety:"):
            return replies + self._safety_button(turn, payload)
        # Crisis words wait one turn for the "send as an urgent tip" button, no longer.
        turn.state.pop(PENDING, None)

        command = parse_command(raw) if raw.startswith("/") else None
        if command is not None:
            replies += self._command(turn, *command)
            return replies

        active = self.dialogs.get(str(turn.state.get("flow", "")))
        if payload is not None:
            # A button of a dialog that is no longer active (old message) falls back to the menu.
            result = active.handle(turn, incoming) if active else None
            if result is None and payload == "tip:send":
                # "Gửi" pressed again after the answer was lost (a crash between storing the tip
                # and replying): the tip was kept once; say so rather than "not understood".
                result = [Reply(turn.t("tip.send_again"), self.menu_buttons(turn))]
            replies += result if result is not None else self._fallback(turn)
            return replies

        if text:
            self._follow_language(turn, text)
            turn.nlu = turn.rt.parse(text)
            crisis = self.safety.check(
                turn,
                text,
                in_form=_is_form(active),
                describing_offer=active is not None and active.name == "offer_check",
            )
            if crisis is not None:
                turn.crisis = crisis
                return replies + self._crisis(turn, crisis, text, active, incoming)
        if active is not None:
            result = active.handle(turn, incoming)
            if result is not None:
                return replies + result
        replies += self._route_intent(turn)
        return replies

    def _crisis(
        self,
        turn: Turn,
        crisis: Crisis,
        text: str,
        active: Dialog | None,
        incoming: Incoming,
    ) -> list[Reply]:
        """The crisis answer first; a form waits, a dialog that sends free text keeps it."""
        # A tip's story keeps danger in its words; a wish to die is no story: the form waits.
        keeps = (
            active is not None
            and crisis.kind != CrisisKind.SUICIDE
            and _call(active, "keeps_crisis_text", turn) is True
        )
        kept = (active.handle(turn, incoming) or []) if keeps and active is not None else []
        paused = active if _is_form(active) and not keeps else None
        replies = self.safety.answer(turn, crisis, text, paused=paused)
        if kept:
            # The dialog took the words (a tip's story, a reply to the hotline): its next step.
            return replies + kept
        if paused is None and is_question(text) and crisis.kind != CrisisKind.SUICIDE:
            # "trả tiền chuộc rồi có chắc được thả không?": numbers first, then the answer, when
            # one fits well (after "không ai hiểu" an article on adoption only hurts).
            flow = turn.state.get("flow")
            answer = answer_question(turn, text, strict=True)
            turn.state["flow"] = flow  # the answer's buttons still work; the flow is unchanged
            if flow is None:
                turn.state.pop("flow", None)
            replies += answer or []
        return replies

    def _safety_button(self, turn: Turn, payload: str) -> list[Reply]:
        """ "Send what I wrote as an urgent tip" or "back to where I was" after a crisis answer."""
        typed = self.safety.pending_text(turn)
        abroad = self.safety.pending_abroad(turn)
        turn.state.pop(PENDING, None)
        if payload == "safety:tip":
            tip = self.dialogs["tip"]
            turn.state["flow"] = tip.name
            result = _call(tip, "take_urgent", turn, typed, abroad)
            return result if isinstance(result, list) else tip.start(turn, "urgent")
        active = self.dialogs.get(str(turn.state.get("flow", "")))
        if payload == "safety:resume" and active is not None:
            title = turn.t("safety.resumed", form=self.safety._form_name(turn, active.name))
            again = _call(active, "resume", turn)
            return [Reply(title), *(again if isinstance(again, list) else active.start(turn, ""))]
        return [Reply(turn.t("safety.nothing_to_resume"), self.menu_buttons(turn))]

    @staticmethod
    def _follow_language(turn: Turn, text: str) -> None:
        """Answer in the language the person writes, unless they chose one with /ngonngu."""
        if turn.state.get("lang_chosen"):
            return
        guess = guess_language(text)
        if guess is not None and guess in turn.rt.catalog.languages and guess != turn.lang:
            turn.state["lang"] = guess

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
        from hotline.campaigns.results import record_click

        campaign_id = int(match.group(1))
        record_click(turn.session, campaign_id, command.lstrip("/"))
        turn.state["campaign_ref"] = str(campaign_id)
        return arg[: match.start()].strip()

    def _route_intent(self, turn: Turn) -> list[Reply]:
        if turn.nlu is None:
            return self._fallback(turn)
        intent = turn.nlu["intent"]
        name, conf = intent["name"], float(intent["confidence"])
        text = str(turn.nlu.get("text") or "")
        if name == "need_rescue" and looks_harmless(text):
            # The rules saw no danger and the words say joke, pet or ordinary day ("deadline dí
            # chết mất, cứu tôi với 😂", "con mèo đi lạc"): no alarm, the topic gently.
            return [Reply(turn.t("core.out_of_scope"), self.menu_buttons(turn))]
        if name == "subscribe" and _OTHER_SIGN_UP.search(fold(text.lower())):
            # "hiến máu thì đăng ký ở đâu": registering for something else, not for our news.
            name = "out_of_scope"
        if name == "need_rescue" and conf < RESCUE_THRESHOLD:
            # The safety net's rules saw no danger; a lukewarm classifier ("bị nhốt trong nhà
            # vì mưa") asks rather than sounding the alarm: Emergency is the first choice.
            conf = min(conf, CONFIDENCE_THRESHOLD - 0.01)
        if name == "out_of_scope" or conf < CONFIDENCE_THRESHOLD:
            # Before "not my topic" or "did you mean": a question the FAQ answers. Unsure of the
            # intent, a question gets the FAQ's own best match rather than a menu of intents;
            # anything else only a confident one ("mất ví ở bến xe" is no FAQ question).
            # A lost wallet or a cat is no FAQ question, however close the missing-person entry.
            lenient = (
                conf < CONFIDENCE_THRESHOLD
                and (is_question(text) or name != "out_of_scope")
                and not looks_harmless(text)
            )
            asked = is_question(text)
            answer = answer_question(
                turn,
                text,
                strict=not lenient,
                # Unsure, and no question asked: only an entry that covers most of the words.
                min_coverage=(ASKED_COVERAGE if asked else STATEMENT_COVERAGE) if lenient else None,
            )
            if answer is not None:
                return answer
            if self._critical_offer(turn, text):
                # "nhóm tuyển mẹ bầu đẻ thuê 400tr": never "not my topic"; the check says HIGH.
                offer = self.by_intent["check_offer"]
                turn.state["flow"] = offer.name
                return offer.start(turn, text)
        elif (
            is_question(text)
            and (name in QUESTION_FIRST or name == "check_offer")
            and not (name == "check_offer" and self._critical_offer(turn, text))
        ):
            # "thấy nhóm môi giới thận thì báo ai?" asks who to tell: answer, then offer the form.
            # A general question about offers ("làm sao biết job online là lừa đảo?") holds
            # nothing to check: the FAQ's best match answers it, the check is one button away.
            # An offer asked about ("cty bắt đóng 8000 usd trước có bình thường ko?") gets a
            # confident answer first; a critical sign (organ, passport kept) goes to the check.
            details = name == "check_offer" and self._offer_details(turn, text)
            answer = answer_question(
                turn, text, strict=name != "check_offer" or details, topics=intent_topics(name)
            )
            if answer is not None:
                form = self.by_intent[name]
                answer[-1].buttons.insert(
                    0, Button(turn.t(f"menu.buttons.{form.name}"), form.commands[0])
                )
                return answer
        if name == "out_of_scope" and (conf >= CONFIDENCE_THRESHOLD or looks_harmless(text)):
            # Unsure, but most likely off topic and about a phone or a pet: no "did you mean".
            return [Reply(turn.t("core.out_of_scope"), self.menu_buttons(turn))]
        if conf < CONFIDENCE_THRESHOLD:
            return self._clarify(turn)
        if name in SMALL_TALK:
            reply = turn.t(f"core.smalltalk.{name}")
            if turn.lang != "en" and not turn.state.get("lang_chosen") and could_be_english(text):
                # "hello" or "thanks, bye" could be either language: say it in both.
                catalog = turn.rt.catalog
                reply += "\n\n" + catalog.t("en", f"core.smalltalk.{name}")
                reply += " " + catalog.t("en", "core.write_in_english")
            return [Reply(reply, self.menu_buttons(turn))]
        dialog = self.by_intent.get(name)
        if dialog is None:
            return self._fallback(turn)
        if dialog is not self.emergency:
            turn.state["flow"] = dialog.name
        return dialog.start(turn, "")

    @staticmethod
    def _critical_offer(turn: Turn, text: str) -> bool:
        """Whether the text shows a critical red flag of an offer (organ sale, paid surrogacy)."""
        rules = library(turn).offer_rules
        return rules is not None and bool(critical_flags(rules, scan_text(rules, text)))

    @staticmethod
    def _offer_details(turn: Turn, text: str) -> bool:
        """Whether the text describes an offer: a red flag, a sum of money or a recruiter."""
        rules = library(turn).offer_rules
        if rules is not None and scan_text(rules, text):
            return True
        return bool(_OFFER_DETAIL.search(fold(text.lower())))

    def _clarify(self, turn: Turn) -> list[Reply]:
        """Offer the 2–3 likeliest meanings as buttons instead of a wrong confident answer."""
        assert turn.nlu is not None
        buttons: list[Button] = []
        danger = False
        for rank, cand in enumerate(turn.nlu.get("intent_ranking", [])[:5]):
            dialog = self.by_intent.get(cand.get("name", ""))
            if dialog is None or not dialog.commands or cand.get("confidence", 0) < 0.08:
                continue
            if rank > 0 and cand.get("name") in UNLIKELY_CHOICES:
                continue  # "unsubscribe" offered to someone on a bridge helps nobody
            if dialog is self.emergency and looks_harmless(str(turn.nlu.get("text") or "")):
                continue  # a game or a crush: no emergency button to press by mistake
            if dialog is self.emergency:
                # The numbers come with the question only when danger is a real reading: the
                # first choice, or not a distant one ("trồng rau muống" is not).
                danger = danger or rank == 0 or cand.get("confidence", 0) >= DANGER_READING
            b = Button(turn.t(f"menu.buttons.{dialog.name}"), dialog.commands[0])
            if b not in buttons:
                buttons.append(b)
            if len(buttons) == 3:
                break
        if not buttons:
            return self._fallback(turn)
        buttons.append(Button(turn.t("menu.buttons.menu"), "/menu"))
        text = turn.t("core.clarify")
        if danger and not looks_harmless(str(turn.nlu.get("text") or "")):
            # Unsure, but danger is one of the readings: the numbers come with the question
            # (not for a film, a novel's heroine or a storm: that banner is a false alarm).
            text = turn.t("core.clarify_danger") + "\n\n" + text
        return [Reply(text, buttons)]

    def _fallback(self, turn: Turn) -> list[Reply]:
        return [Reply(turn.t("core.not_understood"), self.menu_buttons(turn))]

    def menu_buttons(self, turn: Turn) -> list[Button]:
        """The main menu's buttons."""
        start = getattr(self.menu, "buttons", None)
        return list(start(turn)) if callable(start) else []


def _is_form(dialog: Dialog | None) -> bool:
    """A dialog collecting answers step by step (it can ask its current question again)."""
    return dialog is not None and callable(getattr(dialog, "resume", None))


def _call(dialog: Dialog, method: str, *args: Any) -> Any:
    """Call an optional dialog hook; None when the dialog does not have it."""
    hook = getattr(dialog, method, None)
    return hook(*args) if callable(hook) else None
