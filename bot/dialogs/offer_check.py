"""Offer check (`/kiemtra`): scan a described offer for red flags, ask, score, next steps.

```
/kiemtra [text] | intent check_offer ──> (no text yet) "paste or describe the offer"
   text ──> scan keywords + NLU entities ──> critical flag? ──yes──> HIGH at once ─┐
   ──> offer type known? ──no──> kt:type:<id>                                      │
   ──> questions of that type (buttons kt:a:<q>:<option>, skip kt:a:<q>:-, kt:done) │
   ──> verdict + flags explained <─────────────────────────────────────────────────┘
       unknown (< 3 real answers): what to ask the recruiter; medium/high: "/baotin
       offer:<tactic>"; "/hoc <piece>"; questions left: "/kiemtra kt:more" answers them
```
Only flag ids and option ids are kept in the conversation state, never the pasted text.
Scoring is the pure function `hotline.content.redflags.assess`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dialogs.awareness import library
from bot.dialogs.types import CONFIDENCE_THRESHOLD, Button, Incoming, Reply, Turn
from hotline.content.redflags import (
    NOT_SURE,
    Assessment,
    OfferRules,
    Question,
    assess,
    critical_flags,
    guess_offer_type,
    normalise,
    scan_text,
)

FLAGS_PER_MESSAGE = 4
# Questions listed under "not enough information" (the most useful come first in the file).
ASK_LINES = 6
TYPE_TACTIC = {
    "job": "job_offer",
    "marriage": "marriage",
    "adoption": "adoption_surrogacy",
    "travel": "travel_study",
    "study": "travel_study",
}
# Offers that take a person abroad: the first reply also says how to go safely.
SAFE_MIGRATION_TYPES = {"job", "study", "travel"}
SCAM_FLAGS = {"online_scam_work", "dest_cambodia", "dest_myanmar", "dest_laos"}
# "Answer more" after a verdict: a command, because the check has left the conversation flow.
MORE = "kt:more"


def tactic_for(offer_type: str | None, flags: set[str]) -> str:
    """The tactic a tip about this offer is about (for the pre-filled tip)."""
    if "organ_sale" in flags:
        return "organ"
    if flags & {"paid_surrogacy", "baby_payment"}:
        return "adoption_surrogacy"
    if offer_type in (None, "job") and flags & SCAM_FLAGS:
        return "scam_compound"
    return TYPE_TACTIC.get(offer_type or "", "job_offer")


def _first(lang: str, *texts: Mapping[str, str]) -> str:
    """The first of these texts in the user's language, else in Vietnamese."""
    return next((t[lang] for t in texts if t.get(lang)), None) or next(
        (t["vi"] for t in texts if t.get("vi")), ""
    )


class OfferCheckDialog:
    """`/kiemtra` and the `check_offer` intent."""

    name = "offer_check"
    commands = ("/kiemtra", "/check")
    intents = ("check_offer",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Start over; use the text given with the command or the message that triggered it."""
        state = turn.flow_state(self.name)
        if arg.strip() == MORE:
            if state.get("step") == "verdict":
                return self._more(turn, self._rules(turn), state)
            arg = ""
        state.clear()
        nlu = turn.nlu or {}
        text = arg.strip()
        if not text and (nlu.get("intent") or {}).get("name") == "check_offer":
            text = str(nlu.get("text") or "")
        if text:
            return self._describe(turn, text, nlu.get("entities") or [])
        state["step"] = "describe"
        return [Reply(turn.t("offer_check.intro"), [Button(turn.t("menu.buttons.menu"), "/menu")])]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Description, offer type, answers; other intents go back to global routing."""
        state = turn.flow_state(self.name)
        rules = self._rules(turn)
        payload = incoming.payload or ""
        if payload.startswith("kt:"):
            return self._payload(turn, rules, state, payload)
        if payload or not incoming.text:
            return None
        step = state.get("step")
        if step == "describe":
            return self._describe(turn, incoming.text, (turn.nlu or {}).get("entities") or [])
        if step == "question":
            return self._typed_answer(turn, rules, state, incoming.text)
        return None

    def resume(self, turn: Turn) -> list[Reply]:
        """Ask the current step again (after a crisis answer paused the check)."""
        state = turn.flow_state(self.name)
        rules = self._rules(turn)
        step = state.get("step")
        if step == "type":
            return [self._type_question(turn, rules)]
        if step == "question":
            return self._next(turn, rules, state)
        if step == "verdict":
            return self._result(turn, rules, state)
        return self.start(turn, "")

    # --- steps ------------------------------------------------------------------------------

    def _rules(self, turn: Turn) -> OfferRules:
        rules = library(turn).offer_rules
        if rules is None:
            raise RuntimeError("red flags not loaded: content/offers/red_flags.yml")
        return rules

    def _describe(self, turn: Turn, text: str, entities: list[dict[str, Any]]) -> list[Reply]:
        rules = self._rules(turn)
        state = turn.flow_state(self.name)
        found = scan_text(rules, text)
        if turn.nlu is None:
            # `/kiemtra <text>` is a command: the NLU did not run on the text.
            from nlu.entities import extract

            entities = extract(text)
        tactic = next((str(e["value"]) for e in entities if e.get("entity") == "tactic"), None)
        countries = [str(e["value"]) for e in entities if e.get("entity") == "country"]
        extra = sorted({rules.destinations[c] for c in countries if c in rules.destinations})
        state.update(
            {
                "text_flags": sorted(found),
                "extra": extra,
                "country_known": bool(countries),
                "answers": {},
            }
        )
        seen = found | set(extra)
        intro = (
            turn.t("offer_check.found_in_text", count=len(seen))
            + "\n"
            + "\n".join(f"• {self._title(turn, rules, f)}" for f in sorted(seen))
            if seen
            else turn.t("offer_check.nothing_in_text")
        )
        offer_type = guess_offer_type(rules, text, tactic)
        if offer_type in SAFE_MIGRATION_TYPES and (countries or seen):
            # Going abroad for work or study: the two checks that matter most, said at once.
            intro += "\n\n" + turn.t("offer_check.safe_migration")
        if critical_flags(rules, found | set(extra)):
            # Organ sale, a passport held, a child...: the verdict first, questions on request.
            if offer_type is not None:
                state["type"] = offer_type
            return [
                Reply(turn.t("offer_check.critical_in_text")),
                *self._result(turn, rules, state),
            ]
        if offer_type is None:
            state["step"] = "type"
            return [Reply(intro), self._type_question(turn, rules)]
        return [Reply(intro), *self._begin(turn, rules, state, offer_type)]

    @staticmethod
    def _title(turn: Turn, rules: OfferRules, flag_id: str) -> str:
        """A red flag's title in the user's language (the first reply names what was seen)."""
        flag = rules.flags.get(flag_id)
        if flag is None:
            return flag_id
        return flag.title.get(turn.lang) or flag.title.get("vi", flag_id)

    def _type_question(self, turn: Turn, rules: OfferRules) -> Reply:
        buttons = [
            Button(str(t.get(turn.lang) or t.get("vi")), f"kt:type:{t['id']}")
            for t in rules.offer_types
        ]
        return Reply(turn.t("offer_check.choose_type"), buttons)

    def _begin(
        self, turn: Turn, rules: OfferRules, state: dict[str, Any], offer_type: str
    ) -> list[Reply]:
        queue = [
            q.id
            for q in rules.questions_for(offer_type)
            if not (q.id == "destination" and state.get("country_known"))
        ]
        state.update({"type": offer_type, "queue": queue, "index": 0, "step": "question"})
        return self._next(turn, rules, state)

    def _next(self, turn: Turn, rules: OfferRules, state: dict[str, Any]) -> list[Reply]:
        queue: list[str] = state.get("queue", [])
        index = int(state.get("index", 0))
        if index >= len(queue):
            return self._result(turn, rules, state)
        q = rules.question(queue[index])
        if q is None:
            state["index"] = index + 1
            return self._next(turn, rules, state)
        buttons = [
            Button(str(o.label.get(turn.lang) or o.label.get("vi")), f"kt:a:{q.id}:{o.id}")
            for o in q.options
        ]
        buttons += [
            Button(turn.t("offer_check.skip"), f"kt:a:{q.id}:-"),
            Button(turn.t("offer_check.finish_now"), "kt:done"),
        ]
        text = turn.t(
            "offer_check.question",
            n=index + 1,
            total=len(queue),
            ask=q.ask.get(turn.lang) or q.ask.get("vi", ""),
        )
        return [Reply(text, buttons)]

    def _payload(
        self, turn: Turn, rules: OfferRules, state: dict[str, Any], payload: str
    ) -> list[Reply] | None:
        parts = payload.split(":")
        if parts[1] == "type" and len(parts) == 3 and state.get("step") == "type":
            if parts[2] not in {str(t.get("id")) for t in rules.offer_types}:
                return [self._type_question(turn, rules)]
            return self._begin(turn, rules, state, parts[2])
        if state.get("step") != "question":
            return None
        if parts[1] == "done":
            return self._result(turn, rules, state)
        if parts[1] == "a" and len(parts) == 4:
            queue: list[str] = state.get("queue", [])
            index = int(state.get("index", 0))
            if index >= len(queue) or queue[index] != parts[2]:
                # A button of an earlier question: ask the current one again.
                return self._next(turn, rules, state)
            q = rules.question(parts[2])
            option = None if parts[3] == "-" or q is None else q.option(parts[3])
            state.setdefault("answers", {})[parts[2]] = option.id if option else None
            state["index"] = index + 1
            return self._next(turn, rules, state)
        return None

    def _typed_answer(
        self, turn: Turn, rules: OfferRules, state: dict[str, Any], text: str
    ) -> list[Reply] | None:
        queue: list[str] = state.get("queue", [])
        index = int(state.get("index", 0))
        q = rules.question(queue[index]) if index < len(queue) else None
        if q is not None:
            typed = normalise(text)
            for i, o in enumerate(q.options, 1):
                label = normalise(str(o.label.get(turn.lang) or o.label.get("vi")))
                if typed in {str(i), label}:
                    return self._payload(turn, rules, state, f"kt:a:{q.id}:{o.id}")
        intent = (turn.nlu or {}).get("intent") or {}
        if intent.get("confidence", 0) >= CONFIDENCE_THRESHOLD and intent.get("name") not in {
            "check_offer",
            "affirm",
            "deny",
            "out_of_scope",
        }:
            return None
        # Typed details: keep any new red flag, then ask the same question again.
        before = set(state.get("text_flags", []))
        found = before | scan_text(rules, text)
        state["text_flags"] = sorted(found)
        extra = set(state.get("extra", []))
        if set(critical_flags(rules, found | extra)) - set(critical_flags(rules, before | extra)):
            return [
                Reply(turn.t("offer_check.critical_in_text")),
                *self._result(turn, rules, state),
            ]
        return [Reply(turn.t("offer_check.pick_button")), *self._next(turn, rules, state)]

    def _open_questions(self, rules: OfferRules, state: dict[str, Any]) -> list[Question]:
        """Questions of this offer type still without a real answer (skipped or "not sure")."""
        offer_type = state.get("type")
        if offer_type is None:
            return []
        answers: dict[str, str | None] = state.get("answers", {})
        return [
            q
            for q in rules.questions_for(offer_type)
            if answers.get(q.id) in (None, NOT_SURE)
            and not (q.id == "destination" and state.get("country_known"))
        ]

    def _more(self, turn: Turn, rules: OfferRules, state: dict[str, Any]) -> list[Reply]:
        """After a verdict: ask the questions still open (the offer type first if unknown)."""
        if state.get("type") is None:
            state["step"] = "type"
            return [self._type_question(turn, rules)]
        queue = [q.id for q in self._open_questions(rules, state)]
        if not queue:
            return self._result(turn, rules, state)
        state.update({"queue": queue, "index": 0, "step": "question"})
        return self._next(turn, rules, state)

    def _result(self, turn: Turn, rules: OfferRules, state: dict[str, Any]) -> list[Reply]:
        result: Assessment = assess(
            rules, state.get("text_flags", []), state.get("answers", {}), state.get("extra", [])
        )
        offer_type = state.get("type")
        open_questions = self._open_questions(rules, state)
        more: list[Button] = []
        if open_questions or offer_type is None:
            # Keep the answers so "Answer more" can go on, but leave the flow: what is typed
            # next is a new message for the whole bot (safety net, intents), not an answer.
            state["step"] = "verdict"
            if turn.state.get("flow") == self.name:
                turn.state.pop("flow")
            more = [Button(turn.t("offer_check.buttons.continue"), f"{self.commands[0]} {MORE}")]
        else:
            turn.clear_flow(self.name)
        lang = turn.lang
        head = (
            turn.t(f"offer_check.level.{result.level}")
            + "\n\n"
            + turn.t(f"offer_check.level_explain.{result.level}", answered=result.answered)
        )
        if result.level == "unknown":
            head += "\n" + "\n".join(
                turn.t("offer_check.ask_line", ask=_first(lang, q.check, q.ask))
                for q in open_questions[:ASK_LINES]
            )
        replies = [Reply(head)]
        lines = [
            turn.t(
                "offer_check.flag_line",
                title=f.title.get(lang) or f.title.get("vi", ""),
                explain=f.explain.get(lang) or f.explain.get("vi", ""),
            )
            for f in result.flags
        ]
        for start in range(0, len(lines), FLAGS_PER_MESSAGE):
            chunk = lines[start : start + FLAGS_PER_MESSAGE]
            head = turn.t("offer_check.flags_title") + "\n\n" if start == 0 else ""
            replies.append(Reply(head + "\n\n".join(chunk)))
        related = next((r for f in result.flags for r in f.related), "safe-labour-migration")
        learn = Button(turn.t("offer_check.buttons.learn_more"), f"/hoc {related}")
        again = Button(turn.t("offer_check.buttons.check_another"), "/kiemtra")
        menu = Button(turn.t("menu.buttons.menu"), "/menu")
        if result.level in ("low", "unknown"):
            nxt = turn.t(f"offer_check.next_{result.level}")
            replies.append(Reply(nxt, [*more, learn, again, menu]))
            return replies
        tactic = tactic_for(offer_type, {f.id for f in result.flags})
        report = Button(turn.t("offer_check.buttons.report_recruiter"), f"/baotin offer:{tactic}")
        replies.append(Reply(turn.t("offer_check.next_risky"), [report, *more, learn, again, menu]))
        return replies
