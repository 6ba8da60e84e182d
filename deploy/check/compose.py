"""docker-compose.yml run with podman, one `podman run` per service, as Compose would run it.

Why not podman-compose: Debian bookworm's podman-compose (1.0.3) cannot read the compose file's
`env_file: [{path, required}]` entries and ignores `depends_on` conditions (healthy, completed
successfully), so it would start `api` before `migrate` finished. This module reads the compose
file itself and turns every setting it finds into the podman option with the same meaning; a
setting it does not know stops the check instead of being dropped silently, so the compose file
and the check cannot drift apart.

Podman differences handled here, each for a stated reason:
- `read_only: true`: podman would also mount its own tmpfs on /tmp, /run and /var/tmp; Docker
  does not, so `--read-only-tmpfs=false` keeps only the tmpfs mounts the compose file lists.
- health checks: podman schedules them with systemd timers, and there is no systemd here; the
  check runs the service's own health check command (`podman healthcheck run`) while it waits.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Every service key this runner understands; anything else in the compose file is an error.
SERVICE_KEYS = frozenset(
    {
        "image",
        "build",
        "env_file",
        "environment",
        "restart",
        "logging",
        "read_only",
        "tmpfs",
        "security_opt",
        "cap_drop",
        "networks",
        "command",
        "entrypoint",
        "volumes",
        "healthcheck",
        "depends_on",
        "ports",
        "user",
        "profiles",
    }
)
NETWORK_KEYS = frozenset({"internal"})
_VAR = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_]\w*))")
_DURATION = re.compile(r"^(?:(\d+)m)?(?:(\d+)s)?$")


class ComposeError(RuntimeError):
    """The compose file asks for something this runner cannot do, or a service failed."""


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable substitution: $$, ${X}, ${X:-default}, ${X-default}, ${X:?err}."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        if m.group(1):
            return "$"
        name = m.group(2) or m.group(5)
        op, arg = m.group(3), m.group(4) or ""
        current = env.get(name)
        if op in (":-", "-"):
            unset = current is None or (op == ":-" and current == "")
            return interpolate(arg, env) if unset else str(current)
        if op in (":?", "?"):
            if current is None or (op == ":?" and current == ""):
                raise ComposeError(f"{name}: {arg or 'required'}")
            return current
        return current or ""

    return _VAR.sub(one, value)


def seconds(text: str | None, default: float) -> float:
    """A compose duration ('10s', '2m', '1m30s') in seconds."""
    if not text:
        return default
    m = _DURATION.match(str(text))
    if not m or not any(m.groups()):
        raise ComposeError(f"unsupported duration: {text}")
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0)


_SECRET = re.compile(r"((?:PASSWORD|KEY|TOKEN|SECRET)[A-Z_]*=|://[^:/@\s]+:)[^@\s'/]+(?=@|\s|'|$)")


def masked(cmd: list[str]) -> str:
    """A command line for the log, with passwords, keys and tokens left out."""
    return _SECRET.sub(r"\1***", shlex.join(cmd))


@dataclass
class Podman:
    """The podman command line; every call is echoed to the log."""

    log: Callable[[str], None]
    base: list[str] = field(default_factory=lambda: ["podman"])

    def run(
        self, *args: str, check: bool = True, timeout: float = 600, quiet: bool = False
    ) -> subprocess.CompletedProcess[str]:
        cmd = [*self.base, *args]
        if not quiet:
            self.log("$ " + masked(cmd))
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and out.returncode != 0:
            raise ComposeError(f"{masked(cmd)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
        return out

    def ok(self, *args: str, timeout: float = 60) -> bool:
        return self.run(*args, check=False, timeout=timeout, quiet=True).returncode == 0


@dataclass
class Project:
    """The services of one compose file, run by podman under one project name."""

    compose_file: Path
    name: str
    env: dict[str, str]
    podman: Podman
    #: env_file paths the check replaces with its own file (never touching the user's).
    env_files: dict[str, Path] = field(default_factory=dict)
    profiles: frozenset[str] = frozenset()
    skipped: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.raw = yaml.safe_load(self.compose_file.read_text(encoding="utf-8"))
        for svc_name, svc in self.raw["services"].items():
            unknown = set(svc) - SERVICE_KEYS
            if unknown:
                raise ComposeError(f"{svc_name}: no podman translation for {sorted(unknown)}")
        for net_name, net in (self.raw.get("networks") or {}).items():
            unknown = set(net or {}) - NETWORK_KEYS
            if unknown:
                raise ComposeError(f"network {net_name}: no translation for {sorted(unknown)}")

    @property
    def root(self) -> Path:
        return self.compose_file.parent

    def service(self, name: str) -> dict[str, Any]:
        """One service with variables substituted from the current environment."""
        svc: dict[str, Any] = interpolate(self.raw["services"][name], self.env)
        return svc

    def active(self) -> list[str]:
        """Services started by `up`: no profile or an enabled one, and not skipped."""
        return [
            n
            for n, s in self.raw["services"].items()
            if n not in self.skipped
            and (not s.get("profiles") or set(s["profiles"]) & self.profiles)
        ]

    def container(self, service: str) -> str:
        return f"{self.name}-{service}-1"

    def network(self, net: str) -> str:
        return f"{self.name}_{net}"

    def volume(self, vol: str) -> str:
        return f"{self.name}_{vol}"

    def image(self, service: str) -> str:
        return str(self.service(service)["image"])

    # ------------------------------------------------------------------ build

    def build(
        self, service: str, extra_args: Iterable[str] = (), build_args: dict[str, str] | None = None
    ) -> None:
        """`docker compose build SERVICE`: the service's context, Dockerfile and args."""
        svc = self.service(service)
        spec = svc["build"]
        context = (self.root / spec.get("context", ".")).resolve()
        args = [
            "build",
            "-t",
            svc["image"],
            "-f",
            str(context / spec.get("dockerfile", "Dockerfile")),
        ]
        merged = {**(spec.get("args") or {}), **(build_args or {})}
        for k, v in merged.items():
            args += ["--build-arg", f"{k}={v}"]
        self.podman.run(*args, *extra_args, str(context), timeout=3600)

    # ------------------------------------------------------------------ networks, volumes

    def create_networks(self) -> None:
        for net, spec in (self.raw.get("networks") or {}).items():
            name = self.network(net)
            if self.podman.ok("network", "exists", name):
                continue
            internal = ["--internal"] if (spec or {}).get("internal") else []
            self.podman.run("network", "create", *internal, name)

    def create_volumes(self) -> None:
        for vol in self.raw.get("volumes") or {}:
            name = self.volume(vol)
            if not self.podman.ok("volume", "exists", name):
                self.podman.run("volume", "create", name)

    def subnet(self, net: str) -> str:
        out = self.podman.run("network", "inspect", self.network(net), quiet=True).stdout
        return str(json.loads(out)[0]["subnets"][0]["subnet"])

    # ------------------------------------------------------------------ containers

    def run_args(self, service: str) -> list[str]:
        """The `podman run` options that mean what the service's compose settings mean."""
        svc = self.service(service)
        args = ["--name", self.container(service), "--label", f"io.canhgiac.project={self.name}"]
        args += ["--restart", str(svc.get("restart", "no"))]
        for entry in svc.get("env_file") or []:
            path, required = (
                (entry, True)
                if isinstance(entry, str)
                else (
                    entry["path"],
                    entry.get("required", True),
                )
            )
            real = self.env_files.get(path, self.root / path)
            if real.exists():
                args += ["--env-file", str(real)]
            elif required:
                raise ComposeError(f"{service}: env_file {path} is required and missing")
        env = svc.get("environment") or {}
        items = env.items() if isinstance(env, dict) else (e.split("=", 1) for e in env)
        for k, v in items:
            args += ["-e", f"{k}={v}"]
        if log := svc.get("logging"):
            args += ["--log-driver", log.get("driver", "json-file")]
            for k, v in (log.get("options") or {}).items():
                args += ["--log-opt", f"{k}={v}"]
        if svc.get("read_only"):
            args += ["--read-only", "--read-only-tmpfs=false"]
        tmpfs = svc.get("tmpfs") or []
        for t in [tmpfs] if isinstance(tmpfs, str) else tmpfs:
            args += ["--tmpfs", t]
        for opt in svc.get("security_opt") or []:
            args += ["--security-opt", opt]
        for cap in svc.get("cap_drop") or []:
            args += ["--cap-drop", cap]
        if user := svc.get("user"):
            args += ["--user", str(user)]
        nets = svc.get("networks") or ["default"]
        for net in nets if isinstance(nets, list) else list(nets):
            args += ["--network", self.network(net)]
        args += ["--network-alias", service]
        for vol in svc.get("volumes") or []:
            src, _, rest = vol.partition(":")
            if src.startswith((".", "/")):
                src = str((self.root / src).resolve())
            else:
                src = self.volume(src)
            args += ["-v", f"{src}:{rest}"]
        for port in svc.get("ports") or []:
            args += ["-p", str(port)]
        if hc := svc.get("healthcheck"):
            test = hc["test"]
            if isinstance(test, str):
                cmd = test
            elif test[0] == "CMD":
                cmd = json.dumps(test[1:])
            elif test[0] == "CMD-SHELL":
                cmd = json.dumps(test)
            else:
                raise ComposeError(f"{service}: healthcheck test {test[0]}")
            args += ["--health-cmd", cmd]
            for key, flag in (
                ("interval", "--health-interval"),
                ("timeout", "--health-timeout"),
                ("start_period", "--health-start-period"),
            ):
                if key in hc:
                    args += [flag, str(hc[key])]
            if "retries" in hc:
                args += ["--health-retries", str(hc["retries"])]
        if ep := svc.get("entrypoint"):
            args += ["--entrypoint", json.dumps(ep if isinstance(ep, list) else shlex.split(ep))]
        args.append(svc["image"])
        command = svc.get("command")
        if command:
            args += command if isinstance(command, list) else shlex.split(command)
        return args

    def start(self, service: str) -> None:
        """Create and start the service's container (replacing an old one)."""
        self.podman.run("rm", "-f", "-t", "10", self.container(service), check=False, quiet=True)
        self.podman.run("run", "-d", *self.run_args(service))

    def depends(self, service: str) -> dict[str, str]:
        deps = self.service(service).get("depends_on") or {}
        if isinstance(deps, list):
            deps = {d: {"condition": "service_started"} for d in deps}
        return {
            d: c.get("condition", "service_started")
            for d, c in deps.items()
            if d not in self.skipped
        }

    def up(self, services: Iterable[str], timeout: float = 300) -> list[str]:
        """Start services after what they depend on, waiting for each condition; the order."""
        started: list[str] = []

        def bring(name: str, path: tuple[str, ...]) -> None:
            if name in started:
                return
            if name in path:
                raise ComposeError(f"dependency cycle: {' -> '.join((*path, name))}")
            for dep, condition in self.depends(name).items():
                bring(dep, (*path, name))
                self.wait(dep, condition, timeout)
            self.start(name)
            started.append(name)

        for s in services:
            bring(s, ())
        return started

    def state(self, service: str) -> dict[str, Any]:
        out = self.podman.run("inspect", self.container(service), quiet=True).stdout
        return dict(json.loads(out)[0]["State"])

    def wait(self, service: str, condition: str, timeout: float = 300) -> None:
        """Block until `condition` (a depends_on condition) holds for the service."""
        deadline = time.monotonic() + timeout
        if condition == "service_completed_successfully":
            out = self.podman.run("wait", self.container(service), timeout=timeout).stdout
            code = int(out.strip().splitlines()[-1])
            if code != 0:
                raise ComposeError(f"{service} exited with {code}:\n{self.logs(service)}")
            return
        while time.monotonic() < deadline:
            st = self.state(service)
            if not st.get("Running"):
                if st.get("Status") == "exited":
                    raise ComposeError(f"{service} exited:\n{self.logs(service)}")
            elif condition == "service_started" or (
                condition == "service_healthy" and self.healthy(service)
            ):
                return
            time.sleep(1)
        raise ComposeError(
            f"{service}: {condition} not reached in {timeout:.0f}s\n{self.logs(service)}"
        )

    def healthy(self, service: str) -> bool:
        """Run the service's own health check once (no systemd timers here)."""
        return self.podman.ok("healthcheck", "run", self.container(service), timeout=30)

    def restart(self, service: str, timeout: float = 300) -> None:
        """`docker compose restart SERVICE`: the same container stopped and started again."""
        self.podman.run("restart", "-t", "10", self.container(service), timeout=60)
        has_hc = bool(self.service(service).get("healthcheck"))
        self.wait(service, "service_healthy" if has_hc else "service_started", timeout)

    def exec(self, service: str, *argv: str, stdin: str | None = None) -> str:
        cmd = [*self.podman.base, "exec", "-i", self.container(service), *argv]
        self.podman.log("$ " + masked(cmd))
        out = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise ComposeError(f"exec {service} {argv}: {out.stdout}{out.stderr}")
        return out.stdout

    def logs(self, service: str, tail: int = 60) -> str:
        out = self.podman.run(
            "logs", "--tail", str(tail), self.container(service), check=False, quiet=True
        )
        return out.stdout + out.stderr

    def down(self, volumes: bool = True) -> None:
        """Remove the project's containers, networks and (by default) volumes."""
        ids = self.podman.run(
            "ps", "-aq", "--filter", f"label=io.canhgiac.project={self.name}", quiet=True
        ).stdout.split()
        if ids:
            self.podman.run("rm", "-f", "-t", "5", *ids, check=False)
        for net in self.raw.get("networks") or {}:
            self.podman.run("network", "rm", "-f", self.network(net), check=False, quiet=True)
        if volumes:
            for vol in self.raw.get("volumes") or {}:
                self.podman.run("volume", "rm", "-f", self.volume(vol), check=False, quiet=True)
