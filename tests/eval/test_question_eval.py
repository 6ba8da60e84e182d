"""Question answering on citizens' questions (tests/evalsets/questions_*.yml) through the web chat.

Each question's first reply must hold its fact (a number, a date, an article). The dev set may
be tuned on; the held-out set is scored against floors measured once, never tuned on.
"""

from __future__ import annotations

import pytest

from tests.eval.sets import failures, load, question_scores, run
from tests.eval.test_safety_eval import _report


@pytest.mark.db
def test_questions_dev_set(eval_client) -> None:  # type: ignore[no-untyped-def]
    items = load("questions_dev.yml")
    assert len(items) >= 200
    outcomes = run(eval_client, items)
    scores = question_scores(outcomes)
    _report("questions_dev", scores)
    detail = failures(outcomes, limit=80)
    assert scores["answered"] >= 0.95, f"{scores['answered']}\n{detail}"
    assert scores["clarify"] < 0.05, detail


@pytest.mark.db
def test_questions_held_out_set(eval_client) -> None:  # type: ignore[no-untyped-def]
    """Held out: never tuned on. Floors are the scores first measured (docs/benchmarks.md)."""
    items = load("questions_test.yml")
    assert len(items) >= 300
    scores = question_scores(run(eval_client, items))
    _report("questions_test", scores)
    assert scores["answered"] >= 0.82, scores
    assert scores["clarify"] <= 0.08, scores
