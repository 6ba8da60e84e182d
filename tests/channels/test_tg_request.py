"""PTB's networking on aiohttp: the real PTB Bot against the fake Bot API and broken servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import pytest
from telegram.error import NetworkError, TimedOut

from bot.channels import telegram as tg
from bot.channels.tg_request import AiohttpRequest
from tests.fixtures.fake_botapi import FakeBotApi

TOKEN = "123456:TEST-request_token"


async def test_calls_uploads_and_downloads_through_the_fake(fake_botapi: FakeBotApi) -> None:
    async with tg.make_bot(TOKEN, fake_botapi.root_url) as bot:
        sent = await bot.send_message(42, "Xin chào, có dấu: Cảnh Giác ✅")
        assert sent.text == "Xin chào, có dấu: Cảnh Giác ✅"
        # Files go as multipart, like PTB's httpx back end sends them.
        photo = await bot.send_photo(42, b"\x89PNG-not-really", caption="ảnh")
        [call] = fake_botapi.calls("sendPhoto")
        assert call.files["photo"] == b"\x89PNG-not-really"
        assert call.params["caption"] == "ảnh"
        # Downloads (getFile + the file URL) use the same session.
        file = await bot.get_file(photo.photo[-1].file_id)
        assert bytes(await file.download_as_bytearray()) == b"\x89PNG-not-really"


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[str]:
    """Accepts connections and never answers."""
    writers: list[asyncio.StreamWriter] = []

    async def hold(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writers.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for w in writers:
            w.close()
        server.close()


async def test_a_silent_server_times_out_as_ptb_expects() -> None:
    request = AiohttpRequest(read_timeout=0.3)
    async with silent_server() as root:
        with pytest.raises(TimedOut):
            await request.post(f"{root}/bot{TOKEN}/getMe")
    await request.shutdown()


async def test_a_closed_port_is_a_network_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nobody listens there
    request = AiohttpRequest()
    with pytest.raises(NetworkError) as err:
        await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert "aiohttp." in str(err.value)
    await request.shutdown()


def test_proxies_come_from_the_environment_once_per_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    request = AiohttpRequest()
    assert request._proxy("https://api.telegram.org/bot1/getMe") == "http://proxy.example:3128"
    assert request._proxy("http://127.0.0.1:8081/bot1/getMe") is None
    monkeypatch.delenv("HTTPS_PROXY")
    # Cached per origin: the environment is not read again for every call.
    assert request._proxy("https://api.telegram.org/bot1/sendMessage") == (
        "http://proxy.example:3128"
    )
