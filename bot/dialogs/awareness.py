"""Awareness (`/hoc`): topics -> pieces -> parts, and the best piece for a free-text question.

```
/hoc ──> topics ──hoc:topic:T──> pieces of T ──hoc:piece:ID:0──> part 1 ──More──> part 2 ...
  │                                                                   last part: related pieces,
  │                                                                   /baotin, /kiemtra, topics
free text (ask_tactics | ask_victim_rights | ask_law | ask_hotline)
  ──> FAQ answer (the fact first) [📖 Read more ──hoc:piece:ID:PART] [next best ──hoc:faq:ID]
  ──> two answers really close: "which one?" [hoc:faq:A] [hoc:faq:B]
  ──> no FAQ answers well enough: best piece, part 1
/hoc hotlines | /hoc <piece id> | /hoc <topic> ──> that piece / topic
```

`answer_question` is also what the engine calls for free text no dialog took (strict=True for
out-of-scope or unsure intents, so small talk is not answered with a random FAQ).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.dialogs.types import CONFIDENCE_THRESHOLD, Button, Incoming, Reply, Turn
from hotline.content.contacts import HOME, directory_at, format_contacts
from hotline.content.faq import FaqEntry, decide, looks_english, on_topic, reply_lang
from hotline.content.service import Library, PieceView, intent_topics
from nlu.entities import extract
from nlu.normalize import fold

INTENTS = ("ask_tactics", "ask_victim_rights", "ask_law", "ask_hotline")
ALIASES = {"hotlines": "hotline-numbers", "hotline": "hotline-numbers"}
MAX_BUTTON = 60


def library(turn: Turn) -> Library:
    """The cached published library (reloaded when the content revision changes)."""
    return turn.rt.hotline.content.get(turn.session)


def short(title: str, limit: int = MAX_BUTTON) -> str:
    """A title that fits on a button."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def answer_question(
    turn: Turn,
    text: str,
    *,
    strict: bool,
    min_coverage: float | None = None,
    topics: Sequence[str] = (),
) -> list[Reply] | None:
    """The FAQ answer to a question (fact first, then buttons), or None if none fits well.

    strict=True answers only a confident match. The reply is in the question's language when
    that is clear (an English question gets the English answer even if the user chose vi).
    """
    missions = mission_answer(turn, text)
    if missions is not None:
        return missions
    lib = library(turn)
    hits = on_topic(lib.faq_index.search(text, k=5), topics)
    decision = decide(hits, strict=strict, min_coverage=min_coverage)
    if decision.best is None:
        return None
    # The buttons below are this dialog's: the engine hands them back here.
    turn.state["flow"] = AwarenessDialog.name
    lang = reply_lang(text, decision.best, turn.lang)
    if decision.action == "clarify" and decision.other is not None:
        # Two answers as close as this: both short answers rather than "which one?", so the
        # fact is on screen either way ("tổng đài ... bao nhiêu": 111, and abroad +84 ...), and
        # "được hỗ trợ gì và hàng xóm có biết không?" gets both of its answers.
        return [
            faq_reply(turn, lib, decision.best.entry, lang),
            faq_reply(turn, lib, decision.other.entry, lang),
        ]
    other = decision.other.entry if decision.other is not None else None
    return [faq_reply(turn, lib, decision.best.entry, lang, other)]


# "số đại sứ quán VN ở Campuchia", "vietnamese embassy in cambodia phone number?"
_MISSION_WORDS = re.compile(
    r"\b(?:dai su quan|dai su|dsq|lanh su quan|lanh su|tong lanh su|su quan|co quan dai dien"
    r"|embass(?:y|ies)|consulates?|consul)\b"
)


# "I'm from the Philippines, where is my embassy in Vietnam?": that country's mission here,
# which the directory does not hold (it lists Viet Nam's missions abroad).
_THEIR_OWN = re.compile(
    r"\b(?:i'?m from|i am from|we are from|my (?:country'?s )?embassy|in viet ?nam|o viet nam"
    r"|tai viet nam|o vn|tai vn|tai ha noi|o ha noi|in ha ?noi)\b"
)


def mission_answer(turn: Turn, text: str) -> list[Reply] | None:
    """Viet Nam's embassy and consulates in the country asked about, from the directory."""
    folded = fold(text.lower())
    if not _MISSION_WORDS.search(folded) or _THEIR_OWN.search(folded):
        return None
    entities = (
        (turn.nlu or {}).get("entities") if turn.nlu and turn.nlu.get("text") == text else None
    )
    if not isinstance(entities, list):
        entities = extract(text)
    directory = directory_at(turn.rt.settings.content_dir)
    for ent in entities:
        value = str(ent.get("value"))
        if ent.get("entity") != "country" or value == HOME:
            continue
        country = directory.canonical_country(value)
        found = [c for c in directory.missions(country) if c.reachable] if country else []
        lang = "en" if looks_english(text) else turn.lang
        name = value
        if country is not None:
            name = directory.countries[country].get("en", country) if lang == "en" else country
        # No checked number for that country: say so, and give the hotline that works there.
        key = "awareness.missions" if found else "awareness.missions_unknown"
        lines = format_contacts(found + directory.citizen_protection(), lang)
        title = _t(turn, lang, key).format(country=name)
        buttons = [
            Button(_t(turn, lang, "safety.buttons.numbers"), "/hoc hotlines"),
            Button(_t(turn, lang, "menu.buttons.menu"), "/menu"),
        ]
        return [Reply(title + "\n" + lines, buttons)]
    return None


def _t(turn: Turn, lang: str, key: str) -> str:
    return turn.rt.catalog.t(lang, key)


def _faq_button(entry: FaqEntry, lang: str) -> Button:
    return Button(short("❓ " + entry.title_in(lang)), f"hoc:faq:{entry.faq_id}:{lang}")


def faq_reply(
    turn: Turn, lib: Library, entry: FaqEntry, lang: str, other: FaqEntry | None = None
) -> Reply:
    """One FAQ answer: the short answer, then Read more, the next best question, the menu."""
    buttons: list[Button] = []
    if entry.piece and lib.piece(entry.piece, lang) is not None:
        more = f"hoc:piece:{entry.piece}:{entry.part}"
        buttons.append(Button(_t(turn, lang, "awareness.faq_more"), more))
    if other is not None:
        buttons.append(_faq_button(other, lang))
    buttons.append(Button(_t(turn, lang, "menu.buttons.menu"), "/menu"))
    return Reply(entry.answer_in(lang), buttons)


class AwarenessDialog:
    """`/hoc` and the awareness intents."""

    name = "awareness"
    commands = ("/hoc", "/learn")
    intents = INTENTS

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Topics, a given piece/topic, or the best piece for the question just asked."""
        lib = library(turn)
        arg = arg.strip().lower()
        if arg:
            piece_id = ALIASES.get(arg, arg)
            if lib.piece(piece_id, turn.lang) is not None:
                return self._part(turn, lib, piece_id, 0)
            if arg in lib.topics():
                return self._topic(turn, lib, arg)
        nlu = turn.nlu or {}
        intent = (nlu.get("intent") or {}).get("name")
        if intent in INTENTS:
            return self._answer(turn, lib, nlu)
        return self._topics(turn, lib)

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Buttons of this dialog; awareness questions typed while browsing."""
        lib = library(turn)
        payload = incoming.payload or ""
        if payload.startswith("hoc:"):
            parts = payload.split(":")
            if parts[1] == "topics":
                return self._topics(turn, lib)
            if parts[1] == "topic" and len(parts) == 3:
                return self._topic(turn, lib, parts[2])
            if parts[1] == "piece" and len(parts) == 4 and parts[3].isdigit():
                return self._part(turn, lib, parts[2], int(parts[3]))
            if parts[1] == "faq" and len(parts) in (3, 4):
                return self._faq(turn, lib, parts[2], parts[3] if len(parts) == 4 else turn.lang)
            return None
        nlu = turn.nlu or {}
        intent = nlu.get("intent") or {}
        if (
            incoming.text
            and intent.get("name") in INTENTS
            and intent.get("confidence", 0) >= CONFIDENCE_THRESHOLD
        ):
            return self._answer(turn, lib, nlu)
        return None

    def _topics(self, turn: Turn, lib: Library) -> list[Reply]:
        turn.flow_state(self.name).clear()
        buttons = [Button(self._topic_name(turn, t), f"hoc:topic:{t}") for t in lib.topics()]
        buttons.append(Button(turn.t("menu.buttons.menu"), "/menu"))
        return [Reply(turn.t("awareness.topics_title"), buttons)]

    def _topic_name(self, turn: Turn, topic: str) -> str:
        key = f"awareness.topics.{topic}"
        return turn.t(key) if turn.rt.catalog.has(key) else topic

    def _topic(self, turn: Turn, lib: Library, topic: str) -> list[Reply]:
        pieces = lib.pieces_in_topic(topic, turn.lang)
        if not pieces:
            return self._topics(turn, lib)
        turn.flow_state(self.name)["topic"] = topic
        buttons = [Button(short(p.title), f"hoc:piece:{p.piece_id}:0") for p in pieces]
        buttons.append(Button(turn.t("awareness.buttons.topics"), "hoc:topics"))
        return [
            Reply(turn.t("awareness.topic_pieces", topic=self._topic_name(turn, topic)), buttons)
        ]

    def _faq(self, turn: Turn, lib: Library, faq_id: str, lang: str) -> list[Reply]:
        entry = lib.faq_entry(faq_id)
        if entry is None:
            return self._topics(turn, lib)
        lang = lang if lang in turn.rt.catalog.languages else turn.lang
        return [faq_reply(turn, lib, entry, lang)]

    def _answer(self, turn: Turn, lib: Library, nlu: dict[str, object]) -> list[Reply]:
        intent = nlu.get("intent") or {}
        name = str(intent.get("name")) if isinstance(intent, dict) else ""
        answer = answer_question(
            turn, str(nlu.get("text") or ""), strict=False, topics=intent_topics(name)
        )
        if answer is not None:
            return answer
        entities = nlu.get("entities") or []
        piece = lib.best_piece(
            str(nlu.get("text") or ""),
            str(intent.get("name")) if isinstance(intent, dict) else None,
            list(entities) if isinstance(entities, list) else [],
            turn.lang,
        )
        if piece is None:
            return [Reply(turn.t("awareness.not_found")), *self._topics(turn, lib)]
        return [Reply(turn.t("awareness.answer_intro")), *self._part(turn, lib, piece.piece_id, 0)]

    def _part(self, turn: Turn, lib: Library, piece_id: str, index: int) -> list[Reply]:
        piece = lib.piece(piece_id, turn.lang)
        if piece is None:
            return self._topics(turn, lib)
        index = max(0, min(index, len(piece.parts) - 1))
        state = turn.flow_state(self.name)
        state.update({"piece": piece.piece_id, "part": index})
        text = turn.t(
            "awareness.piece_text",
            title=piece.title,
            text=piece.parts[index],
            part=index + 1,
            total=len(piece.parts),
        )
        if index + 1 < len(piece.parts):
            return [
                Reply(
                    text,
                    [
                        Button(turn.t("awareness.more"), f"hoc:piece:{piece.piece_id}:{index + 1}"),
                        Button(turn.t("awareness.buttons.topics"), "hoc:topics"),
                    ],
                )
            ]
        return [Reply(text), Reply(turn.t("awareness.end"), self._end_buttons(turn, lib, piece))]

    def _end_buttons(self, turn: Turn, lib: Library, piece: PieceView) -> list[Button]:
        buttons: list[Button] = []
        for rel in piece.related[:3]:
            view = lib.piece(rel, turn.lang)
            if view is not None:
                buttons.append(Button(short("📖 " + view.title), f"hoc:piece:{rel}:0"))
        buttons += [
            Button(turn.t("awareness.buttons.report"), "/baotin"),
            Button(turn.t("awareness.buttons.check_offer"), "/kiemtra"),
            Button(turn.t("awareness.buttons.topics"), "hoc:topics"),
        ]
        return buttons
