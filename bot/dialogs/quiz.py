"""Quiz (`/quiz`): 5 questions a round, explanation after each, a score, anonymous results.

```
/quiz ──> topics (quiz:topic:<t> | quiz:topic:mixed) ──> Q1 ──quiz:a:<qid>:<i>──> ✅/❌ + why, Q2
  ... Q5 ──> score ──(first round only)──> province? (typed, or quiz:prov:-) ──> age band?
  (quiz:age:<band> | quiz:age:-) ──> thanks, "new round" / "learn more"
```
Each answer is stored at once as an anonymous row (no pseudonym); the province and age band,
when given, are attached to the round's rows and reused for later rounds of this chat.
"""

from __future__ import annotations

import secrets
from typing import Any

from bot.dialogs.awareness import library
from bot.dialogs.types import CONFIDENCE_THRESHOLD, Button, Incoming, Reply, Turn
from hotline.content.service import Library
from hotline.quiz import service as quiz_results
from hotline.quiz.service import AGE_BANDS

ROUND_SIZE = 5
GOOD_SCORE = 4
PROFILE = "quiz_profile"


# Answers typed instead of tapped: a letter or the choice's number.
_TYPED_CHOICES = {k: i for i, keys in enumerate(("a1", "b2", "c3", "d4", "e5")) for k in keys}


def _pick(texts: Any, lang: str) -> str:
    if isinstance(texts, dict):
        return str(texts.get(lang) or texts.get("vi") or "")
    return str(texts or "")


class QuizDialog:
    """`/quiz` and the `take_quiz` intent."""

    name = "quiz"
    commands = ("/quiz", "/cauhoi")
    intents = ("take_quiz",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Topic choice, or straight into a round when a topic is given."""
        lib = library(turn)
        turn.flow_state(self.name).clear()
        arg = arg.strip().lower()
        if arg == "mixed" or arg in lib.quiz_topics:
            return self._begin(turn, lib, arg)
        buttons = [
            Button(_pick(title, turn.lang), f"quiz:topic:{topic}")
            for topic, title in lib.quiz_topics.items()
        ]
        buttons.append(Button(turn.t("quiz.mixed"), "quiz:topic:mixed"))
        return [Reply(turn.t("quiz.choose_topic"), buttons)]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Answers, the optional province / age band; other messages go to global routing."""
        lib = library(turn)
        state = turn.flow_state(self.name)
        payload = incoming.payload or ""
        parts = payload.split(":")
        if payload.startswith("quiz:topic:") and len(parts) == 3:
            return self._begin(turn, lib, parts[2])
        if payload.startswith("quiz:a:") and len(parts) == 4 and state.get("step") == "question":
            return self._answer(turn, lib, state, parts[2], parts[3])
        if payload.startswith("quiz:prov:") and state.get("step") == "province":
            return self._province(turn, state, None)
        if payload.startswith("quiz:age:") and state.get("step") == "age":
            return self._age(turn, lib, state, parts[2] if len(parts) == 3 else "-")
        if payload:
            return None
        if state.get("step") == "province" and incoming.text:
            return self._typed_province(turn, state, incoming.text)
        if state.get("step") == "question" and incoming.text:
            typed = incoming.text.strip().lower().rstrip(".)")
            if typed in _TYPED_CHOICES:
                # "b" or "2" typed instead of tapping: the choice, not "bye" or a number.
                ids: list[str] = state["questions"]
                qid = ids[int(state["index"])]
                choices = (lib.question(qid) or {}).get("choices") or []
                index = _TYPED_CHOICES[typed]
                if index < len(choices):
                    return self._answer(turn, lib, state, qid, str(index))
            intent = (turn.nlu or {}).get("intent") or {}
            sure = intent.get("confidence", 0) >= CONFIDENCE_THRESHOLD
            if sure and intent.get("name") != "take_quiz":
                return None
            return [Reply(turn.t("quiz.use_buttons")), self._question(turn, lib, state)]
        return None

    def resume(self, turn: Turn) -> list[Reply]:
        """Ask the current question or profile step again (after a crisis answer)."""
        lib = library(turn)
        state = turn.flow_state(self.name)
        step = state.get("step")
        if step == "question" and state.get("questions"):
            return [self._question(turn, lib, state)]
        if step == "province":
            return [
                Reply(turn.t("quiz.ask_province"), [Button(turn.t("quiz.skip"), "quiz:prov:-")])
            ]
        if step == "age":
            return self._province(turn, state, state.get("province"))
        return self.start(turn, "")

    def _begin(self, turn: Turn, lib: Library, topic: str) -> list[Reply]:
        pool = lib.questions(None if topic == "mixed" else topic)
        if not pool:
            return self.start(turn, "")
        chosen = turn.rt.rng.sample(pool, min(ROUND_SIZE, len(pool)))
        state = turn.flow_state(self.name)
        state.clear()
        state.update(
            {
                "step": "question",
                "topic": topic,
                "round": secrets.token_hex(8),
                "questions": [str(q["id"]) for q in chosen],
                "index": 0,
                "score": 0,
                "wrong": [],
            }
        )
        return [self._question(turn, lib, state)]

    def _question(self, turn: Turn, lib: Library, state: dict[str, Any]) -> Reply:
        ids: list[str] = state["questions"]
        index = int(state["index"])
        q = lib.question(ids[index]) or {}
        buttons = [
            Button(_pick(choice, turn.lang), f"quiz:a:{ids[index]}:{i}")
            for i, choice in enumerate(q.get("choices") or [])
        ]
        text = turn.t(
            "quiz.question",
            n=index + 1,
            total=len(ids),
            question=_pick(q.get("question"), turn.lang),
        )
        return Reply(text, buttons)

    def _answer(
        self, turn: Turn, lib: Library, state: dict[str, Any], qid: str, choice: str
    ) -> list[Reply]:
        ids: list[str] = state["questions"]
        index = int(state["index"])
        q = lib.question(qid)
        if ids[index] != qid or q is None or not choice.isdigit():
            # An old button (already answered): show the current question again.
            return [self._question(turn, lib, state)]
        correct = int(choice) == int(q.get("answer", -1))
        profile = turn.state.get(PROFILE) or {}
        quiz_results.record_answer(
            turn.session,
            round_id=str(state["round"]),
            topic=str(q.get("topic") or state["topic"]),
            question_id=qid,
            correct=correct,
            channel=turn.channel,
            campaign_id=turn.state.get("campaign_ref"),
            province=profile.get("province"),
            age_band=profile.get("age_band"),
        )
        choices = q.get("choices") or []
        answer_text = _pick(choices[int(q.get("answer", 0))], turn.lang) if choices else ""
        verdict = turn.t("quiz.correct") if correct else turn.t("quiz.wrong", answer=answer_text)
        replies = [Reply(verdict + "\n\n" + _pick(q.get("explanation"), turn.lang))]
        if correct:
            state["score"] = int(state["score"]) + 1
        else:
            state["wrong"] = [*state.get("wrong", []), qid]
        state["index"] = index + 1
        if index + 1 < len(ids):
            replies.append(self._question(turn, lib, state))
            return replies
        return replies + self._finish(turn, lib, state)

    def _finish(self, turn: Turn, lib: Library, state: dict[str, Any]) -> list[Reply]:
        total = len(state["questions"])
        score = int(state["score"])
        verdict = "quiz.score_good" if score >= min(GOOD_SCORE, total) else "quiz.score_low"
        replies = [Reply(turn.t("quiz.score", score=score, total=total) + "\n" + turn.t(verdict))]
        if not (turn.state.get(PROFILE) or {}).get("asked"):
            state["step"] = "province"
            replies.append(
                Reply(turn.t("quiz.ask_province"), [Button(turn.t("quiz.skip"), "quiz:prov:-")])
            )
            return replies
        replies.append(self._closing(turn, lib, state))
        return replies

    def _typed_province(self, turn: Turn, state: dict[str, Any], text: str) -> list[Reply]:
        entities = (turn.nlu or {}).get("entities") or []
        province = next((str(e["value"]) for e in entities if e.get("entity") == "province"), None)
        if province is None:
            from nlu.entities import extract

            province = next(
                (str(e["value"]) for e in extract(text) if e.get("entity") == "province"), None
            )
        if province is None:
            return [
                Reply(turn.t("quiz.province_unknown"), [Button(turn.t("quiz.skip"), "quiz:prov:-")])
            ]
        return self._province(turn, state, province)

    def _province(self, turn: Turn, state: dict[str, Any], province: str | None) -> list[Reply]:
        state["province"] = province
        state["step"] = "age"
        buttons = [Button(turn.t(f"quiz.age.{band}"), f"quiz:age:{band}") for band in AGE_BANDS]
        buttons.append(Button(turn.t("quiz.skip"), "quiz:age:-"))
        return [Reply(turn.t("quiz.ask_age"), buttons)]

    def _age(self, turn: Turn, lib: Library, state: dict[str, Any], band: str) -> list[Reply]:
        age_band = band if band in AGE_BANDS else None
        province = state.get("province")
        quiz_results.set_profile(turn.session, str(state["round"]), province, age_band)
        turn.state[PROFILE] = {"asked": True, "province": province, "age_band": age_band}
        return [Reply(turn.t("quiz.thanks")), self._closing(turn, lib, state)]

    def _closing(self, turn: Turn, lib: Library, state: dict[str, Any]) -> Reply:
        related = "signs-trafficking-general"
        for qid in state.get("wrong", []):
            rel = (lib.question(qid) or {}).get("related") or []
            if rel:
                related = str(rel[0])
                break
        turn.clear_flow(self.name)
        return Reply(
            turn.t("quiz.what_next"),
            [
                Button(turn.t("quiz.buttons.again"), "/quiz"),
                Button(turn.t("quiz.buttons.learn"), f"/hoc {related}"),
                Button(turn.t("menu.buttons.menu"), "/menu"),
            ],
        )
