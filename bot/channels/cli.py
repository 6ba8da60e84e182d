"""`canhgiac telegram …`, `canhgiac zalo …`: polling and webhooks; `canhgiac zalo-oa …`: tokens."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer

from hotline.cli import CliError

telegram_app = typer.Typer(
    help="Telegram: long polling, webhook, command menu.", no_args_is_help=True
)
zalo_app = typer.Typer(help="Zalo Bot Platform: long polling, webhook.", no_args_is_help=True)

UrlArg = Annotated[str, typer.Argument(help="URL công khai / public HTTPS URL of /webhooks/...")]


def _runtime():  # type: ignore[no-untyped-def]
    from bot.runtime import BotRuntime
    from hotline.config import get_settings
    from hotline.kit.logging import configure

    settings = get_settings()
    settings.require_keys()
    configure(settings.log_level)
    return BotRuntime.from_settings(settings)


def _light_runtime():  # type: ignore[no-untyped-def]
    """Settings and strings only (webhook setup needs no NLU model)."""
    from bot.runtime import BotRuntime
    from hotline.config import get_settings

    class _NoNlu:
        def parse(self, text: str) -> dict[str, object]:
            raise RuntimeError("no NLU in setup commands")

    settings = get_settings()
    settings.require_keys()
    from hotline.runtime import HotlineRuntime

    return BotRuntime.build(HotlineRuntime.from_settings(settings), _NoNlu())


def _check_url(url: str, path: str) -> None:
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        raise CliError("URL phải bắt đầu bằng https:// / the webhook URL must use https://")
    if not url.rstrip("/").endswith(path):
        typer.echo(f"Lưu ý / note: the app listens on {path}", err=True)


# ---------------------------------------------------------------------- Telegram


def _telegram_token(rt) -> str:  # type: ignore[no-untyped-def]
    from bot.channels import telegram as tg

    token = tg.token_of(rt)
    if token is None:
        raise CliError("TELEGRAM_BOT_TOKEN chưa được đặt / is not set")
    return token


@telegram_app.command("poll")
def telegram_poll() -> None:
    """Long polling (no public URL needed); removes a webhook first. Ctrl-C stops."""
    from telegram import Update

    from bot.channels import telegram as tg

    rt = _runtime()
    _telegram_token(rt)
    application = tg.build_application(rt, polling=True)

    async def post_init(app) -> None:  # type: ignore[no-untyped-def]
        await tg.set_commands(app.bot, rt)

    application.post_init = post_init
    typer.echo("Telegram: polling… (Ctrl-C để dừng / to stop)")
    application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)


async def _telegram_bot(rt):  # type: ignore[no-untyped-def]
    from bot.channels import telegram as tg

    return tg.make_bot(_telegram_token(rt), tg.api_root(rt))


@telegram_app.command("set-webhook")
def telegram_set_webhook(url: UrlArg) -> None:
    """Point Telegram at URL (…/webhooks/telegram) with TELEGRAM_WEBHOOK_SECRET; sets commands."""
    from telegram import Update

    from bot.channels import telegram as tg

    rt = _light_runtime()
    secret = rt.settings.telegram_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise CliError("TELEGRAM_WEBHOOK_SECRET chưa được đặt / is not set")
    _check_url(url, "/webhooks/telegram")

    async def run() -> None:
        async with await _telegram_bot(rt) as bot:
            await bot.set_webhook(
                url, secret_token=secret.get_secret_value(), allowed_updates=Update.ALL_TYPES
            )
            await tg.set_commands(bot, rt)

    asyncio.run(run())
    typer.echo(f"Telegram webhook: {url}")


@telegram_app.command("delete-webhook")
def telegram_delete_webhook() -> None:
    """Remove the webhook (polling works again)."""
    rt = _light_runtime()

    async def run() -> None:
        async with await _telegram_bot(rt) as bot:
            await bot.delete_webhook()

    asyncio.run(run())
    typer.echo("Telegram webhook: removed")


@telegram_app.command("set-commands")
def telegram_set_commands() -> None:
    """Publish the command menu (Vietnamese, English for English-language clients)."""
    from bot.channels import telegram as tg

    rt = _light_runtime()

    async def run() -> None:
        async with await _telegram_bot(rt) as bot:
            await tg.set_commands(bot, rt)

    asyncio.run(run())
    typer.echo(f"Telegram: {len(tg.COMMANDS)} commands set")


# ---------------------------------------------------------------------- Zalo


@zalo_app.command("poll")
def zalo_poll(
    timeout: Annotated[int, typer.Option(help="Giây mỗi lần chờ / long-poll seconds")] = 30,
) -> None:
    """Long polling (no public URL needed); removes a webhook first. Ctrl-C stops."""
    from bot.channels import zalo

    rt = _runtime()
    if zalo.token_of(rt) is None:
        raise CliError("ZALO_BOT_TOKEN chưa được đặt / is not set")
    channel = zalo.build_channel(rt)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        api = channel.sender.api
        await api.delete_webhook()
        task = asyncio.create_task(zalo.poll(channel, stop, timeout))
        await stop.wait()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await api.aclose()

    typer.echo("Zalo: polling… (Ctrl-C để dừng / to stop)")
    asyncio.run(run())


@zalo_app.command("set-webhook")
def zalo_set_webhook(url: UrlArg) -> None:
    """Point Zalo at URL (…/webhooks/zalo) with ZALO_WEBHOOK_SECRET."""
    from bot.channels.zalo_api import ZaloBotApi

    rt = _light_runtime()
    token = rt.settings.zalo_bot_token
    secret = rt.settings.zalo_webhook_secret
    if token is None or not token.get_secret_value():
        raise CliError("ZALO_BOT_TOKEN chưa được đặt / is not set")
    if secret is None or not 8 <= len(secret.get_secret_value()) <= 256:
        raise CliError("ZALO_WEBHOOK_SECRET phải dài 8–256 ký tự / must be 8-256 characters")
    _check_url(url, "/webhooks/zalo")

    async def run() -> None:
        async with ZaloBotApi(token.get_secret_value(), rt.settings.zalo_api_base_url) as api:
            await api.set_webhook(url, secret.get_secret_value())

    asyncio.run(run())
    typer.echo(f"Zalo webhook: {url}")


# ---------------------------------------------------------------------- Zalo Official Account

zalo_oa_app = typer.Typer(
    help="Zalo Official Account: tokens (authorize, status, refresh).", no_args_is_help=True
)


def _oa_keeper():  # type: ignore[no-untyped-def]
    """Settings, database and a token keeper (no NLU model needed)."""
    from bot.channels.zalo_oa_tokens import enabled, keeper_for
    from hotline.config import get_settings
    from hotline.runtime import HotlineRuntime

    settings = get_settings()
    settings.require_keys()
    if not enabled(settings):
        raise CliError(
            "ZALO_OA_APP_ID, ZALO_OA_APP_SECRET, ZALO_OA_SECRET_KEY chưa đặt đủ / are not all set"
        )
    rt = HotlineRuntime.from_settings(settings)
    return rt, keeper_for(settings, rt.sessions, rt.cipher)


def _local(when) -> str:  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return str(when.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y %H:%M"))


@zalo_oa_app.command("authorize")
def zalo_oa_authorize(
    code: Annotated[
        str | None, typer.Option(help="Mã ủy quyền OA / the OA authorization code")
    ] = None,
    code_verifier: Annotated[
        str | None, typer.Option(help="code_verifier (PKCE), nếu có / if the code used one")
    ] = None,
) -> None:
    """Store the OA's tokens the first time: from an authorization code, or a refresh token.

    Without --code the refresh token is asked for (hidden, so it stays out of shell history).
    """
    from bot.channels.zalo_oa_api import OaAuthError
    from bot.channels.zalo_oa_tokens import OaNotAuthorized, authorize

    rt, keeper = _oa_keeper()
    refresh = None
    if not code:
        refresh = typer.prompt("Refresh token", hide_input=True).strip()

    async def run() -> int:
        try:
            return await authorize(
                keeper, refresh_token=refresh, code=code, code_verifier=code_verifier
            )
        finally:
            await keeper.api.aclose()

    try:
        version = asyncio.run(run())
    except (OaAuthError, OaNotAuthorized) as exc:
        raise CliError(f"Zalo OA từ chối / refused: {exc}") from None
    finally:
        rt.close()
    typer.echo(f"Zalo OA: đã lưu token / tokens stored (version {version})")


@zalo_oa_app.command("status")
def zalo_oa_status() -> None:
    """When the access token expires and whether the last refresh failed (no token shown)."""
    from hotline.channel_tokens import service as tokens
    from hotline.db.session import unit_of_work

    rt, keeper = _oa_keeper()
    try:
        with unit_of_work(rt.sessions) as session:
            found = tokens.load(session, rt.cipher, keeper.name)
    finally:
        rt.close()
    if found is None:
        raise CliError("chưa có token / no tokens yet: canhgiac zalo-oa authorize")
    typer.echo(f"Zalo OA: access token hết hạn / expires {_local(found.expires_at)}")
    if found.last_error:
        typer.echo(f"Lần làm mới gần nhất lỗi / last refresh failed: {found.last_error}")


@zalo_oa_app.command("refresh")
def zalo_oa_refresh() -> None:
    """Refresh the tokens now (the worker does it an hour before they expire)."""
    from bot.channels.zalo_oa_tokens import OaNotAuthorized

    rt, keeper = _oa_keeper()

    async def run():  # type: ignore[no-untyped-def]
        try:
            current = await keeper.current()
            return await keeper.refresh(current.version)
        finally:
            await keeper.api.aclose()

    try:
        found = asyncio.run(run())
    except OaNotAuthorized as exc:
        raise CliError(str(exc)) from None
    finally:
        rt.close()
    typer.echo(f"Zalo OA: đã làm mới / refreshed; expires {_local(found.expires_at)}")
