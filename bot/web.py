"""The web entry: the back-office app plus the bot's channels (web chat, webhooks)."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from bot.channels import webchat, webhooks
from bot.runtime import BotRuntime
from hotline.db.session import unit_of_work
from hotline.kit import threads
from hotline.kit.ratelimit import make_limiter
from hotline.web.app import create_app

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


def create_web_app(rt: BotRuntime) -> FastAPI:
    """Everything `canhgiac serve` exposes on one port."""
    app = create_app(rt.hotline, rt.catalog)
    app.state.bot = rt
    secret = rt.hotline.secret_key
    per_session = make_limiter(
        rt.settings.redis_url, rt.settings.webchat_session_per_minute, 60, "webchat:", secret
    )
    per_ip = make_limiter(
        rt.settings.redis_url, rt.settings.webchat_ip_per_minute, 60, "webchat-ip:", secret
    )

    @app.post("/webchat/messages", tags=["webchat"], response_model_exclude_none=True)
    def webchat_messages(body: webchat.WebchatRequest, request: Request) -> webchat.WebchatResponse:
        """Send a message or button payload to the bot; get its replies."""
        client = request.client.host if request.client else "?"
        if not per_session.allow(f"s:{body.session_id}") or not per_ip.allow(f"ip:{client}"):
            raise HTTPException(429, detail="Bạn gửi quá nhanh, vui lòng chờ một chút / slow down")
        return webchat.respond(rt, body)

    @app.get("/", include_in_schema=False)
    def chat_page() -> FileResponse:
        """The web chat page."""
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    webhooks.register(app, rt)

    async def _bound_threads() -> None:
        threads.bound_default_executor(rt.settings.turn_threads)

    app.router.on_startup.append(_bound_threads)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    # Routes are matched in order: the busiest paths (platform webhooks, web chat) first, so
    # a message does not scan the whole console first (a few % of CPU per message).
    hot = ("/webhooks/", "/webchat/")
    app.router.routes.sort(key=lambda r: not getattr(r, "path", "").startswith(hot))
    return app


def _load_library(rt: BotRuntime) -> None:
    """Load the published content library (and its FAQ index) into this process's cache."""
    try:
        with unit_of_work(rt.hotline.sessions) as session:
            rt.hotline.content.get(session)
    except Exception:  # startup must not fail on an empty or unmigrated database
        log.warning("content library not loaded at startup", exc_info=True)


def app_from_env() -> FastAPI:
    """Factory for uvicorn: builds the runtime from the environment."""
    from hotline.config import get_settings
    from hotline.kit import heap
    from hotline.kit.logging import configure

    settings = get_settings()
    configure(settings.log_level)
    rt = BotRuntime.from_settings(settings)
    app = create_web_app(rt)
    # Load the library and its FAQ index now, so the first chat message does not pay for it
    # (about half a second) and the frozen heap includes it (collections never scan it).
    _load_library(rt)
    heap.settle()
    return app
