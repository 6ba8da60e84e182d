"""Base images for the stack: the official ones when they can be pulled, else built from Debian.

The stand-ins (deploy/images/*.Containerfile) start from a Debian bookworm root made by
debootstrap from the mirror this machine's apt already uses, so nothing comes from Docker Hub.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from deploy.check.compose import Podman

IMAGES_DIR = Path(__file__).resolve().parents[1] / "images"
DEBIAN = "localhost/canhgiac-base/debian:bookworm-min"


@dataclass(frozen=True)
class Base:
    """One base image the compose file names through an environment variable."""

    variable: str
    official: str
    recipe: str

    @property
    def local(self) -> str:
        return f"localhost/canhgiac-base/{self.recipe}:bookworm"


BASES = (
    Base("CANHGIAC_PYTHON_IMAGE", "docker.io/library/python:3.11-slim", "python"),
    Base("CANHGIAC_POSTGRES_IMAGE", "docker.io/library/postgres:15", "postgres"),
    Base("CANHGIAC_REDIS_IMAGE", "docker.io/library/redis:7", "redis"),
)
PROXY = Base("", "", "nginx")


def debian_mirror() -> str:
    """The Debian mirror of this machine's apt sources (deb822 or one-line format)."""
    texts = [p.read_text() for p in Path("/etc/apt/sources.list.d").glob("*.sources")]
    for text in texts:
        for uri in re.findall(r"^URIs:\s*(\S+)", text, re.M):
            if not uri.rstrip("/").endswith("-security"):
                return uri
    lst = Path("/etc/apt/sources.list")
    if lst.exists():
        m = re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+)\s+bookworm\s", lst.read_text(), re.M)
        if m:
            return m.group(1)
    return "http://deb.debian.org/debian"


def pullable(podman: Podman, image: str) -> bool:
    """The image is here already, or can be pulled now."""
    if podman.ok("image", "exists", image):
        return True
    return podman.ok("pull", "-q", image, timeout=300)


def debian_root(podman: Podman, rebuild: bool) -> None:
    """`debootstrap --variant=minbase bookworm` imported as a local image."""
    if not rebuild and podman.ok("image", "exists", DEBIAN):
        return
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is not installed (apt-get install debootstrap)")
    with tempfile.TemporaryDirectory(prefix="cg-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        mirror = debian_mirror()
        podman.log(f"$ debootstrap --variant=minbase bookworm {root} {mirror}")
        subprocess.run(
            ["debootstrap", "--variant=minbase", "bookworm", str(root), mirror],
            check=True,
            capture_output=True,
            timeout=1800,
        )
        tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
        subprocess.run(
            [*podman.base, "import", "-", DEBIAN], stdin=tar.stdout, check=True, capture_output=True
        )
        tar.wait()


def build_local(podman: Podman, base: Base, rebuild: bool) -> str:
    """The Debian stand-in for one base image (kept between runs unless `rebuild`)."""
    if rebuild or not podman.ok("image", "exists", base.local):
        podman.run(
            "build",
            "--network",
            "host",
            "--build-arg",
            f"DEBIAN_IMAGE={DEBIAN}",
            "-f",
            str(IMAGES_DIR / f"{base.recipe}.Containerfile"),
            "-t",
            base.local,
            str(IMAGES_DIR),
            timeout=1800,
        )
    return base.local


def size_mb(podman: Podman, image: str) -> float:
    """The image's size as podman reports it, in MB."""
    out = podman.run("image", "inspect", "--format", "{{.Size}}", image, quiet=True).stdout
    return int(out.strip()) / 1e6
