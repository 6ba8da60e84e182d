"""`make deploy-check`: build the images, run docker-compose.yml with podman, drive it, restart it.

Run from the repository root: `.venv/bin/python -m deploy.check [--keep] [--rebuild]`
(scripts/deploy_check.sh installs podman, runc and debootstrap first). What it proves and
what podman could not do here are in docs/deploy.md, section 9.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import functools
import json
import os
import re
import secrets
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from deploy.check import images
from deploy.check.compose import ComposeError, Podman, Project

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "var" / "deploy-check"
RASA_SERVICES = ("rasa-train", "rasa")
CORE = ("postgres", "redis", "migrate", "api", "worker")
TG_TOKEN = "424242:DEPLOY-check_token"  # noqa: S105 - the fake Bot API accepts any token
IP_LIMIT = 40  # CANHGIAC_WEBCHAT_IP_PER_MINUTE for this run: small enough to reach
CODE = re.compile(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){3}")


class CheckFailed(AssertionError):
    """One of the check's claims did not hold."""


def log(msg: str) -> None:
    print(msg, flush=True)


def expect(cond: object, what: str) -> None:
    if not cond:
        raise CheckFailed(what)
    log(f"  ok  {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(check: Callable[[], object], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            got = check()
            if got:
                return got
        time.sleep(0.5)
    raise CheckFailed(f"timed out after {timeout:.0f}s: {what}")


class Timer:
    """Wall-clock time of each phase, printed at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, float]] = []

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        log(f"\n== {name}")
        start = time.monotonic()
        try:
            yield
        finally:
            self.rows.append((name, time.monotonic() - start))


# ---------------------------------------------------------------------------- the env file


def env_file(overrides: dict[str, str]) -> dict[str, str]:
    """deploy/env.example with its placeholders filled in: what an operator would write."""
    values: dict[str, str] = {}
    for line in (ROOT / "deploy" / "env.example").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if m:
            values[m.group(1)] = m.group(2)
    values.update(overrides)
    return values


def write_env(path: Path, values: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in values.items())


# ---------------------------------------------------------------------------- the citizens


class Api:
    """HTTP to the stack: `public` through the reverse proxy, `direct` to the api's port."""

    def __init__(self, public: str, direct: str, tg_secret: str) -> None:
        self.public = public
        self.direct = direct
        self.tg_headers = {"X-Telegram-Bot-Api-Secret-Token": tg_secret}
        self.http = httpx.Client(timeout=30)
        self.throttled = 0

    def post(self, path: str, deadline: float = 120, **kw: Any) -> httpx.Response:
        """POST through the proxy, waiting out a restart (5xx, refused) and the rate limit."""
        end = time.monotonic() + deadline
        while True:
            try:
                r = self.http.post(f"{self.public}{path}", **kw)
                if r.status_code == 429:
                    self.throttled += 1
                    time.sleep(2)
                elif r.status_code < 500:
                    return r
            except httpx.HTTPError:
                pass
            if time.monotonic() > end:
                raise CheckFailed(f"no answer to POST {path} in {deadline:.0f}s")
            time.sleep(0.5)

    def webchat(self, sid: str, **body: str) -> list[dict[str, Any]]:
        r = self.post("/webchat/messages", json={"session_id": sid, **body})
        if r.status_code != 200:
            raise CheckFailed(f"web chat: {r.status_code} {r.text[:300]}")
        return list(r.json()["messages"])

    def telegram(self, update: dict[str, Any]) -> None:
        r = self.post("/webhooks/telegram", json=update, headers=self.tg_headers)
        if r.status_code != 200:
            raise CheckFailed(f"telegram webhook: {r.status_code} {r.text[:300]}")

    def token(self, username: str, password: str) -> dict[str, str]:
        r = self.post("/api/v1/auth/token", data={"username": username, "password": password})
        if r.status_code != 200:
            raise CheckFailed(f"login {username}: {r.status_code} {r.text[:300]}")
        return {"Authorization": f"Bearer {r.json()['access_token']}"}


_ids = iter(range(int(time.time()) % 100_000 * 1000, 10**12))


def tg_text(chat: int, body: str) -> dict[str, Any]:
    uid = next(_ids)
    return {
        "update_id": uid,
        "message": {
            "message_id": uid,
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "T"},
            "text": body,
        },
    }


def tg_press(chat: int, data: str) -> dict[str, Any]:
    uid = next(_ids)
    return {
        "update_id": uid,
        "callback_query": {
            "id": f"cq{uid}",
            "from": {"id": chat, "is_bot": False, "first_name": "T"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": "x",
            },
        },
    }


def buttons(call: Any) -> list[str]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [str(b.get("callback_data")) for row in rows for b in row]


def webchat_tip(api: Api, sid: str, marker: str, between: Callable[[], None] | None = None) -> str:
    """A whole tip through the web chat (optionally something in the middle); its receipt."""
    api.webchat(sid, text="/baotin")
    out = api.webchat(sid, text=f"Có người dụ lao động sang Campuchia, mã {marker}")
    if between is not None:
        between()
    for _ in range(14):
        if "tip:send" in [b["payload"] for m in out for b in m["buttons"]]:
            break
        out = api.webchat(sid, payload="tip:skip")
    out = api.webchat(sid, payload="tip:send")
    found = CODE.search("\n".join(m["text"] for m in out))
    if not found:
        raise CheckFailed(f"web chat tip {marker}: no receipt code in {out}")
    return found.group(0)


def telegram_tip(api: Api, fake: Any, chat: int, marker: str) -> str:
    """A whole tip through the Telegram webhook; the receipt the fake Bot API delivered."""
    api.telegram(tg_text(chat, "/baotin"))
    api.telegram(tg_text(chat, f"Có người dụ lao động sang Campuchia, mã {marker}"))
    for _ in range(14):
        sent = fake.sent_messages(chat)
        if sent and "tip:send" in buttons(sent[-1]):
            break
        api.telegram(tg_press(chat, "tip:skip"))
    api.telegram(tg_press(chat, "tip:send"))
    found = CODE.search("\n".join(fake.sent_texts(chat)))
    if not found:
        raise CheckFailed(f"telegram tip {marker}: no receipt code")
    return found.group(0)


# ---------------------------------------------------------------------------- the check


class Check:
    """One run: images, stack, scenario, restarts; the report at the end."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.timer = Timer()
        conf = WORK / "containers.conf"
        conf.parent.mkdir(parents=True, exist_ok=True)
        # crun cannot set rlimits in this sandbox: runc, and no default ulimits.
        conf.write_text('[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n')
        os.environ.setdefault("CONTAINERS_CONF", str(conf))
        self.podman = Podman(log=log)
        self.sources: dict[str, str] = {}
        self.sizes: dict[str, float] = {}
        self.fake: Any = None
        self.project: Project | None = None

    # -- images

    def base_images(self, interp: dict[str, str]) -> None:
        for base in images.BASES:
            if os.environ.get(base.variable):
                interp[base.variable] = os.environ[base.variable]
                self.sources[base.variable] = f"{interp[base.variable]} (given)"
            elif images.pullable(self.podman, base.official):
                self.sources[base.variable] = f"{base.official} (official, pulled)"
            else:
                images.debian_root(self.podman, self.args.rebuild)
                interp[base.variable] = images.build_local(self.podman, base, self.args.rebuild)
                self.sources[base.variable] = (
                    f"{interp[base.variable]} (Debian stand-in: {base.official} cannot be pulled)"
                )
        images.debian_root(self.podman, self.args.rebuild)
        images.build_local(self.podman, images.PROXY, self.args.rebuild)

    def ca_bundle(self) -> list[str]:
        """Mount the host's CA bundle where pip looks (proxies that re-sign TLS)."""
        for path in (os.environ.get("PIP_CERT"), "/etc/ssl/certs/ca-certificates.crt"):
            if path and Path(path).is_file():
                return ["-v", f"{path}:{path}:ro"]
        return []

    # -- run

    def run(self) -> int:
        from hotline.kit.crypto import generate_key
        from tests.fixtures.fake_botapi import FakeBotApi

        self.fake = FakeBotApi(host="0.0.0.0").start()  # containers reach it on the host
        api_port, proxy_port = free_port(), free_port()
        tg_secret = secrets.token_hex(16)
        metrics_token = secrets.token_hex(16)
        overrides = {
            "POSTGRES_PASSWORD": secrets.token_hex(12),
            "CANHGIAC_SECRET_KEY": generate_key(),
            "CANHGIAC_DATA_KEY": generate_key(),
            "TELEGRAM_BOT_TOKEN": TG_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": tg_secret,
            "TELEGRAM_API_BASE_URL": f"http://host.containers.internal:{self.fake.port}",
            "CANHGIAC_METRICS_TOKEN": metrics_token,
            "CANHGIAC_API_BIND": "127.0.0.1",
            "CANHGIAC_API_PORT": str(api_port),
            "CANHGIAC_PUBLIC_URL": f"http://127.0.0.1:{proxy_port}",
            "CANHGIAC_WEBCHAT_IP_PER_MINUTE": str(IP_LIMIT),
        }
        values = env_file(overrides)
        interp = dict(values)
        project = Project(
            ROOT / "docker-compose.yml",
            name=self.args.project,
            env=interp,
            podman=self.podman,
            env_files={".env.production": WORK / "env.production"},
        )
        self.project = project
        project.down(volumes=True)
        with self.timer.phase("base images"):
            self.base_images(interp)
        with self.timer.phase("product image (Dockerfile)"):
            project.build("api", extra_args=["--network", "host", *self.ca_bundle()])
        for svc in RASA_SERVICES:
            image = project.image(svc)
            if not images.pullable(self.podman, image):
                project.skipped[svc] = f"{image} cannot be pulled here"
        with self.timer.phase("networks, volumes, proxy address"):
            project.create_networks()
            project.create_volumes()
            subnet = project.subnet("egress")
            net = subnet.split("/")[0].rsplit(".", 1)[0]
            proxy_ip = f"{net}.250"
            values["CANHGIAC_TRUSTED_PROXIES"] = proxy_ip
            interp["CANHGIAC_TRUSTED_PROXIES"] = proxy_ip
            write_env(WORK / "env.production", values)
            log(f"  egress {subnet}; the proxy at {proxy_ip} is the only trusted proxy")
        with self.timer.phase("up: " + ", ".join(project.active())):
            order = project.up([s for s in project.active()], timeout=600)
            for svc in order:
                if project.service(svc).get("healthcheck"):
                    project.wait(svc, "service_healthy", 300)
            log(f"  started in order: {', '.join(order)}")
        proxy = f"{project.name}-proxy-1"
        self.podman.run("rm", "-f", proxy, check=False, quiet=True)
        self.podman.run(
            "run", "-d", "--name", proxy, "--label", f"io.canhgiac.project={project.name}",
            "--network", project.network("egress"), "--ip", proxy_ip,
            "-p", f"127.0.0.1:{proxy_port}:8080", images.PROXY.local,
        )  # fmt: skip
        api = Api(f"http://127.0.0.1:{proxy_port}", f"http://127.0.0.1:{api_port}", tg_secret)
        wait_for(lambda: httpx.get(f"{api.public}/healthz").status_code == 200, 60, "proxy -> api")
        self.scenario(project, api, metrics_token)
        self.report(project)
        return 0

    def scenario(self, project: Project, api: Api, metrics_token: str) -> None:
        fake = self.fake
        with self.timer.phase("hardening as the compose file says"):
            for svc in ("api", "worker"):
                out = self.podman.run("inspect", project.container(svc), quiet=True).stdout
                hc = json.loads(out)[0]["HostConfig"]
                expect(hc["ReadonlyRootfs"], f"{svc}: read-only root")
                expect(set(hc.get("CapDrop") or []) >= {"CAP_CHOWN", "CAP_NET_RAW", "CAP_SETUID"},
                       f"{svc}: capabilities dropped ({len(hc.get('CapDrop') or [])})")  # fmt: skip
                expect(any("no-new-privileges" in o for o in hc.get("SecurityOpt") or []),
                       f"{svc}: no-new-privileges")  # fmt: skip
                uid = project.exec(svc, "id", "-u").strip()
                expect(uid == "10001", f"{svc}: runs as uid {uid}")
                touch = self.podman.run(
                    "exec", project.container(svc), "touch", "/app/x", check=False, quiet=True
                )
                expect(touch.returncode != 0, f"{svc}: cannot write to /app")
            workers = project.exec(
                "api", "sh", "-c", 'ls "$PROMETHEUS_MULTIPROC_DIR" | wc -l'
            ).strip()
            expect(
                int(workers) >= 1,
                f"api: uvicorn workers write metrics to the tmpfs ({workers} files)",
            )

        with self.timer.phase("web chat turn (through the proxy)"):
            hello = api.webchat("deploy-check-hello-0001", text="xin chào")
            expect(hello and hello[0]["text"], "web chat answers 'xin chào'")

        with self.timer.phase("Telegram update (fake Bot API)"):
            chat = 810_001
            api.telegram(tg_text(chat, "/start"))
            texts = wait_for(lambda: fake.sent_texts(chat), 20, "telegram reply")
            expect(texts, f"the bot answered on Telegram via the fake Bot API ({len(texts)} msgs)")
            getme = [c for c in fake.calls() if c.token == TG_TOKEN]
            expect(getme, "api and worker reach the Bot API on the host")

        with self.timer.phase("staff and agencies (REST API)"):
            pw = secrets.token_urlsafe(18)
            for user in ("check.author", "check.approver"):
                project.exec(
                    "api", "canhgiac", "user", "create", "--username", user, "--role", "admin",
                    stdin=pw + "\n",
                )  # fmt: skip
            author = api.token("check.author", pw)
            approver = api.token("check.approver", pw)
            agencies = httpx.get(f"{api.public}/api/v1/agencies", headers=author, timeout=30)
            expect(agencies.status_code == 200, "GET /api/v1/agencies")
            chats: dict[str, str] = {}
            for i, a in enumerate(agencies.json()):
                chats[a["code"]] = f"-100{9000 + i}"
                r = httpx.patch(
                    f"{api.public}/api/v1/agencies/{a['code']}",
                    json={"notify": [{"channel": "telegram", "chat_id": chats[a["code"]]}]},
                    headers=author,
                    timeout=30,
                )
                if r.status_code != 200:
                    raise CheckFailed(f"PATCH agency {a['code']}: {r.status_code} {r.text}")
            log(f"  {len(chats)} agencies notify a Telegram group on the fake")
        agency_chats = set(chats.values())

        def agency_messages() -> list[Any]:
            return [c for c in fake.sent_messages() if str(c.chat_id) in agency_chats]

        def tips() -> list[dict[str, Any]]:
            r = httpx.get(f"{api.public}/api/v1/tips", headers=author, timeout=30)
            if r.status_code != 200:
                raise CheckFailed(f"GET /api/v1/tips: {r.status_code}")
            return list(r.json())

        def notified(tip_id: int) -> list[Any]:
            return [c for c in agency_messages() if f"/console/tips/{tip_id}" in str(c.params)]

        markers: dict[str, str] = {}
        with self.timer.phase("tips reach an agency"):
            markers["TG1"] = telegram_tip(api, fake, 820_001, "TG1x")
            markers["WEB1"] = webchat_tip(api, "deploy-check-tip-0001", "WEB1x")
            ids = [t["id"] for t in tips()]
            expect(len(ids) == 2, f"2 tips stored ({ids})")
            for tip_id in ids:
                wait_for(functools.partial(notified, tip_id), 60, f"agency notice for tip {tip_id}")
                expect(notified(tip_id), f"tip #{tip_id} reached an agency on Telegram")

        campaign_text = f"Chiến dịch kiểm tra triển khai {secrets.token_hex(3)}"
        subscriber = 830_001

        def campaign_sent() -> list[str]:
            return [t for t in fake.sent_texts(subscriber) if campaign_text in t]

        with self.timer.phase("campaign sent once"):
            steps = ["sub:t:tactics", "sub:t:done", "sub:p:-", "sub:a:-", "sub:l:vi", "sub:ok"]
            api.telegram(tg_text(subscriber, "/dangky"))
            for step in steps:
                api.telegram(tg_press(subscriber, step))
            body = {
                "title": "deploy-check",
                "messages": {"vi": campaign_text},
                "segment": {"topics": ["tactics"]},
                "schedule": "now",
            }
            c = httpx.post(f"{api.public}/api/v1/campaigns", json=body, headers=author, timeout=30)
            expect(c.status_code == 201, f"campaign created ({c.status_code} {c.text[:200]})")
            cid = c.json()["id"]
            for who, action in ((author, "submit"), (approver, "approve")):
                r = httpx.post(
                    f"{api.public}/api/v1/campaigns/{cid}/{action}", headers=who, timeout=30
                )
                expect(r.status_code == 200, f"campaign {action} ({r.status_code} {r.text[:200]})")
            wait_for(campaign_sent, 90, "the campaign reaches its subscriber")
            time.sleep(3)
            expect(len(campaign_sent()) == 1, "the subscriber got the campaign exactly once")

        with self.timer.phase("/metrics"):
            bearer = {"Authorization": f"Bearer {metrics_token}"}
            m = httpx.get(f"{api.direct}/metrics", headers=bearer, timeout=30)
            expect(m.status_code == 200, "GET /metrics with the token: 200")
            text = m.text
            seen = {
                ch: sum(
                    float(v)
                    for v in re.findall(
                        rf'^canhgiac_messages_in_total\{{[^}}]*channel="{ch}"[^}}]*\}} (\S+)',
                        text,
                        re.M,
                    )
                )
                for ch in ("webchat", "telegram")
            }
            expect(all(v > 0 for v in seen.values()), f"messages counted across workers {seen}")
            expect("canhgiac_metrics_db_up 1.0" in text, "canhgiac_metrics_db_up 1")
            expect(httpx.get(f"{api.direct}/metrics").status_code == 401, "no token: 401")
            expect(httpx.get(f"{api.public}/metrics").status_code == 404, "proxy hides /metrics")

        with self.timer.phase("trusted proxy: X-Forwarded-For only from the proxy"):
            self.proxy_check(project)

        with self.timer.phase("restart api (a conversation spans it)"):

            def restart_api() -> None:
                project.restart("api")
                log("  api restarted and healthy")

            markers["WEB2"] = webchat_tip(api, "deploy-check-tip-0002", "WEB2x", restart_api)
            expect(len(tips()) == 3, "the tip begun before the restart was stored once after it")

        with self.timer.phase("restart worker (a tip waits for it)"):
            self.podman.run("stop", "-t", "10", project.container("worker"))
            markers["TG2"] = telegram_tip(api, fake, 820_002, "TG2x")
            new = max(t["id"] for t in tips())
            time.sleep(3)
            expect(not notified(new), f"tip #{new} waits while the worker is down")
            self.podman.run("start", project.container("worker"))
            project.wait("worker", "service_started")
            wait_for(lambda: notified(new), 90, f"notice for tip {new} after the worker restart")
            expect(notified(new), f"tip #{new} reached an agency after the worker came back")
            time.sleep(5)
            expect(len(campaign_sent()) == 1, "the campaign was not sent again by the new worker")

        with self.timer.phase("restart postgres"):
            before = len(tips())
            project.restart("postgres")
            wait_for(lambda: httpx.get(f"{api.public}/healthz").status_code == 200, 90,
                     "api healthy after the database restart")  # fmt: skip
            expect(True, "api recovered without a restart of its own")
            menu = api.webchat("deploy-check-after-pg-0001", text="menu")
            expect(menu, "web chat answers after the database restart")
            markers["TG3"] = telegram_tip(api, fake, 820_003, "TG3x")
            after = tips()
            expect(len(after) == before + 1, f"all {before} earlier tips kept, the new one stored")
            wait_for(lambda: notified(max(t["id"] for t in after)), 90, "notice after pg restart")

        with self.timer.phase("nothing lost, nothing twice"):
            all_tips = tips()
            expect(
                len(all_tips) == len(markers), f"{len(markers)} tips made, {len(all_tips)} stored"
            )
            for t in all_tips:
                wait_for(functools.partial(notified, t["id"]), 60, f"tip {t['id']} notified")
            counts = collections.Counter(
                (str(c.chat_id), c.params.get("text")) for c in agency_messages()
            )
            dups = {k: n for k, n in counts.items() if n > 1}
            expect(not dups, f"every agency notice sent once ({sum(counts.values())} notices)")
            expect(len(campaign_sent()) == 1, "the campaign reached its subscriber once in all")
            receipts = [t for t in fake.sent_texts() if CODE.search(t)]
            expect(len(set(markers.values())) == len(markers), "every receipt code is distinct")
            log(f"  receipts on Telegram: {len(receipts)}; turns throttled: {api.throttled}")
            for svc in ("api", "worker"):
                logs = project.logs(svc, tail=2000)
                expect("Traceback" not in logs, f"{svc}: no traceback in its log")

    def proxy_check(self, project: Project) -> None:
        """Rate limits count the client behind the proxy, and no one else may name a client.

        Clients are one-off containers on the egress network (each its own address), posting
        IP_LIMIT + 2 web chat messages under fresh session ids: 2 are refused (429).
        """
        script = (
            "import json,sys,urllib.request as u\n"
            "url,n,xff=sys.argv[1],int(sys.argv[2]),sys.argv[3]\n"
            "codes=[]\n"
            "for i in range(n):\n"
            "  h={'Content-Type':'application/json'}\n"
            "  if xff: h['X-Forwarded-For']=xff.replace('{i}',str(i))\n"
            "  b=json.dumps({'session_id':'proxy-%s-%06d'%(sys.argv[4],i),'text':'hi'}).encode()\n"
            "  try: codes.append(u.urlopen(u.Request(url,b,h),timeout=30).status)\n"
            "  except u.HTTPError as e: codes.append(e.code)\n"
            "print(json.dumps(codes))\n"
        )

        def client(url: str, n: int, xff: str, tag: str) -> list[int]:
            out = self.podman.run(
                "run", "--rm", "--network", project.network("egress"), "--read-only",
                "--cap-drop", "ALL", "--entrypoint", "python", project.image("api"),
                "-c", script, url, str(n), xff, tag, quiet=True,
            ).stdout  # fmt: skip
            return list(json.loads(out.strip().splitlines()[-1]))

        via_proxy = "http://" + f"{project.name}-proxy-1:8080/webchat/messages"
        direct = "http://api:8000/webchat/messages"
        a = client(via_proxy, IP_LIMIT + 2, "", "a")
        expect(
            a.count(429) == 2,
            f"client A through the proxy: limited after {IP_LIMIT} ({a.count(429)}×429)",
        )
        b = client(via_proxy, IP_LIMIT, "", "b")
        expect(b.count(429) == 0, "client B through the proxy has its own limit (XFF honoured)")
        c = client(via_proxy, IP_LIMIT + 2, "198.51.100.{i}", "c")
        expect(
            c.count(429) == 2,
            f"client C through the proxy, naming other addresses: limited ({c.count(429)}×429)",
        )
        d = client(direct, IP_LIMIT + 2, "203.0.113.{i}", "d")
        expect(
            d.count(429) == 2,
            f"client D straight to api, forging X-Forwarded-For: limited ({d.count(429)}×429)",
        )

    def report(self, project: Project) -> None:
        log("\n== services")
        for svc in project.raw["services"]:
            if svc in project.skipped:
                log(f"  {svc:16} skipped: {project.skipped[svc]}")
                continue
            if svc not in project.active():
                log(f"  {svc:16} not started (profiles {project.raw['services'][svc]['profiles']})")
                continue
            st = project.state(svc)
            health = (
                " healthy"
                if project.service(svc).get("healthcheck") and project.healthy(svc)
                else ""
            )
            log(f"  {svc:16} {st['Status']} (exit {st['ExitCode']}){health}  {project.image(svc)}")
        log(f"  {'proxy':16} running  {images.PROXY.local} (nginx from Debian, the check's own)")
        log("\n== base images")
        for var, src in self.sources.items():
            log(f"  {var}: {src}")
        log("\n== image sizes (podman image inspect)")
        for image in sorted({project.image(s) for s in CORE} | {images.PROXY.local}):
            log(f"  {image:50} {images.size_mb(self.podman, image):8.0f} MB")
        log("\n== timings")
        for name, secs in self.timer.rows:
            log(f"  {secs:7.1f} s  {name}")
        log(f"  {sum(s for _, s in self.timer.rows):7.1f} s  total")

    def close(self) -> None:
        if self.fake is not None:
            self.fake.stop()
        if self.project is not None and not self.args.keep:
            self.project.down(volumes=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", action="store_true", help="leave the stack running")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the Debian base images")
    parser.add_argument("--project", default="canhgiac-check", help="podman name prefix")
    args = parser.parse_args()
    check = Check(args)
    try:
        check.run()
    except (CheckFailed, ComposeError) as exc:
        log(f"\nDEPLOY CHECK FAILED: {exc}")
        if check.project is not None:
            for svc in ("migrate", "api", "worker"):
                with contextlib.suppress(ComposeError):
                    log(f"--- {svc} log\n{check.project.logs(svc, 40)}")
        return 1
    finally:
        check.close()
    log("\nDEPLOY CHECK PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
