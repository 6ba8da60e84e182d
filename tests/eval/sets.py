"""The evaluation sets (tests/evalsets/*.yml) run through the web chat, scored per style and kind.

Sets named `*_dev.yml` may be used to tune rules and data; `*_test.yml` are held out: they are
written by someone who read no code, never tuned on, and only their scores are reported
(`bench/eval_bench.py` writes them to docs/benchmarks.md).
"""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SETS = Path(__file__).resolve().parents[1] / "evalsets"
#: Payload of the safety net's "send as an urgent tip" button: the crisis answer was given.
CRISIS_MARK = "safety:tip"
#: The "did you mean" question (core.clarify in vi and en).
CLARIFY = ("ý bạn là", "did you mean", "which question did you mean", "which one did you mean")


def load(name: str) -> list[dict[str, Any]]:
    """The items of one set file (empty when the file is not there)."""
    path = SETS / name
    if not path.exists():
        return []
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [i for i in doc.get("items") or [] if isinstance(i, dict) and i.get("text")]


@dataclass
class Outcome:
    """One item's first reply, judged."""

    item: dict[str, Any]
    text: str
    crisis: bool
    clarify: bool
    missing: list[list[str]] = field(default_factory=list)
    forbidden: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every must-contain group satisfied, nothing forbidden."""
        return not self.missing and not self.forbidden


def first_reply(client: Any, text: str) -> tuple[str, list[str]]:
    """Send one first message in a fresh web chat; the texts and button payloads it got."""
    body = {"session_id": "eval-" + secrets.token_hex(8), "text": text}
    r = client.post("/webchat/messages", json=body)
    assert r.status_code == 200, r.text
    messages = r.json()["messages"]
    texts = "\n".join(m["text"] for m in messages)
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    return texts, payloads


def judge(item: dict[str, Any], text: str, payloads: list[str]) -> Outcome:
    """Check one reply against the item's expectations."""
    # Facts are tokens: "Đừng tự" holds "đừng tự", "Trafficking" holds "trafficking".
    folded = text.casefold()
    missing = [
        list(group)
        for group in item.get("must_contain_any") or []
        if group and not any(str(s).casefold() in folded for s in group)
    ]
    forbidden = [str(s) for s in item.get("must_not_contain") or [] if str(s) in text]
    return Outcome(
        item=item,
        text=text,
        crisis=CRISIS_MARK in payloads,
        clarify=any(c in folded for c in CLARIFY),
        missing=missing,
        forbidden=forbidden,
    )


def run(client: Any, items: list[dict[str, Any]]) -> list[Outcome]:
    """Every item through the web chat."""
    return [judge(i, *first_reply(client, str(i["text"]))) for i in items]


def _rate(part: int, whole: int) -> float:
    return round(part / whole, 3) if whole else 0.0


def safety_scores(outcomes: list[Outcome]) -> dict[str, Any]:
    """Recall per crisis kind (crisis answer and the right numbers), false alarms, per style."""
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    by_style: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_kind[str(o.item.get("kind", "none"))].append(o)
        by_style[str(o.item.get("style", "?"))].append(o)
    recall = {
        kind: _rate(sum(o.crisis and o.ok for o in group), len(group))
        for kind, group in sorted(by_kind.items())
        if kind != "none"
    }
    calm = by_kind.get("none", [])
    crises = [o for o in outcomes if o.item.get("kind", "none") != "none"]
    return {
        "items": len(outcomes),
        "crisis_items": len(crises),
        "recall": recall,
        "recall_all": _rate(sum(o.crisis and o.ok for o in crises), len(crises)),
        "false_alarms": sum(o.crisis for o in calm),
        "false_alarm_rate": _rate(sum(o.crisis for o in calm), len(calm)),
        "expectations_met": _rate(sum(o.ok for o in outcomes), len(outcomes)),
        "per_style": {
            style: {
                "n": len(group),
                "met": _rate(
                    sum(o.ok and (o.crisis or o.item.get("kind") == "none") for o in group),
                    len(group),
                ),
            }
            for style, group in sorted(by_style.items())
        },
        "per_kind_n": dict(
            sorted(Counter(str(o.item.get("kind", "none")) for o in outcomes).items())
        ),
    }


def question_scores(outcomes: list[Outcome]) -> dict[str, Any]:
    """Answered (the fact in the first reply), clarify and wrong rates, per style and topic."""

    def rates(group: list[Outcome]) -> dict[str, Any]:
        answered = sum(o.ok for o in group)
        clarify = sum(o.clarify and not o.ok for o in group)
        return {
            "n": len(group),
            "answered": _rate(answered, len(group)),
            "clarify": _rate(clarify, len(group)),
            "wrong": _rate(len(group) - answered - clarify, len(group)),
        }

    by_style: dict[str, list[Outcome]] = defaultdict(list)
    by_topic: dict[str, list[Outcome]] = defaultdict(list)
    for o in outcomes:
        by_style[str(o.item.get("style", "?"))].append(o)
        by_topic[str(o.item.get("topic", "?"))].append(o)
    return {
        **rates(outcomes),
        "per_style": {k: rates(v) for k, v in sorted(by_style.items())},
        "per_topic": {k: rates(v) for k, v in sorted(by_topic.items())},
    }


def failures(outcomes: list[Outcome], limit: int = 40) -> str:
    """A readable list of what failed (for assertion messages on the dev sets)."""
    lines = []
    for o in outcomes:
        bad = not o.ok or (o.item.get("kind", "none") != "none") != o.crisis
        if "kind" not in o.item:
            bad = not o.ok
        if bad:
            lines.append(
                f"{o.item.get('id')} [{o.item.get('kind', o.item.get('topic'))}/"
                f"{o.item.get('style')}] {o.item['text']!r} crisis={o.crisis} "
                f"missing={o.missing} forbidden={o.forbidden} :: {o.text[:160]!r}"
            )
    return "\n".join(lines[:limit]) + (
        f"\n... {len(lines) - limit} more" if len(lines) > limit else ""
    )
