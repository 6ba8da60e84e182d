"""The separate Python 3.10 environment that runs Rasa 3.6 (it cannot share the app's venv).

Rasa Open Source 3.6.21 supports Python <= 3.10 and pins TensorFlow 2.12, SQLAlchemy 1.4 and
pydantic 1.x, so it lives in its own cached virtualenv and is only ever driven as a subprocess:
`rasa train nlu` to build a model, `rasa run --enable-api` to serve `/model/parse`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

RASA_VERSION = "3.6.21"
NLU_DIR = Path(__file__).resolve().parent
CONFIG = NLU_DIR / "config.yml"
DOMAIN = NLU_DIR / "domain.yml"
DATA = NLU_DIR / "data"
MODEL_NAME = "canhgiac-nlu"
_MARKER = ".canhgiac-ready"


class RasaEnvError(RuntimeError):
    """The Rasa environment, model or server could not be prepared."""


def cache_root() -> Path:
    """Where the Rasa venv and Rasa's training cache live (outside the repository)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "canhgiac"


def venv_dir() -> Path:
    """The Rasa virtualenv: `CANHGIAC_RASA_VENV` or `~/.cache/canhgiac/rasa-3.6.21`."""
    override = os.environ.get("CANHGIAC_RASA_VENV")
    return Path(override) if override else cache_root() / f"rasa-{RASA_VERSION}"


def _python_version(python: Path) -> tuple[int, int] | None:
    """The (major, minor) of an interpreter, or None if it does not run."""
    try:
        out = subprocess.run(  # noqa: S603 - argv of our own, no shell
            [str(python), "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        return int(out[0]), int(out[1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None


def _pyenv_candidates() -> list[Path]:
    """Python 3.10 interpreters installed by pyenv, newest first."""
    roots: list[Path] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(  # noqa: S603 - argv of our own, no shell
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            if out:
                roots.append(Path(out))
    roots.append(Path.home() / ".pyenv")
    found: list[Path] = []
    for root in roots:
        versions = root / "versions"
        if versions.is_dir():

            def patch_level(p: Path) -> int:
                """Patch number of a 3.10.x directory name, for sorting."""
                tail = p.name.split(".")[-1]
                return int(tail) if tail.isdigit() else -1

            for d in sorted(versions.glob("3.10.*"), key=patch_level, reverse=True):
                found.append(d / "bin" / "python")
    return found


def find_python310() -> Path:
    """A Python 3.10 interpreter: `CANHGIAC_PYTHON310`, pyenv's 3.10.x, or python3.10 on PATH."""
    candidates: list[Path] = []
    if os.environ.get("CANHGIAC_PYTHON310"):
        candidates.append(Path(os.environ["CANHGIAC_PYTHON310"]))
    candidates.extend(_pyenv_candidates())
    on_path = shutil.which("python3.10")
    if on_path:
        candidates.append(Path(on_path))
    for cand in candidates:
        if cand.exists() and _python_version(cand) == (3, 10):
            return cand
    raise RasaEnvError(
        "Rasa 3.6 needs Python 3.10, and none was found "
        "(tried CANHGIAC_PYTHON310, pyenv versions 3.10.*, python3.10 on PATH); "
        "install one, e.g. `pyenv install 3.10.13`"
    )


def rasa_executable() -> Path:
    """The `rasa` script inside the Rasa venv (which may not exist yet)."""
    return venv_dir() / "bin" / "rasa"


def is_ready() -> bool:
    """Whether the Rasa venv was built completely."""
    return (venv_dir() / _MARKER).exists() and rasa_executable().exists()


def rasa_subprocess_env() -> dict[str, str]:
    """Environment for Rasa subprocesses: no telemetry, cache outside the repo, quiet TF."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "RASA_CACHE_DIRECTORY": str(cache_root() / "rasa-cache"),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
        }
    )
    # The app's venv must not leak into Rasa's interpreter.
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    return env


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive file lock, so parallel test workers build the venv only once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_rasa_env(verbose: bool = False) -> Path:
    """Build the Rasa venv if needed (pip install rasa==3.6.21, ~1.5 min) and return `rasa`."""
    if is_ready():
        return rasa_executable()
    venv = venv_dir()
    with _lock(venv.parent / f".{venv.name}.lock"):
        if is_ready():
            return rasa_executable()
        python = find_python310()
        if venv.exists():
            # A half-built venv from an interrupted install: start over.
            shutil.rmtree(venv)
        out = None if verbose else subprocess.DEVNULL
        steps = [
            [str(python), "-m", "venv", str(venv)],
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "pip<24.1", "wheel"],
            [str(venv / "bin" / "python"), "-m", "pip", "install", f"rasa=={RASA_VERSION}"],
        ]
        for cmd in steps:
            proc = subprocess.run(  # noqa: S603 - argv of our own, no shell
                cmd, stdout=out, stderr=subprocess.PIPE, text=True, check=False
            )
            if proc.returncode != 0:
                tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
                raise RasaEnvError(f"building the Rasa venv failed at {cmd[-1]!r}: {tail[0]}")
        check = subprocess.run(  # noqa: S603 - argv of our own, no shell
            [str(rasa_executable()), "--version"],
            capture_output=True,
            text=True,
            env=rasa_subprocess_env(),
            check=False,
        )
        if check.returncode != 0 or RASA_VERSION not in check.stdout:
            raise RasaEnvError("the Rasa venv was built but `rasa --version` does not work")
        (venv / _MARKER).write_text(RASA_VERSION + "\n")
    return rasa_executable()


def project_fingerprint() -> str:
    """Hash of config, domain and training data: a Rasa model is reused while it matches."""
    digest = hashlib.sha256(RASA_VERSION.encode())
    for file in [CONFIG, DOMAIN, *sorted(p for p in DATA.rglob("*") if p.is_file())]:
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    return digest.hexdigest()


def model_path(out_dir: Path) -> Path:
    """Where `train_rasa` puts the model archive."""
    return out_dir / f"{MODEL_NAME}.tar.gz"


def train_rasa(out_dir: Path, force: bool = False, verbose: bool = False) -> Path:
    """Train the Rasa NLU model into `out_dir` (cached by data fingerprint); return its path."""
    rasa = ensure_rasa_env(verbose=verbose)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = model_path(out_dir)
    stamp = out_dir / f"{MODEL_NAME}.fingerprint"
    fingerprint = project_fingerprint()
    if not force and target.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return target
    cmd = [
        str(rasa),
        "train",
        "nlu",
        "--config",
        str(CONFIG),
        "--nlu",
        str(DATA),
        "--domain",
        str(DOMAIN),
        "--out",
        str(out_dir.resolve()),
        "--fixed-model-name",
        MODEL_NAME,
    ]
    # Run from a scratch directory: Rasa drops files (.rasa/, graph plots) into its cwd.
    with tempfile.TemporaryDirectory(prefix="canhgiac-rasa-") as cwd:
        proc = subprocess.run(  # noqa: S603 - argv of our own, no shell
            cmd,
            cwd=cwd,
            env=rasa_subprocess_env(),
            stdout=None if verbose else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
    if proc.returncode != 0 or not target.exists():
        tail = [ln for ln in (proc.stdout or "").splitlines() if ln.strip()][-3:]
        raise RasaEnvError("rasa train nlu failed: " + " | ".join(tail))
    stamp.write_text(fingerprint)
    return target


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_rasa_server(
    model: Path, port: int, host: str = "127.0.0.1", log_file: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `rasa run --enable-api` serving `model`; the caller must stop the process."""
    rasa = ensure_rasa_env()
    cmd = [
        str(rasa),
        "run",
        "--enable-api",
        "-p",
        str(port),
        "-i",
        host,
        "--model",
        str(model.resolve()),
    ]
    cwd = tempfile.mkdtemp(prefix="canhgiac-rasa-run-")
    sink = log_file.open("ab") if log_file else subprocess.DEVNULL
    try:
        return subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            cmd, cwd=cwd, env=rasa_subprocess_env(), stdout=sink, stderr=subprocess.STDOUT
        )
    finally:
        if log_file and hasattr(sink, "close"):
            sink.close()


def wait_until_ready(url: str, proc: subprocess.Popen[bytes] | None, timeout: float = 180) -> None:
    """Poll `GET {url}/status` until a model is loaded; raise if the server dies or times out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RasaEnvError(f"rasa run exited with code {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError, ValueError):
            response = httpx.get(f"{url}/status", timeout=2)
            if response.status_code == 200 and response.json().get("model_file"):
                return
        time.sleep(0.5)
    raise RasaEnvError(f"Rasa server at {url} not ready after {timeout:.0f} s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by `run_rasa_server` (SIGTERM, then SIGKILL)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def local_rasa_server(model: Path, port: int | None = None) -> Iterator[str]:
    """Serve `model` on a free loopback port for the duration of the block; yields the URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    proc = run_rasa_server(model, port)
    try:
        wait_until_ready(url, proc)
        yield url
    finally:
        stop_server(proc)


def main(argv: list[str] | None = None) -> int:
    """`python -m nlu.rasa_env [ensure|train OUT_DIR]`: build the venv (and a model)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        if not args or args[0] == "ensure":
            print(ensure_rasa_env(verbose=True))
        elif args[0] == "train" and len(args) == 2:
            print(train_rasa(Path(args[1]), verbose=True))
        else:
            print("usage: python -m nlu.rasa_env [ensure | train OUT_DIR]", file=sys.stderr)
            return 2
    except RasaEnvError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
