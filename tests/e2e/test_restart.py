"""A conversation's state survives a real server restart (kill -9 of `canhgiac serve`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.fault]

ROOT = Path(__file__).resolve().parents[2]


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def test_state_survives_kill_and_restart(
    tmp_path: Path, keys: dict[str, str], nlu_model_dir: Path, nlu_engine
) -> None:
    db = tmp_path / "restart.db"
    env = {
        **os.environ,
        "CANHGIAC_DATABASE_URL": f"sqlite:///{db}",
        "CANHGIAC_SECRET_KEY": keys["secret"],
        "CANHGIAC_DATA_KEY": keys["data"],
        "CANHGIAC_NLU_MODEL_DIR": str(nlu_model_dir),
        "CANHGIAC_COOKIE_SECURE": "false",
    }
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}/webchat/messages"
    proc = start_server(env, port)
    try:
        httpx.post(url, json={"session_id": "restart-session-1", "payload": "/start"}, timeout=10)
        r = httpx.post(
            url, json={"session_id": "restart-session-1", "payload": "/ngonngu en"}, timeout=10
        )
        assert "English" in r.json()["messages"][0]["text"]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    proc = start_server(env, port)
    try:
        r = httpx.post(
            url, json={"session_id": "restart-session-1", "payload": "/menu"}, timeout=10
        )
        assert r.json()["messages"][0]["text"].startswith("What would you like")
    finally:
        proc.terminate()
        proc.wait(10)
