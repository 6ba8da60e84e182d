"""A tip draft survives `kill -9` of the server; the user continues and the tip is stored once."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from hotline.db.session import make_engine
from tests.conftest import free_port
from tests.e2e.test_restart import ROOT, start_server

pytestmark = [pytest.mark.slow, pytest.mark.fault]


def test_draft_survives_kill_and_submits_once(
    tmp_path: Path, keys: dict[str, str], nlu_model_dir: Path, nlu_engine
) -> None:
    db = tmp_path / "crash.db"
    env = {
        **os.environ,
        "CANHGIAC_DATABASE_URL": f"sqlite:///{db}",
        "CANHGIAC_SECRET_KEY": keys["secret"],
        "CANHGIAC_DATA_KEY": keys["data"],
        "CANHGIAC_NLU_MODEL_DIR": str(nlu_model_dir),
        "CANHGIAC_COOKIE_SECURE": "false",
    }
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], cwd=ROOT, env=env, check=True
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/webchat/messages"
    sid = "crash-session-tip-1"

    def say(**body: str) -> list[dict]:
        r = httpx.post(url, json={"session_id": sid, **body}, timeout=20)
        assert r.status_code == 200, r.text
        return r.json()["messages"]

    proc = start_server(env, port)
    try:
        say(text="/baotin")
        say(text="Có kẻ lạ dụ người trong xóm sang Myanmar làm việc, hứa 900 USD một tháng")
        say(text="Nghe An")
        say(text="gần chợ xã")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    proc = start_server(env, port)
    try:
        out = say(text="/baotin")
        assert "tip:resume" in [b["payload"] for m in out for b in m["buttons"]]
        say(payload="tip:resume")
        buttons: list[str] = []
        for _ in range(12):
            out = say(payload="tip:skip")
            buttons = [b["payload"] for m in out for b in m["buttons"]]
            if "tip:send" in buttons:
                break
        assert "tip:send" in buttons
        summary = "\n".join(m["text"] for m in out)
        assert "Nghệ An" in summary and "gần chợ xã" in summary
        sent = "\n".join(m["text"] for m in say(payload="tip:send"))
        assert re.search(r"[A-Z0-9]{4}(-[A-Z0-9]{4}){3}", sent)
        say(payload="tip:send")
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()

    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM tips")).scalar() == 1
    engine.dispose()
