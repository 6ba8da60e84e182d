"""The back office's app factory: REST API and console mounted side by side, plus health."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from hotline.api.routes import auth
from hotline.api.routes import metrics as metrics_routes
from hotline.console import routes as console
from hotline.console.auth import LoginRequired, PasswordChangeRequired
from hotline.kit.i18n import Catalog
from hotline.kit.ratelimit import make_limiter
from hotline.runtime import HotlineRuntime
from hotline.web.deps import Refused, api_lang
from hotline.web.headers import SecurityHeaders

#: Sign-in attempts one client address may make on one account in 15 minutes.
ACCOUNT_TRIES = 5

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConsoleSection:
    """A console page linked from the header and home, visible to some roles."""

    path: str
    label: str
    roles: frozenset[str]


def create_app(hrt: HotlineRuntime, catalog: Catalog) -> FastAPI:
    """Build the back-office app; the bot's web entry adds its routes on top."""
    app = FastAPI(
        title="Cảnh Giác API",
        version="1",
        description=(
            "REST API of the Cảnh Giác anti-trafficking hotline (tips, agencies, reports, content)."
        ),
    )
    app.state.hotline = hrt
    app.state.catalog = catalog
    app.state.console_sections = []
    app.state.login_limiter = make_limiter(
        hrt.settings.redis_url, 10, 300, "login:", hrt.secret_key
    )
    app.state.account_limiter = make_limiter(
        hrt.settings.redis_url, ACCOUNT_TRIES, 900, "login-account:", hrt.secret_key
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=hrt.secret_key.decode(),
        session_cookie="cg_session",
        max_age=hrt.settings.session_max_age_seconds,
        same_site="strict",
        https_only=hrt.settings.cookie_secure,
    )

    app.add_middleware(SecurityHeaders, hsts=hrt.settings.cookie_secure)
    # Outermost: every route, limit and log sees the client a trusted proxy forwarded for.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=hrt.settings.trusted_proxy_list)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse("/console/login", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def to_password(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse("/console/password", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # Field locations only: echoing input back could reflect hostile text.
        fields = [".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()]
        return JSONResponse(
            {
                "error": "invalid_request",
                "detail": "Yêu cầu không hợp lệ / invalid request",
                "fields": fields,
            },
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail: Any = exc.detail
        if isinstance(exc, Refused):  # a service's error code: {code, params, message}
            detail = exc.error.as_json(catalog, api_lang(request))
        return JSONResponse(
            {"error": _error_code(exc.status_code), "detail": detail},
            status_code=exc.status_code,
            headers=exc.headers,
        )

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # An id beyond the database's integer range (found by schemathesis) is bad input.
        return JSONResponse(
            {"error": "invalid_request", "detail": "Giá trị ngoài phạm vi / value out of range"},
            status_code=422,
        )

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    @app.exception_handler(PoolTimeoutError)
    async def database_down(request: Request, exc: Exception) -> JSONResponse:
        # The database restarting is an outage, not a bug: say "try again" (503), not 500.
        log.warning("database unavailable", extra={"path": request.url.path})
        return JSONResponse(
            {"error": "unavailable", "detail": "Tạm thời gián đoạn / temporarily unavailable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(
            {"error": "internal", "detail": "Lỗi hệ thống / internal error"}, status_code=500
        )

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """200 when the database answers."""
        try:
            with hrt.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("health check: database unavailable")
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    app.include_router(auth.router)
    app.include_router(metrics_routes.router)
    app.include_router(console.router)
    _casework_routes(app)
    _campaign_routes(app)
    _content_routes(app)
    app.mount(
        "/console/static",
        StaticFiles(directory=str(Path(console.__file__).parent / "static")),
        name="console-static",
    )
    return app


def _casework_routes(app: FastAPI) -> None:
    """Tips, agencies, reports, users and audit: REST routes, console pages, navigation."""
    from hotline.api.routes import agencies, audit, reports, tips, users
    from hotline.console import (
        agency_routes,
        audit_routes,
        report_routes,
        tip_routes,
        twofa,
        user_routes,
    )

    for r in (tips, agencies, reports, users, audit):
        app.include_router(r.router)
    for page_group in (tip_routes, agency_routes, user_routes, audit_routes, report_routes, twofa):
        app.include_router(page_group.router)
    add_console_section(app, "/console/tips", "cases_nav.queue", "operator", "supervisor", "agency")
    add_console_section(app, "/console/reports", "cases_nav.reports", "supervisor")
    add_console_section(app, "/console/agencies", "cases_nav.agencies", "supervisor")
    add_console_section(app, "/console/audit", "cases_nav.audit", "supervisor")
    add_console_section(app, "/console/users", "cases_nav.users")


def _content_routes(app: FastAPI) -> None:
    """Content administration: REST routes, console pages, navigation."""
    from hotline.api.routes import content
    from hotline.console import content_routes

    app.include_router(content.router)
    app.include_router(content_routes.router)
    add_console_section(app, "/console/content", "content_nav", "communicator", "supervisor")


def _campaign_routes(app: FastAPI) -> None:
    """Campaigns and subscriber statistics (REST), console pages, navigation."""
    from hotline.api.routes import campaigns
    from hotline.console import campaign_routes

    app.include_router(campaigns.router)
    app.include_router(campaigns.subscribers_router)
    app.include_router(campaign_routes.router)
    add_console_section(app, "/console/campaigns", "campaigns_nav", "communicator", "supervisor")


def add_console_section(app: FastAPI, path: str, label: str, *roles: str) -> None:
    """Register a console page in the navigation for the given roles."""
    app.state.console_sections.append(ConsoleSection(path, label, frozenset(roles)))


def _error_code(status: int) -> str:
    return {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        409: "conflict",
        413: "too_large",
        422: "invalid_request",
        429: "rate_limited",
    }.get(status, "error")
