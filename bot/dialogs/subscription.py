"""`/dangky` and `/huydangky`: subscribe to campaign messages, or stop at once.

```
/dangky ──> topics (multi-select, sub:t:<topic>, sub:t:done) ──> province? (typed, NLU entity;
  sub:p:- skips) ──> age band? (sub:a:<band> | sub:a:-) ──> language (sub:l:vi|en)
  ──> confirm (sub:ok | sub:no) ──> stored under the pseudonym, address encrypted
/huydangky, /xoa, a 403 from the platform ──> subscription deleted
/dangky NV-XXXXXXXX (a staff link code) ──> this chat receives that staff user's test sends
```
"""

from __future__ import annotations

import logging
from typing import Any

from bot.dialogs.types import Button, Incoming, Reply, Turn
from bot.runtime import BotRuntime
from hotline.campaigns import delivery
from hotline.db.session import unit_of_work
from hotline.subscribers import service as subscribers

log = logging.getLogger(__name__)

NAME = "subscription"
TOPICS = ("tactics", "safe_migration", "online_safety", "rights", "law")
DELIVERABLE = ("telegram", "zalo", "zalo_oa")


class SubscriptionDialog:
    """Choose topics, an optional province and age band, a language; confirm."""

    name = NAME
    commands = ("/dangky", "/subscribe")
    intents = ("subscribe",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Begin the choices (or link a staff test chat when given a code)."""
        if delivery.is_link_code(arg):
            turn.clear_flow(NAME)
            ok = turn.address is not None and delivery.link_test_recipient(
                turn.session,
                turn.rt.hotline.pseudonyms,
                turn.rt.hotline.cipher,
                arg,
                turn.channel,
                turn.address,
            )
            return [Reply(turn.t("subscription.linked" if ok else "subscription.link_invalid"))]
        if turn.channel not in DELIVERABLE or turn.address is None:
            turn.clear_flow(NAME)
            return [
                Reply(
                    turn.t("subscription.web_unsupported"),
                    [Button(turn.t("menu.buttons.menu"), "/menu")],
                )
            ]
        turn.clear_flow(NAME)
        turn.state["flow"] = NAME
        state = turn.flow_state(NAME)
        existing = subscribers.get(turn.session, turn.key)
        state.update(step="topics", topics=list(existing.topics) if existing else [])
        return [self._topics(turn, state)]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """Buttons of each step; a typed province."""
        state = turn.flow_state(NAME)
        step = state.get("step")
        payload = incoming.payload or ""
        if payload.startswith("sub:t:") and step == "topics":
            return self._toggle(turn, state, payload[6:])
        if payload.startswith("sub:p:") and step == "province":
            return self._province(turn, state, None)
        if payload.startswith("sub:a:") and step == "age":
            band = payload[6:]
            state["age_band"] = band if band in subscribers.AGE_BANDS else None
            state["step"] = "language"
            return [self._languages(turn)]
        if payload.startswith("sub:l:") and step == "language":
            lang = payload[6:]
            state["lang"] = lang if lang in subscribers.LANGUAGES else "vi"
            state["step"] = "confirm"
            return [self._confirm(turn, state)]
        if payload == "sub:ok" and step == "confirm":
            return self._save(turn, state)
        if payload == "sub:no":
            turn.clear_flow(NAME)
            return [
                Reply(
                    turn.t("subscription.cancelled"), [Button(turn.t("menu.buttons.menu"), "/menu")]
                )
            ]
        if step == "province" and incoming.text:
            return self._typed_province(turn, state, incoming.text)
        return None

    def resume(self, turn: Turn) -> list[Reply]:
        """Ask the current step again (after a crisis answer paused the form)."""
        state = turn.flow_state(self.name)
        step = state.get("step")
        if step == "province":
            return self._toggle(turn, state, "done")
        if step == "age":
            return self._province(turn, state, state.get("province"))
        if step == "language":
            return [self._languages(turn)]
        if step == "confirm":
            return [self._confirm(turn, state)]
        if step == "topics":
            return [self._topics(turn, state)]
        return self.start(turn, "")

    # ------------------------------------------------------------------ steps

    def _topics(self, turn: Turn, state: dict[str, Any]) -> Reply:
        chosen = set(state.get("topics") or [])
        buttons = [
            Button(
                ("✅ " if t in chosen else "") + turn.t(f"subscription.topics.{t}"), f"sub:t:{t}"
            )
            for t in TOPICS
        ]
        buttons.append(Button(turn.t("subscription.done_button"), "sub:t:done"))
        return Reply(turn.t("subscription.choose_topics"), buttons)

    def _toggle(self, turn: Turn, state: dict[str, Any], topic: str) -> list[Reply]:
        chosen: list[str] = list(state.get("topics") or [])
        if topic == "done":
            if not chosen:
                return [Reply(turn.t("subscription.need_topic")), self._topics(turn, state)]
            state["step"] = "province"
            return [
                Reply(
                    turn.t("subscription.ask_province"),
                    [Button(turn.t("subscription.skip"), "sub:p:-")],
                )
            ]
        if topic in TOPICS:
            if topic in chosen:
                chosen.remove(topic)
            else:
                chosen.append(topic)
        state["topics"] = chosen
        return [self._topics(turn, state)]

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
                Reply(
                    turn.t("subscription.province_unknown"),
                    [Button(turn.t("subscription.skip"), "sub:p:-")],
                )
            ]
        return self._province(turn, state, province)

    def _province(self, turn: Turn, state: dict[str, Any], province: str | None) -> list[Reply]:
        state["province"] = province
        state["step"] = "age"
        buttons = [
            Button(turn.t(f"quiz.age.{band}"), f"sub:a:{band}") for band in subscribers.AGE_BANDS
        ]
        buttons.append(Button(turn.t("subscription.skip"), "sub:a:-"))
        return [Reply(turn.t("subscription.ask_age"), buttons)]

    def _languages(self, turn: Turn) -> Reply:
        return Reply(
            turn.t("subscription.ask_language"),
            [
                Button(turn.t(f"subscription.languages.{lang}"), f"sub:l:{lang}")
                for lang in subscribers.LANGUAGES
            ],
        )

    def _confirm(self, turn: Turn, state: dict[str, Any]) -> Reply:
        none = turn.t("subscription.not_given")
        band = state.get("age_band")
        text = turn.t(
            "subscription.confirm",
            topics=", ".join(turn.t(f"subscription.topics.{t}") for t in state.get("topics", [])),
            province=state.get("province") or none,
            age=turn.t(f"quiz.age.{band}") if band else none,
            language=turn.t(f"subscription.languages.{state.get('lang', 'vi')}"),
        )
        return Reply(
            text,
            [
                Button(turn.t("subscription.confirm_yes"), "sub:ok"),
                Button(turn.t("subscription.confirm_no"), "sub:no"),
            ],
        )

    def _save(self, turn: Turn, state: dict[str, Any]) -> list[Reply]:
        if turn.address is None or turn.channel not in DELIVERABLE:
            turn.clear_flow(NAME)
            return [Reply(turn.t("subscription.web_unsupported"))]
        subscribers.subscribe(
            turn.session,
            turn.rt.hotline.cipher,
            key=turn.key,
            channel=turn.channel,
            address=turn.address,
            topics=[t for t in state.get("topics", []) if t in TOPICS],
            province=state.get("province"),
            age_band=state.get("age_band"),
            lang=str(state.get("lang") or turn.lang),
        )
        turn.clear_flow(NAME)
        log.info("subscribed", extra={"channel": turn.channel})
        return [Reply(turn.t("subscription.done"), [Button(turn.t("menu.buttons.menu"), "/menu")])]


class UnsubscribeDialog:
    """`/huydangky`: delete the subscription at once (no confirmation needed to stop)."""

    name = "unsubscribe"
    commands = ("/huydangky", "/unsubscribe")
    intents = ("unsubscribe",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Delete and say so."""
        turn.clear_flow(NAME)
        turn.state.pop("flow", None)
        removed = subscribers.unsubscribe(turn.session, turn.key)
        key = "subscription.unsubscribed" if removed else "subscription.not_subscribed"
        return [Reply(turn.t(key), [Button(turn.t("menu.buttons.menu"), "/menu")])]

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """No state to continue."""
        return None


def forget_hook(turn: Turn) -> None:
    """`/xoa` also deletes the subscription, in the same transaction."""
    subscribers.unsubscribe(turn.session, turn.key)


def blocked_hook(rt: BotRuntime, channel: str, key: str) -> None:
    """A user who blocked the bot is unsubscribed."""
    with unit_of_work(rt.hotline.sessions) as session:
        subscribers.unsubscribe(session, key)


def install(rt: BotRuntime) -> None:
    """Register the /xoa and blocked-user hooks on a runtime (idempotent)."""
    if forget_hook not in rt.forget_hooks:
        rt.forget_hooks.append(forget_hook)
    if blocked_hook not in rt.blocked_hooks:
        rt.blocked_hooks.append(blocked_hook)
