"""Helpers shared by the bench scripts: machine facts, sections of docs/benchmarks.md, processes.

Every bench script owns one marked section of docs/benchmarks.md::

    <!-- BEGIN name --> ... <!-- END name -->

`write_section` replaces only that section (appending it when missing) and refreshes the shared
header (machine, date, commit) at the top; the other scripts' sections are left as they are.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PG_ADMIN_URL = os.environ.get(
    "CANHGIAC_BENCH_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/postgres"
)


# ---------------------------------------------------------------------- machine and report


def cpu_model() -> str:
    """The CPU model from /proc/cpuinfo (or what platform knows)."""
    with contextlib.suppress(OSError):
        found = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        if found:
            return found.group(1).strip()
    return platform.processor() or platform.machine()


def ram_gib() -> float:
    """Total RAM in GiB (0 when unknown)."""
    with contextlib.suppress(OSError):
        found = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
        if found:
            return int(found.group(1)) / 1024 / 1024
    return 0.0


def machine() -> str:
    """One line: CPUs, CPU model, RAM, OS and Python."""
    return (
        f"{os.cpu_count()} CPUs ({cpu_model()}), {ram_gib():.1f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    )


def now_vn() -> dt.datetime:
    """Now in Asia/Ho_Chi_Minh."""
    return dt.datetime.now(TZ)


def date_vn() -> str:
    """Today as dd/mm/yyyy HH:MM (Asia/Ho_Chi_Minh)."""
    return now_vn().strftime("%d/%m/%Y %H:%M")


def git_commit(paths: Sequence[str] = ()) -> str:
    """Short HEAD hash, '+dirty' when the given paths (default: all tracked) have changes."""
    # The results file is rewritten section by section during `make bench` itself: its own
    # change must not mark the measured code as dirty.
    pathspec = [*paths] if paths else [".", f":(exclude){DOCS.relative_to(ROOT)}"]
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607 - git from PATH
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(  # noqa: S603 - fixed argv
            ["git", "status", "--porcelain", "--untracked-files=no", "--", *pathspec],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
        return "unknown"
    return head + ("+dirty" if dirty else "")


HEADER_BEGIN, HEADER_END = "<!-- BEGIN header -->", "<!-- END header -->"


def header() -> str:
    """The shared header: how the file is made and the machine of the latest run."""
    return "\n".join(
        [
            HEADER_BEGIN,
            "`make bench` runs every `bench/*_bench.py`; each script rewrites only its own "
            "section below (between its BEGIN/END comment markers), so "
            "sections can come from different runs: each states its own date and commit.",
            "",
            f"- Latest run: {date_vn()} (Asia/Ho_Chi_Minh), commit `{git_commit()}`",
            f"- Machine: {machine()}",
            HEADER_END,
        ]
    )


def _replace(text: str, begin: str, end: str, section: str, *, top: bool = False) -> str:
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _m: section, text, count=1)
    if top:
        lines = text.split("\n", 1)
        if lines[0].startswith("# "):
            rest = lines[1].lstrip("\n") if len(lines) > 1 else ""
            return f"{lines[0]}\n\n{section}\n\n{rest}"
        return f"{section}\n\n{text}"
    return text.rstrip("\n") + "\n\n" + section + "\n"


def write_section(name: str, body: str, path: Path = DOCS) -> None:
    """Replace (or append) section `name` of the benchmarks file and refresh the header."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    section = f"{begin}\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    text = _replace(text, begin, end, section)
    text = _replace(text, HEADER_BEGIN, HEADER_END, header(), top=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


# ---------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (nearest rank; 0.0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


# ---------------------------------------------------------------------- processes


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    """Every descendant pid of a process (from /proc)."""
    by_parent: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            by_parent.setdefault(ppid, []).append(int(entry.name))
    out: list[int] = []
    todo = [pid]
    while todo:
        for child in by_parent.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU time consumed so far by these processes (gone ones count 0)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def pids_named(name: str) -> list[int]:
    """Pids whose command name is ``name`` (e.g. every PostgreSQL backend)."""
    out: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == name:
                    out.append(int(entry.name))
    return out


def rss_mib(pid: int) -> float:
    """Resident set size of one process in MiB (0 when it is gone)."""
    with contextlib.suppress(OSError):
        found = re.search(r"^VmRSS:\s*(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M)
        if found:
            return int(found.group(1)) / 1024
    return 0.0


def start(
    argv: Sequence[str], env: dict[str, str], log: Path, cwd: Path = ROOT
) -> subprocess.Popen[bytes]:
    """Start a process in its own process group (so it can be stopped with its children)."""
    sink = log.open("ab")
    try:
        return subprocess.Popen(  # noqa: S603 - argv of our own
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        sink.close()


def stop(proc: subprocess.Popen[bytes], timeout: float = 15) -> None:
    """SIGTERM the process group, SIGKILL it when it does not exit in time."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_http(
    url: str,
    proc: subprocess.Popen[bytes] | None,
    timeout: float,
    *,
    method: str = "GET",
    json_body: object = None,
) -> None:
    """Poll a URL until it answers below 500; raise when the process dies or time runs out."""
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: server exited with code {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            r = httpx.request(method, url, json=json_body, timeout=5)
            if r.status_code < 500:
                return
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready after {timeout:.0f} s")


# ---------------------------------------------------------------------- PostgreSQL


def pg_available() -> bool:
    """Whether the local PostgreSQL answers (trust auth as root)."""
    try:
        with pg_admin() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except Exception:
        return False


@contextlib.contextmanager
def pg_admin() -> Iterator[object]:
    """An AUTOCOMMIT connection to the maintenance database."""
    from sqlalchemy import create_engine

    engine = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@contextlib.contextmanager
def throwaway_pg(prefix: str = "bench") -> Iterator[str]:
    """A fresh PostgreSQL database (its SQLAlchemy URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with pg_admin() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with pg_admin() as conn:
            conn.exec_driver_sql(  # type: ignore[attr-defined]
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')  # type: ignore[attr-defined]
