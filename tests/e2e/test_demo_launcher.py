"""`canhgiac demo` (what `make demo` runs): server and worker together, Ctrl-C stops both.

The launcher runs as a real process tree against the test database; the worker inside it routes
a new tip and delivers the agency notice to a fake Telegram Bot API, which is what a demo
without the worker silently never did.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select, update

from hotline.agencies import service as agencies
from hotline.agencies.models import Agency
from hotline.casework.models import TipCase
from hotline.db.session import unit_of_work
from tests.conftest import ROOT, free_port
from tests.hotline.factories import make_tip

pytestmark = [pytest.mark.slow, pytest.mark.processes]
CHAT = "-100777"
TOKEN = "123456:demo-token"


def _children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_demo_runs_the_worker_beside_the_server_and_stops_both(  # type: ignore[no-untyped-def]
    hotline_rt, nlu_engine, fake_botapi, db_url, keys, nlu_model_dir, tmp_path
) -> None:
    fake_botapi.register_token(TOKEN)
    with unit_of_work(hotline_rt.sessions) as s:
        agencies.ensure_imported(s, hotline_rt.settings.content_dir)
        s.execute(update(Agency).values(notify=[{"channel": "telegram", "chat_id": CHAT}]))
        tip_id = make_tip(s, hotline_rt.cipher, province="Lào Cai", urgency="high").id
    port = free_port()
    env = {
        **os.environ,
        "CANHGIAC_DATABASE_URL": db_url,
        "CANHGIAC_SECRET_KEY": keys["secret"],
        "CANHGIAC_DATA_KEY": keys["data"],
        "CANHGIAC_NLU_MODEL_DIR": str(nlu_model_dir),
        "CANHGIAC_CONTENT_DIR": str(ROOT / "content"),
        "CANHGIAC_UPLOAD_DIR": str(tmp_path / "uploads"),
        "CANHGIAC_COOKIE_SECURE": "false",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake_botapi.root_url,
    }
    out = tmp_path / "demo.out"
    with out.open("wb") as sink:
        launcher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.cli",
                "demo",
                "--port",
                str(port),
                "--worker-interval",
                "0.5",
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            # Started as a shell starts a background job: SIGINT ignored, which every child
            # would inherit unless the launcher sets its own handler first.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    try:
        deadline = time.monotonic() + 120
        healthy = False
        while time.monotonic() < deadline and not (healthy and fake_botapi.sent_messages(CHAT)):
            assert launcher.poll() is None, out.read_text()
            try:
                healthy = (
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
                )
            except httpx.HTTPError:
                healthy = False
            time.sleep(0.5)
        assert healthy, out.read_text()
        # The worker routed the tip and really delivered the content-free notice.
        texts = fake_botapi.sent_texts(CHAT)
        assert texts and any(f"#{tip_id}" in t for t in texts), (texts, out.read_text())
        with unit_of_work(hotline_rt.sessions) as s:
            case = s.scalar(select(TipCase).where(TipCase.tip_id == tip_id))
            assert case is not None and case.routed_at is not None
        children = _children(launcher.pid)
        assert len(children) == 2, children  # the server and the worker
        shown = out.read_text()
        assert f"http://127.0.0.1:{port}/console" in shown and "Ctrl-C" in shown
        # Ctrl-C on the launcher stops both, and the port is free again.
        launcher.send_signal(signal.SIGINT)
        assert launcher.wait(timeout=30) == 0, out.read_text()
        assert [p for p in children if _alive(p)] == []
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
        # The worker stopped on the signal (it says so), not killed at the end of the grace.
        assert out.read_text().count("Đã dừng / stopped") == 2, out.read_text()
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
