"""Per-style accuracy of an `nlu eval --errors` run on the held-out set.

    canhgiac nlu eval nlu/tests/test_nlu.yml --engine embedded --errors \
        | python -m nlu.tests.styles [nlu/tests/test_nlu.yml]

A held-out example's style: English (as `nlu.language` guesses it), Vietnamese in teencode
(a chat abbreviation such as "ko", "dc", "mk"), Vietnamese without marks, Vietnamese with
marks, or "unsure" (too short for the language guess: "ok", "sure thing").
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from nlu.dataset import TEST_FILE, load_examples
from nlu.language import EN, guess_language
from nlu.normalize import TEENCODE, fold, tokens

STYLES = ("vi_marks", "vi_bare", "teencode", "en", "unsure")
# Listed in TEENCODE but also plain words or English: not a sign of teencode on their own.
_NOT_TEENCODE = frozenset(
    ["a", "ad", "gi", "thanks", "thank", "okay", "oke", "okie", "oki", "uh", "um", "inbox", "hông"]
)
_TEENCODE = frozenset(TEENCODE) - _NOT_TEENCODE


def style_of(text: str) -> str:
    """The typing style of one message."""
    lang = guess_language(text)
    if lang == EN:
        return "en"
    if lang is None:
        return "unsure"
    if any(tok in _TEENCODE for tok in tokens(text.lower())):
        return "teencode"
    return "vi_bare" if fold(text) == text else "vi_marks"


def per_style(metrics: dict[str, object], path: Path = TEST_FILE) -> dict[str, dict[str, float]]:
    """Accuracy and count per style, from an eval's metrics (with its "errors" list)."""
    errors = metrics.get("errors")
    if not isinstance(errors, list):
        raise ValueError("the metrics have no 'errors' list: run eval with --errors")
    wrong = Counter(str(e["text"]) for e in errors)
    total: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    for ex in load_examples(path):
        style = style_of(ex.text)
        total[style] += 1
        if wrong[ex.text] > 0:
            wrong[ex.text] -= 1
            bad[style] += 1
    return {
        s: {"n": total[s], "accuracy": round(1 - bad[s] / total[s], 4)} for s in STYLES if total[s]
    }


def main() -> int:
    """Read eval JSON on stdin, print the per-style table as JSON."""
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else TEST_FILE
    metrics = json.load(sys.stdin)
    print(json.dumps(per_style(metrics, path), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
