"""Follow-up with a receipt code: status in words, the hotline's questions, answers and photos.

```
/theodoi [CODE] -> (ask code) -> status + hotline messages
  -> ✍️ reply (any text typed under the report is stored; danger also escalates the tip and gets
     the crisis answer) | 📷 photos (any time) | 🔔 notify consent | ✔ done
```
Wrong codes are limited per conversation and per code tag; a wrong code only ever gets
"not found". While a follow-up is open (at most 30 minutes) the encrypted state holds the tip id;
"done", another /theodoi, or the timeout drops it. That state lives off the database while the
follow-up is open (bot.conversation.SIDE_FLOW). Consent to notices gives the person a button
holding a random token; only its keyed hash is stored with the tip.
"""

from __future__ import annotations

import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dialogs.types import Button, Incoming, Reply, Turn
from hotline.casework import service as casework
from hotline.kit.crypto import lookup_tag, normalize_receipt_code
from hotline.tips import service
from hotline.tips.models import MessageDirection, Tip
from hotline.tips.photos import MAX_PHOTOS, PhotoError, sanitize

NAME = "follow_up"
SESSION_SECONDS = 30 * 60
MAX_ATTACHMENTS = 20
#: The argument of the consent button's payload (``/theodoi news:<token>``, under 64 bytes so
#: Telegram carries it in callback_data and nothing about it is kept server side).
NEWS = "news:"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _when(dt: datetime) -> str:
    return dt.astimezone(TZ).strftime("%d/%m/%Y %H:%M")


class FollowUpDialog:
    """`/theodoi CODE` or the `check_tip_status` intent (with a `tip_code` entity)."""

    name = NAME
    commands = ("/theodoi", "/followup", "/status")
    intents = ("check_tip_status",)

    def start(self, turn: Turn, arg: str) -> list[Reply]:
        """Look the code up, or ask for it (and say if a consented report has news)."""
        turn.clear_flow(NAME)
        turn.state["flow"] = NAME
        flow = turn.flow_state(NAME)
        code = arg.strip()
        if not code and turn.nlu is not None:
            for ent in turn.nlu.get("entities", []):
                if ent.get("entity") == "tip_code" and isinstance(ent.get("value"), str):
                    code = ent["value"]
                    break
        if code.startswith(NEWS):
            return self._news(turn, code.removeprefix(NEWS))
        if code:
            return self._lookup(turn, code)
        flow["phase"] = "code"
        return [Reply(turn.t("follow_up.ask_code"), [Button(turn.t("menu.buttons.menu"), "/menu")])]

    def _news(self, turn: Turn, token: str) -> list[Reply]:
        """The consent button: is there news on its tip? (never shows the tip itself)."""
        count = service.news_for_token(turn.session, turn.rt.hotline.pseudonyms, token.strip())
        if not count:
            turn.clear_flow(NAME)
            key = "follow_up.news_gone" if count is None else "follow_up.news_none"
            return [Reply(turn.t(key), turn.rt.engine.menu_buttons(turn))]
        turn.flow_state(NAME)["phase"] = "code"
        menu = [Button(turn.t("menu.buttons.menu"), "/menu")]
        return [Reply(turn.t("follow_up.news", count=count), menu)]

    def _lookup(self, turn: Turn, raw: str) -> list[Reply]:
        rt = turn.rt.hotline
        code = normalize_receipt_code(raw)
        per_user = rt.tip_limits.limiter("codes_per_user")
        # Every attempt counts, so guessing is slow whichever codes are tried.
        if not per_user.allow(rt.pseudonyms.derive("code-rate", turn.key)):
            turn.clear_flow(NAME)
            return [Reply(turn.t("follow_up.rate_limited"), turn.rt.engine.menu_buttons(turn))]
        tip = None
        if code is not None:
            per_tag = rt.tip_limits.limiter("codes_per_tag")
            if not per_tag.allow(lookup_tag(rt.secret_key, code)):
                turn.clear_flow(NAME)
                return [Reply(turn.t("follow_up.rate_limited"), turn.rt.engine.menu_buttons(turn))]
            tip = service.find_by_receipt(turn.session, rt.secret_key, code)
        if tip is None:
            turn.flow_state(NAME)["phase"] = "code"
            return [
                Reply(turn.t("follow_up.not_found"), [Button(turn.t("menu.buttons.menu"), "/menu")])
            ]
        flow = turn.flow_state(NAME)
        flow.update({"phase": "open", "tip": tip.id, "since": int(time.time())})
        return self._show(turn, tip)

    def _tip(self, turn: Turn) -> Tip | None:
        flow = turn.flow_state(NAME)
        tip_id, since = flow.get("tip"), flow.get("since")
        if not isinstance(tip_id, int) or not isinstance(since, int):
            return None
        if time.time() - since > SESSION_SECONDS:
            turn.clear_flow(NAME)
            return None
        return service.get_tip(turn.session, tip_id)

    def _buttons(self, turn: Turn, tip: Tip) -> list[Button]:
        consented = service.has_reply_handle(turn.session, tip)
        return [
            Button(turn.t("follow_up.buttons.reply"), "fu:reply"),
            Button(turn.t("follow_up.buttons.photo"), "fu:photo"),
            Button(
                turn.t("follow_up.buttons.notify_off" if consented else "follow_up.buttons.notify"),
                "fu:notify_off" if consented else "fu:notify",
            ),
            Button(turn.t("follow_up.buttons.done"), "fu:done"),
        ]

    def _show(self, turn: Turn, tip: Tip) -> list[Reply]:
        cipher = turn.rt.hotline.cipher
        status = turn.t(f"follow_up.status.{tip.status}")
        text = turn.t("follow_up.status_line", date=_when(tip.created_at), status=status)
        questions = [
            e
            for e in service.thread(turn.session, cipher, tip)
            if e.direction == MessageDirection.HOTLINE_TO_TIPSTER
        ]
        if questions:
            lines = "\n\n".join(f"🗨️ {_when(q.created_at)}\n{q.text}" for q in questions[-10:])
            text += "\n\n" + turn.t("follow_up.questions") + "\n\n" + lines
        else:
            text += "\n\n" + turn.t("follow_up.no_questions")
        service.mark_read(turn.session, tip, MessageDirection.HOTLINE_TO_TIPSTER)
        return [Reply(text, self._buttons(turn, tip))]

    def resume(self, turn: Turn) -> list[Reply]:
        """Ask for the code again, or show the open report (after a crisis answer)."""
        flow = turn.flow_state(NAME)
        tip = self._tip(turn) if flow.get("phase") in {"open", "reply"} else None
        if tip is not None:
            return self._show(turn, tip)
        return self.start(turn, "")

    def keeps_crisis_text(self, turn: Turn) -> bool:
        """Text under an open report goes to the hotline even when it tells of danger."""
        return turn.flow_state(NAME).get("phase") in {"reply", "open"}

    def handle(self, turn: Turn, incoming: Incoming) -> list[Reply] | None:
        """A typed code, an answer, photos, or a button."""
        flow = turn.flow_state(NAME)
        phase = flow.get("phase")
        payload = incoming.payload or ""
        if phase == "code":
            if payload:
                return None
            if incoming.text:
                return self._lookup(turn, incoming.text)
            return None
        tip = self._tip(turn)
        if tip is None:
            turn.clear_flow(NAME)
            if payload.startswith("fu:") or incoming.photos:
                return [Reply(turn.t("follow_up.expired"), turn.rt.engine.menu_buttons(turn))]
            return None
        replies: list[Reply] = []
        if incoming.photos:
            replies += self._photos(turn, tip, incoming.photos)
            if not incoming.text and not payload:
                return [*replies, Reply(turn.t("follow_up.what_next"), self._buttons(turn, tip))]
        if payload == "fu:reply":
            flow["phase"] = "reply"
            return [
                Reply(
                    turn.t("follow_up.ask_reply"),
                    [Button(turn.t("follow_up.buttons.done"), "fu:done")],
                )
            ]
        if payload == "fu:photo":
            return [
                Reply(
                    turn.t("follow_up.ask_photo", max=MAX_PHOTOS),
                    [Button(turn.t("follow_up.buttons.done"), "fu:done")],
                )
            ]
        if payload == "fu:notify":
            token = service.set_reply_handle(turn.session, turn.rt.hotline.pseudonyms, tip)
            news = Button(turn.t("follow_up.buttons.news"), f"/theodoi {NEWS}{token}")
            return [Reply(turn.t("follow_up.notify_on"), [news, *self._buttons(turn, tip)])]
        if payload == "fu:notify_off":
            service.remove_reply_handle(turn.session, tip)
            turn.session.flush()
            return [Reply(turn.t("follow_up.notify_off"), self._buttons(turn, tip))]
        if payload == "fu:done":
            turn.clear_flow(NAME)
            return [Reply(turn.t("follow_up.done"), turn.rt.engine.menu_buttons(turn))]
        if payload:
            return None
        if phase in {"reply", "open"} and incoming.text:
            # Text under an open report is written to the hotline, whether or not the person
            # pressed "reply" first: losing "họ đánh nó, nó bị nhốt" is the worst outcome.
            rt = turn.rt.hotline
            service.add_tipster_message(turn.session, rt.cipher, tip, incoming.text)
            casework.tipster_wrote(turn.session, rt.settings, tip, incoming.text)
            flow["phase"] = "open"
            return [Reply(turn.t("follow_up.reply_sent"), self._buttons(turn, tip))]
        return replies or None

    def _photos(self, turn: Turn, tip: Tip, photos: tuple[bytes, ...]) -> list[Reply]:
        replies: list[Reply] = []
        for raw in photos[:MAX_PHOTOS]:
            if len(service.attachments(turn.session, tip)) >= MAX_ATTACHMENTS:
                replies.append(Reply(turn.t("tip.photo.too_many", max=MAX_ATTACHMENTS)))
                break
            try:
                clean = sanitize(raw)
            except PhotoError as exc:
                replies.append(Reply(turn.t(f"tip.photo.{exc.reason}")))
                continue
            service.add_attachment(turn.session, turn.rt.hotline.cipher, tip, clean)
            replies.append(Reply(turn.t("follow_up.photo_saved")))
        return replies
