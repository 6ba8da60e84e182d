"""`canhgiac demo`: the server and the worker side by side, stopped together by Ctrl-C.

Routing, agency notifications, overdue alerts, campaign sends and test sends all happen in
the worker only; a demo that serves without it looks alive but never delivers anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Annotated

import typer

from hotline.cli import app

# Seconds each process gets to finish what it is doing after Ctrl-C before it is killed.
STOP_GRACE = 10.0


def _spawn(*args: str) -> subprocess.Popen[bytes]:
    """One `canhgiac` sub-command in its own session (the launcher forwards Ctrl-C itself)."""
    command = [sys.executable, "-m", "bot.cli", *args]  # this interpreter, fixed sub-commands
    return subprocess.Popen(command, start_new_session=True, env=os.environ.copy())  # noqa: S603


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGINT to each one still running, then SIGKILL to any that outlives the grace period."""
    for p in processes:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_GRACE
    for p in processes:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _banner(host: str, port: int, interval: float) -> None:
    base = f"http://{host}:{port}"
    for line in (
        "",
        "Cảnh Giác demo",
        f"  Trò chuyện trên web / web chat: {base}/",
        f"  Bảng điều khiển / console: {base}/console",
        f"  API: {base}/api/v1  (OpenAPI: {base}/openapi.json)",
        f"  Worker: định tuyến tin báo, thông báo cơ quan, cảnh báo quá hạn, gửi chiến dịch "
        f"mỗi {interval:g} giây / routing, agency notices, overdue alerts, campaign sends "
        f"every {interval:g} s",
        "  Ctrl-C: dừng cả hai / stops both",
        "",
    ):
        typer.echo(line)


def run(host: str, port: int, interval: float) -> int:
    """Start both, wait until Ctrl-C / SIGTERM or until one exits; stop the other; its code."""
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Our own handlers, set before the children start: a shell that starts the demo in the
    # background leaves SIGINT ignored, and an ignored signal stays ignored in every child (the
    # worker would then be killed at the end of the grace period instead of stopping).
    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    processes = [
        _spawn("serve", "--host", host, "--port", str(port)),
        _spawn("worker", "--interval", str(interval)),
    ]
    _banner(host, port, interval)
    code = 0
    try:
        while not stopping:
            for name, p in zip(("server", "worker"), processes, strict=True):
                if p.poll() is not None:
                    typer.echo(f"Lỗi / error: {name} đã dừng / exited ({p.returncode})", err=True)
                    code, stopping = p.returncode or 1, True
            time.sleep(0.5)
    except KeyboardInterrupt:
        typer.echo("Đang dừng máy chủ và worker / stopping server and worker…")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not orphan a child
        _stop(processes)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    typer.echo("Đã dừng / stopped")
    return code


@app.command("demo")
def demo(
    host: Annotated[str, typer.Option(help="Địa chỉ / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Cổng / port")] = 8000,
    worker_interval: Annotated[
        float, typer.Option(help="Giây giữa hai lượt worker / seconds between worker passes")
    ] = 2.0,
) -> None:
    """Run the server and the worker together (`make demo`); Ctrl-C stops both."""
    code = run(host, port, worker_interval)
    if code:
        raise typer.Exit(code)
