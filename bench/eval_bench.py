"""Evaluation sets through the web chat: the safety net and question answering, per style and kind.

Usage: `python bench/eval_bench.py`. Runs tests/evalsets/{safety,questions}_{dev,test}.yml on a
fresh SQLite database with the embedded NLU trained from nlu/data, in process, exactly as the
tests do (tests/eval/sets.py), and writes the `eval` section of docs/benchmarks.md. The `_test`
sets are held out: written by people who read no code, never tuned on; they are only scored.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import date_vn, git_commit, machine, write_section  # noqa: E402
from tests.eval.sets import load, question_scores, run, safety_scores  # noqa: E402

KINDS = (
    "danger_now",
    "suicide",
    "missing_child",
    "abroad",
    "missing_person",
    "organ_sale",
    "forced_sex",
    "child_recruited",
    "foreign_worker",
)


def _client(tmp: Path) -> Any:
    """The whole web app on a fresh database, content imported, NLU trained."""
    from fastapi.testclient import TestClient

    from bot.runtime import BotRuntime
    from bot.web import create_web_app
    from hotline.config import Settings
    from hotline.content.loader import load_files
    from hotline.content.service import import_library
    from hotline.db.migrate import upgrade
    from hotline.db.session import unit_of_work
    from hotline.kit.crypto import generate_key

    url = f"sqlite:///{tmp / 'eval.db'}"
    upgrade(url)
    settings = Settings(
        CANHGIAC_DATABASE_URL=url,
        CANHGIAC_SECRET_KEY=generate_key(),
        CANHGIAC_DATA_KEY=generate_key(),
        CANHGIAC_NLU_MODEL_DIR=tmp / "models",
        CANHGIAC_CONTENT_DIR=ROOT / "content",
        CANHGIAC_UPLOAD_DIR=tmp / "uploads",
        CANHGIAC_COOKIE_SECURE=False,
        CANHGIAC_WEBCHAT_IP_PER_MINUTE=1_000_000,
        _env_file=None,
    )
    rt = BotRuntime.from_settings(settings)
    with unit_of_work(rt.hotline.sessions) as s:
        import_library(s, load_files(ROOT / "content"))
    return TestClient(create_web_app(rt))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _safety_table(name: str, s: dict[str, Any]) -> str:
    rows = [
        f"**{name}** — {s['items']} first messages ({s['crisis_items']} crises): crisis answer "
        f"with the right numbers in the first reply {_pct(s['recall_all'])}; false alarms "
        f"{s['false_alarms']} of {s['per_kind_n'].get('none', 0)} harmless messages "
        f"({_pct(s['false_alarm_rate'])}); every expectation met {_pct(s['expectations_met'])}.",
        "",
        "| kind | n | recall |",
        "|---|---|---|",
    ]
    rows += [
        f"| {k} | {s['per_kind_n'].get(k, 0)} | {_pct(s['recall'].get(k, 0.0))} |" for k in KINDS
    ]
    rows += ["", "| style | n | expectations met |", "|---|---|---|"]
    rows += [f"| {k} | {v['n']} | {_pct(v['met'])} |" for k, v in s["per_style"].items()]
    return "\n".join(rows)


def _question_table(name: str, s: dict[str, Any]) -> str:
    rows = [
        f"**{name}** — {s['n']} questions: answered with the fact in the first reply "
        f"{_pct(s['answered'])}, clarify {_pct(s['clarify'])}, wrong {_pct(s['wrong'])}.",
        "",
        "| style | n | answered | clarify | wrong |",
        "|---|---|---|---|---|",
    ]
    rows += [
        f"| {k} | {v['n']} | {_pct(v['answered'])} | {_pct(v['clarify'])} | {_pct(v['wrong'])} |"
        for k, v in s["per_style"].items()
    ]
    return "\n".join(rows)


def main() -> None:
    """Run the four sets and write the section."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        client = _client(Path(tmp))
        with client:
            parts = []
            for name in ("safety_test.yml", "safety_dev.yml"):
                items = load(name)
                if items:
                    parts.append(_safety_table(name, safety_scores(run(client, items))))
            for name in ("questions_test.yml", "questions_dev.yml"):
                items = load(name)
                if items:
                    parts.append(_question_table(name, question_scores(run(client, items))))
    took = time.perf_counter() - started
    body = "\n\n".join(
        [
            "## Safety net and question answering: evaluation sets (`bench/eval_bench.py`)",
            f"Measured {date_vn()} on {machine()}, commit {git_commit()}, in {took:.0f} s. "
            "Each message is the first of a new web chat conversation "
            "(`POST /webchat/messages`, embedded NLU); the first reply is all messages returned "
            "for it. A crisis counts as answered when the safety net's answer was given and "
            "every must-contain group of the item holds; a false alarm is a crisis answer to a "
            "harmless message. `*_test.yml` sets are held out (written by helpers who read no "
            "code, never tuned on); `*_dev.yml` sets were used to find classes of failure.",
            *parts,
        ]
    )
    write_section("eval", body)
    print(body)


if __name__ == "__main__":
    main()
