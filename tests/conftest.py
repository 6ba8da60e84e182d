"""Shared fixtures: keys, a migrated database (SQLite or PostgreSQL), runtimes, servers."""

from __future__ import annotations

import os
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from hotline.config import Settings
from hotline.db.base import Base
from hotline.db.migrate import upgrade
from hotline.db.session import make_engine
from hotline.kit.crypto import generate_key

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get(
    "CANHGIAC_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)

try:  # the fake Bot API server fixture, for every channel test
    from tests.fixtures.fake_botapi import fake_botapi  # noqa: F401
    from tests.fixtures.fake_zalo_oa import fake_zalo_oa  # noqa: F401
except ImportError:  # pragma: no cover - only while the fixture module is being written
    pass


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("CANHGIAC_TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database backend for tests that use one",
    )


#: What makes a test slow; each `slow` test carries one (`-m browser`, `-m "slow and not rasa"`).
SLOW_KINDS = ("browser", "rasa", "fault", "processes")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test touching the database is marked `db`, so `-m db --db postgresql` reruns them.
    for item in items:
        if "db_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.db)
    bare = [
        item.nodeid
        for item in items
        if item.get_closest_marker("slow")
        and not any(item.get_closest_marker(kind) for kind in SLOW_KINDS)
    ]
    if bare:
        raise pytest.UsageError(f"slow tests must say why ({', '.join(SLOW_KINDS)}): {bare}")


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database for this test session (own PostgreSQL database per run)."""
    backend = request.config.getoption("--db")
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    name = f"cg_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name},
        )
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def keys() -> dict[str, str]:
    """Fresh secret and data keys for the session."""
    return {"secret": generate_key(), "data": generate_key()}


@pytest.fixture(scope="session")
def nlu_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the session's embedded NLU model lives (trained on first use)."""
    return tmp_path_factory.mktemp("nlu-model")


@pytest.fixture
def settings(db_url: str, keys: dict[str, str], nlu_model_dir: Path, tmp_path: Path) -> Settings:
    """Settings for one test: real database, fresh uploads dir, no external services."""
    return Settings(
        CANHGIAC_DATABASE_URL=db_url,
        CANHGIAC_SECRET_KEY=keys["secret"],
        CANHGIAC_DATA_KEY=keys["data"],
        CANHGIAC_NLU_MODEL_DIR=nlu_model_dir,
        CANHGIAC_CONTENT_DIR=ROOT / "content",
        CANHGIAC_UPLOAD_DIR=tmp_path / "uploads",
        CANHGIAC_COOKIE_SECURE=False,
        _env_file=None,
    )


def _truncate(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


@pytest.fixture(scope="session")
def nlu_engine(nlu_model_dir: Path):  # type: ignore[no-untyped-def]
    """The embedded NLU engine (loaded once)."""
    from nlu.engine import load_engine

    return load_engine(nlu_model_dir, None)


@pytest.fixture
def hotline_rt(settings: Settings, db_url: str):  # type: ignore[no-untyped-def]
    """The back-office runtime on a clean database."""
    from hotline.runtime import HotlineRuntime

    rt = HotlineRuntime.from_settings(settings)
    yield rt
    rt.close()
    _truncate(db_url)


@pytest.fixture
def bot_rt(hotline_rt, nlu_engine, request):  # type: ignore[no-untyped-def]
    """A bot runtime sharing the test database (its quiz draws seeded by the test's name)."""
    from bot.runtime import BotRuntime

    rt = BotRuntime.build(hotline_rt, nlu_engine)
    rt.rng.seed(request.node.nodeid)
    return rt


@pytest.fixture
def client(bot_rt):  # type: ignore[no-untyped-def]
    """An HTTP client for the whole web app (in-process ASGI)."""
    from fastapi.testclient import TestClient

    from bot.web import create_web_app

    with TestClient(create_web_app(bot_rt)) as c:
        yield c


class LiveServer:
    """uvicorn serving the web app in a background thread on a free port."""

    def __init__(self, app, port: int) -> None:  # type: ignore[no-untyped-def]
        import uvicorn

        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("live server did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def live_server(bot_rt):  # type: ignore[no-untyped-def]
    """The web app on a real port (browser tests, channel tests)."""
    from bot.web import create_web_app

    server = LiveServer(create_web_app(bot_rt), free_port()).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    """Headless Debian Chromium driven by Playwright (no browser download).

    Module-scoped: Playwright's sync API keeps an event loop running in the main thread while
    it is open, which would break every later test that calls asyncio.run().
    """
    pw_mod = pytest.importorskip("playwright.sync_api")
    chromium_path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(chromium_path).exists():
        pytest.fail(f"Chromium not found at {chromium_path}: run `make test` (installs it)")
    with pw_mod.sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=chromium_path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context and page (Vietnamese locale, Asia/Ho_Chi_Minh)."""
    ctx = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    pg = ctx.new_page()
    yield pg
    ctx.close()
