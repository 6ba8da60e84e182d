"""Smaller holes from the audit of issue 18, one test each."""

from __future__ import annotations

import io
import logging
import stat
import struct
import subprocess
import sys
import tomllib
import zlib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version
from PIL import Image

from bot.channels.base import _public
from hotline.db.session import make_engine
from hotline.kit.logging import configure
from hotline.tips.photos import PhotoError, sanitize

ROOT = Path(__file__).resolve().parents[2]

#: The first release without the advisories named (see the comments in pyproject.toml).
PATCHED = {
    "jinja2": "3.1.6",
    "cryptography": "44.0.1",
    "pillow": "11.3",
    "aiohttp": "3.13.4",
    "python-multipart": "0.0.31",
    "starlette": "0.49.1",
    "h11": "0.16",
}


def test_lower_bounds_exclude_versions_with_published_advisories() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = {}
    for line in project["dependencies"]:
        req = Requirement(line)
        lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
        bounds[req.name.lower()] = lows[0] if lows else None
    for name, fixed in PATCHED.items():
        assert bounds.get(name) is not None, f"{name} has no lower bound"
        assert bounds[name] >= Version(fixed), f"{name}>={bounds[name]} admits advisories"
        assert Version(metadata.version(name)) >= bounds[name], f"installed {name} is older"


@pytest.mark.parametrize(
    "host",
    [
        "64:ff9b::a00:1",
        "64:ff9b::7f00:1",
        "2002:a00:1::1",
        "2002:c0a8:101::1",
        "::10.0.0.1",
        "::127.0.0.1",
        "::ffff:192.168.1.1",
        "64:ff9b:1::a00:1",
    ],
)
def test_photo_urls_cannot_reach_private_addresses_through_ipv6_translation(host: str) -> None:
    assert not _public(host)


@pytest.mark.parametrize("host", ["8.8.8.8", "2001:4860:4860::8888", "64:ff9b::808:808"])
def test_public_addresses_stay_allowed(host: str) -> None:
    assert _public(host)


def test_sqlite_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "db" / "canhgiac.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        conn.commit()
    engine.dispose()
    for p in path.parent.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p.name


def test_hsts_when_served_over_https(client, bot_rt) -> None:  # type: ignore[no-untyped-def]
    assert "strict-transport-security" not in client.get("/healthz").headers  # plain-HTTP test
    from fastapi.testclient import TestClient

    from bot.web import create_web_app

    bot_rt.hotline.settings = bot_rt.hotline.settings.model_copy(update={"cookie_secure": True})
    with TestClient(create_web_app(bot_rt), base_url="https://testserver") as secure:
        hsts = secure.get("/healthz").headers["strict-transport-security"]
    assert hsts.startswith("max-age=63072000")


def _photo_with_exif() -> bytes:
    img = Image.new("RGB", (40, 30), (10, 200, 10))
    exif = Image.Exif()
    exif[0x010F] = "SecretCamMaker"  # Make
    exif[0x0131] = "SecretSoftware-42"  # Software
    exif[0x0112] = 6  # Orientation: rotate 90° to stand upright
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name} {record.getMessage()}")


def test_debug_logging_never_prints_exif() -> None:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    pil_level = logging.getLogger("PIL").level
    collect = _Collect()
    try:
        configure("DEBUG")
        root.addHandler(collect)
        clean = sanitize(_photo_with_exif())
        logging.getLogger("hotline.test").debug("debug logging is on")
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("PIL").setLevel(pil_level)
    text = "\n".join(collect.lines)
    assert "debug logging is on" in text
    assert "SecretCam" not in text and "SecretSoftware" not in text
    # Shrinking before turning upright still turns it: 40x30 with orientation 6 stands 30x40.
    assert Image.open(io.BytesIO(clean.data)).size == (30, 40)


def _huge_png(width: int, height: int) -> bytes:
    """A valid PNG of that size whose compressed data is tiny (all black)."""
    comp = zlib.compressobj(9)
    row = b"\x00" * (1 + width * 3)
    data = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def test_a_49_megapixel_png_is_refused_cheaply(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(_huge_png(7000, 7000))
    assert path.stat().st_size < 10 * 1024 * 1024  # small enough to be accepted as an upload
    script = (
        "import resource, sys; from pathlib import Path\n"
        "from hotline.tips.photos import PhotoError, sanitize\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "try:\n    sanitize(Path(sys.argv[1]).read_bytes()); print('accepted')\n"
        "except PhotoError as e:\n    print(e.reason)\n"
        "print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=120,
    ).stdout.split()
    assert out[0] == "too_large"
    assert int(out[1]) < 64, f"{out[1]} MB more memory to refuse it"
    with pytest.raises(PhotoError):
        sanitize(path.read_bytes())
