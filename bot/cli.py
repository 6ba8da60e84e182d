"""The `canhgiac` command: back-office commands plus serve, worker, channels and NLU."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

# Before anything imports a metric (each writes its file at once): several uvicorn workers
# share their metrics through PROMETHEUS_MULTIPROC_DIR, which docker-compose.yml puts below the
# /tmp tmpfs, fresh at each start. A tmpfs of its own comes up root-owned under Podman (which
# also refuses Docker's uid=/gid= options): a PermissionError at start for the non-root user.
if _metrics_dir := os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(_metrics_dir, exist_ok=True)

import typer

from hotline.cli import CliError, app
from hotline.config import ConfigError, get_settings
from hotline.kit.logging import configure as configure_logging


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Địa chỉ / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
    workers: Annotated[int, typer.Option(help="Số tiến trình / uvicorn workers")] = 1,
) -> None:
    """Run the API, console, web chat and channel webhooks."""
    import uvicorn

    settings = get_settings()
    settings.require_keys()
    configure_logging(settings.log_level)
    typer.echo(f"Cảnh Giác: http://{host}:{port}/  ·  console: http://{host}:{port}/console")
    uvicorn.run(
        "bot.web:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        # The app applies X-Forwarded-For itself, from CANHGIAC_TRUSTED_PROXIES only.
        proxy_headers=False,
        access_log=False,
        # A worker must answer the parent's ping within this many seconds or it is killed and
        # started again. Uvicorn's 5 s is shorter than a worker's start (imports, NLU model, FAQ
        # index) on a busy host: in `make deploy-check` every worker was killed mid-start, in a
        # loop, and the api never became healthy.
        timeout_worker_healthcheck=60,
    )


@app.command("content")
def content(
    action: Annotated[str, typer.Argument(help="import | check")],
    path: Annotated[Path | None, typer.Argument(help="Thư mục nội dung / content dir")] = None,
) -> None:
    """Import (idempotent) or check the content library."""
    from bot.content_cli import run_content

    run_content(action, path or get_settings().content_dir)


def _nlu_app() -> None:
    try:
        from nlu.cli import app as nlu_app
    except ImportError:
        return
    app.add_typer(nlu_app, name="nlu", help="Hiểu ngôn ngữ / NLU: train, parse, eval.")


_nlu_app()


@app.command("worker")
def worker(
    interval: Annotated[
        float, typer.Option(help="Giây giữa hai lượt / seconds between passes")
    ] = 5.0,
    once: Annotated[bool, typer.Option("--once", help="Chạy một lượt / one pass only")] = False,
) -> None:
    """Route new tips, flag overdue ones and send agency notifications."""
    import logging

    from bot import broadcast
    from bot.channels import zalo_oa_tokens
    from hotline.cli import runtime
    from hotline.worker import run

    rt = runtime()
    configure_logging(rt.settings.log_level)
    logging.getLogger(__name__).info("worker started")
    # Composed here: campaign sends and the OA token refresh need the channels (bot/).
    jobs = (broadcast.job, zalo_oa_tokens.job)
    try:
        run(rt, interval=interval, once=once, jobs=jobs)
    except KeyboardInterrupt:
        typer.echo("Đã dừng / stopped")


import bot.demo  # noqa: E402,F401  (registers `demo`: serve + worker together)
import hotline.reports.cli  # noqa: E402,F401  (registers `report`)
from bot.channels.cli import telegram_app, zalo_app, zalo_oa_app  # noqa: E402

app.add_typer(telegram_app, name="telegram")
app.add_typer(zalo_app, name="zalo")
app.add_typer(zalo_oa_app, name="zalo-oa")


def main() -> None:
    """Entry point: one-line errors, never a traceback."""
    try:
        result = app(standalone_mode=False)
    except (CliError, ConfigError) as exc:
        typer.echo(f"Lỗi / error: {exc}", err=True)
        sys.exit(1)
    except Exception as exc:
        # Typer vendors its own click: duck-type its usage/abort exceptions.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            typer.echo(f"Lỗi / error: {exc.format_message()}", err=True)
            sys.exit(int(exc.exit_code) or 2)
        if type(exc).__name__ == "Abort":
            typer.echo("Đã huỷ / aborted", err=True)
            sys.exit(130)
        first = str(exc).splitlines()[0] if str(exc) else ""
        typer.echo(f"Lỗi / error: {type(exc).__name__}: {first}", err=True)
        sys.exit(1)
    if isinstance(result, int) and result:
        sys.exit(result)


if __name__ == "__main__":
    main()
