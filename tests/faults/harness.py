"""Real processes for the fault tests: databases, `canhgiac serve` / `worker`, load clients.

Everything binds to 127.0.0.1; every process started here is stopped (SIGTERM, then SIGKILL)
by the context manager that started it, whatever the test's outcome.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text

from hotline.db.migrate import upgrade
from hotline.db.session import make_engine, make_sessionmaker, unit_of_work
from tests.conftest import PG_ADMIN_URL, ROOT, free_port

TG_TOKEN = "424242:FAULTS-telegram_token"
TG_SECRET = "faults-tg-secret-0123456789"
TG_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
CODE = re.compile(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}")
_ids = itertools.count(int(time.time()) % 100_000 * 1000)


# --------------------------------------------------------------------------- databases


@contextlib.contextmanager
def throwaway_pg() -> Iterator[str]:
    """A migrated database on the shared server (127.0.0.1:5432, root, trust), dropped after."""
    name = f"cg_faults_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def pg_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (initdb, pg_ctl)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts[-3])
    return found[-1].parent if found else None


@dataclass
class PrivateCluster:
    """A PostgreSQL cluster of our own in a temp dir: restarting it disturbs nobody."""

    root: Path
    port: int
    bin: Path
    user: str | None  # run as this OS user (initdb refuses root)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/canhgiac"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=60)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "pg.log"),
            "-o",
            opts,
            "-w",
            "-t",
            "30",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", check=False)


@contextlib.contextmanager
def private_cluster(tmp: Path) -> Iterator[PrivateCluster]:
    """initdb + start a private cluster (as user `postgres` when we are root), stop after."""
    binary = pg_bin()
    if binary is None:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        if subprocess.run(["id", "-u", user], capture_output=True).returncode != 0:
            subprocess.run(["useradd", "--system", "--no-create-home", user], check=True)
    # The temp dir must be reachable by that user; a fresh one under /tmp with open parents.
    root = Path(tmp) / "pgcluster"
    tmp_path = Path(tmp)
    for parent in [tmp_path, *tmp_path.parents]:
        if str(parent) in ("/", "/tmp"):
            break
        with contextlib.suppress(PermissionError):
            parent.chmod(parent.stat().st_mode | 0o011)
    cluster = PrivateCluster(root, free_port(), binary, user)
    cluster.init()
    cluster.start()
    try:
        admin = make_engine(
            cluster.url.rsplit("/", 1)[0] + "/postgres",
            isolation_level="AUTOCOMMIT",
            pool_pre_ping=False,
        )
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "canhgiac"'))
        admin.dispose()
        upgrade(cluster.url)
        yield cluster
    finally:
        cluster.stop("immediate")


def give_agencies_telegram(url: str, content_dir: Path) -> dict[str, str]:
    """Import the agencies and give each a Telegram group (the fake): code -> chat id."""
    from hotline.agencies import service as agencies
    from hotline.agencies.models import Agency

    engine = make_engine(url)
    chats: dict[str, str] = {}
    with unit_of_work(make_sessionmaker(engine)) as s:
        agencies.import_agencies(s, content_dir)
        for i, agency in enumerate(s.scalars(select(Agency).order_by(Agency.code))):
            chats[agency.code] = f"-100{9000 + i}"
            agency.notify = [{"channel": "telegram", "chat_id": chats[agency.code]}]
    engine.dispose()
    return chats


# --------------------------------------------------------------------------- processes


def base_env(
    db_url: str, keys: dict[str, str], model_dir: Path, botapi_root: str
) -> dict[str, str]:
    """The environment of every product process in these tests."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CANHGIAC_", "TELEGRAM_", "ZALO_"))
    }
    env.update(
        {
            "CANHGIAC_DATABASE_URL": db_url,
            "CANHGIAC_SECRET_KEY": keys["secret"],
            "CANHGIAC_DATA_KEY": keys["data"],
            "CANHGIAC_NLU_MODEL_DIR": str(model_dir),
            "CANHGIAC_CONTENT_DIR": str(ROOT / "content"),
            "CANHGIAC_COOKIE_SECURE": "false",
            "CANHGIAC_LOG_LEVEL": "INFO",
            "TELEGRAM_BOT_TOKEN": TG_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": TG_SECRET,
            "TELEGRAM_API_BASE_URL": botapi_root,
        }
    )
    return env


@dataclass
class Proc:
    """One `canhgiac` process (serve or worker) with its log file."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> Proc:
        self.starts += 1
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", *self.argv],
                cwd=ROOT,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if wait and self.port is not None:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            if self.popen is not None and self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not healthy after {timeout}s:\n{self.tail()}")

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill9(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def tail(self, n: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(lines[-n:])


@dataclass
class Fleet:
    """API and worker processes against one database; all stopped on exit."""

    env: dict[str, str]
    logs: Path
    procs: list[Proc] = field(default_factory=list)

    def api(self, name: str) -> Proc:
        port = free_port()
        p = Proc(name, ["serve", "--port", str(port)], self.env, self.logs / f"{name}.log", port)
        self.procs.append(p)
        return p

    def worker(self, name: str, interval: float = 0.3) -> Proc:
        p = Proc(name, ["worker", "--interval", str(interval)], self.env, self.logs / f"{name}.log")
        self.procs.append(p)
        return p

    def stop_all(self) -> None:
        for p in self.procs:
            p.stop()


@contextlib.contextmanager
def fleet(env: dict[str, str], logs: Path) -> Iterator[Fleet]:
    f = Fleet(env, logs)
    try:
        yield f
    finally:
        f.stop_all()


# --------------------------------------------------------------------------- citizens


def tg_text(chat: int, body: str) -> dict[str, Any]:
    """A private-chat text update with a fresh update id."""
    uid = next(_ids)
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "T"},
            "text": body,
        },
    }


def tg_press(chat: int, data: str) -> dict[str, Any]:
    """A button press (callback query) with a fresh update id."""
    uid = next(_ids)
    return {
        "update_id": uid,
        "callback_query": {
            "id": f"cq{uid}",
            "from": {"id": chat, "is_bot": False, "first_name": "T"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": "x",
            },
        },
    }


class Citizen:
    """Posts to whichever API process is up, retrying a failed request on the next one.

    A webhook retried after a lost answer is what Telegram itself does (same update id), so
    the retry is part of the scenario, not a test convenience.
    """

    def __init__(self, apis: list[Proc], timeout: float = 20) -> None:
        self.apis = apis
        self.turn = itertools.count()
        self.client = httpx.Client(timeout=timeout)
        self.errors = 0
        self.throttled = 0

    def close(self) -> None:
        self.client.close()

    def post(self, path: str, deadline: float = 90, **kw: Any) -> httpx.Response:
        start = next(self.turn)
        end = time.monotonic() + deadline
        i = 0
        while True:
            api = self.apis[(start + i) % len(self.apis)]
            i += 1
            try:
                r = self.client.post(f"{api.url}{path}", **kw)
                if r.status_code == 429:
                    # The web chat's per-address limit: a real client waits too.
                    self.throttled += 1
                    time.sleep(1)
                    if time.monotonic() > end:
                        raise RuntimeError(f"throttled for good: {path}")
                    continue
                if r.status_code < 500:
                    return r
            except httpx.HTTPError:
                pass
            self.errors += 1
            if time.monotonic() > end:
                raise RuntimeError(f"no API process answered {path}")
            time.sleep(0.1)

    def webchat(self, sid: str, **body: str) -> list[dict[str, Any]]:
        r = self.post("/webchat/messages", json={"session_id": sid, **body})
        assert r.status_code == 200, r.text
        return list(r.json()["messages"])

    def webchat_tip(self, sid: str, marker: str) -> str | None:
        """A whole tip through the web chat; the receipt code if one was shown."""
        self.webchat(sid, text="/baotin")
        out = self.webchat(sid, text=f"Có người dụ lao động sang Campuchia, mã {marker}")
        for _ in range(14):
            if "tip:send" in [b["payload"] for m in out for b in m["buttons"]]:
                break
            out = self.webchat(sid, payload="tip:skip")
        out = self.webchat(sid, payload="tip:send")
        found = CODE.search("\n".join(m["text"] for m in out))
        return found.group(0) if found else None

    def telegram(self, update: dict[str, Any]) -> None:
        r = self.post("/webhooks/telegram", json=update, headers=TG_HEADERS)
        assert r.status_code == 200, r.text

    def telegram_tip(self, fake: Any, chat: int, marker: str) -> str | None:
        """A whole tip through the Telegram webhook; the receipt code the fake received."""
        self.telegram(tg_text(chat, "/baotin"))
        self.telegram(tg_text(chat, f"Có người dụ lao động sang Campuchia, mã {marker}"))
        for _ in range(14):
            sent = fake.sent_messages(chat)
            rows = (
                (sent[-1].params.get("reply_markup") or {}).get("inline_keyboard", [])
                if sent
                else []
            )
            if "tip:send" in [b.get("callback_data") for row in rows for b in row]:
                break
            self.telegram(tg_press(chat, "tip:skip"))
        self.telegram(tg_press(chat, "tip:send"))
        found = CODE.search("\n".join(fake.sent_texts(chat)))
        return found.group(0) if found else None


def tips_by_marker(url: str, keys: dict[str, str]) -> dict[str, list[int]]:
    """Tip ids by the marker written in their text (decrypted with the data key)."""
    from hotline.kit.crypto import Cipher
    from hotline.tips import service
    from hotline.tips.models import Tip

    cipher = Cipher(keys["data"].encode())
    engine = make_engine(url)
    out: dict[str, list[int]] = {}
    with make_sessionmaker(engine)() as s:
        for tip in s.scalars(select(Tip)):
            what = str(service.decrypt_content(cipher, tip).get("what", ""))
            m = re.search(r"mã (\S+)", what)
            out.setdefault(m.group(1) if m else "?", []).append(tip.id)
    engine.dispose()
    return out


def tip_for_code(url: str, keys: dict[str, str], code: str) -> int | None:
    """The id of the tip a receipt code opens, if any."""
    from hotline.tips import service

    engine = make_engine(url)
    with make_sessionmaker(engine)() as s:
        tip = service.find_by_receipt(s, keys["secret"].encode(), code)
        tip_id = tip.id if tip else None
    engine.dispose()
    return tip_id
