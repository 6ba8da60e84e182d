"""Pluggable senders: Telegram group chat (Bot API over httpx), e-mail (SMTP), webhook."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any, Protocol

import httpx

from hotline.config import Settings
from hotline.kit.netcheck import resolves_public


class SendError(Exception):
    """Delivery failed; retried later. The message is short and has no content."""


class Sender(Protocol):
    """Delivers one notice to one destination."""

    def send(self, destination: dict[str, Any], text: str) -> None:
        """Deliver or raise SendError."""


class TelegramSender:
    """`sendMessage` to a group chat through the Bot API (no telegram library in hotline)."""

    def __init__(self, base_url: str, token: str, client: httpx.Client) -> None:
        self.url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"
        self.client = client

    def send(self, destination: dict[str, Any], text: str) -> None:
        """POST the text to the chat id."""
        try:
            r = self.client.post(
                self.url,
                json={"chat_id": destination["chat_id"], "text": text},
                timeout=15,
            )
        except httpx.HTTPError as exc:
            raise SendError(f"telegram: {type(exc).__name__}") from exc
        if r.status_code != 200 or not r.json().get("ok"):
            raise SendError(f"telegram: HTTP {r.status_code}")


class WebhookSender:
    """POST a small JSON body to the agency's URL."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def send(self, destination: dict[str, Any], text: str) -> None:
        """POST {"text": ...}, only to a host that resolves to public addresses."""
        url = httpx.URL(str(destination["url"]))
        if not resolves_public(url.host, url.port or 443):
            raise SendError("webhook: not a public address")
        try:
            r = self.client.post(url, json={"text": text}, timeout=15, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise SendError(f"webhook: {type(exc).__name__}") from exc
        if r.status_code >= 300:
            raise SendError(f"webhook: HTTP {r.status_code}")


class EmailSender:
    """One plain-text e-mail through the configured SMTP server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, destination: dict[str, Any], text: str) -> None:
        """Send via SMTP (STARTTLS unless disabled)."""
        s = self.settings
        if not s.smtp_host:
            raise SendError("email: CANHGIAC_SMTP_HOST not set")
        msg = EmailMessage()
        msg["From"] = s.smtp_from
        msg["To"] = destination["address"]
        msg["Subject"] = text.split(" — ")[0][:120]
        msg.set_content(text)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=15) as smtp:
                if s.smtp_starttls:
                    smtp.starttls()
                if s.smtp_user and s.smtp_password:
                    smtp.login(s.smtp_user, s.smtp_password.get_secret_value())
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"email: {type(exc).__name__}") from exc


def build_senders(settings: Settings, client: httpx.Client) -> dict[str, Sender]:
    """The senders available with these settings (Telegram only with a bot token)."""
    senders: dict[str, Sender] = {
        "webhook": WebhookSender(client),
        "email": EmailSender(settings),
    }
    if settings.telegram_bot_token is not None:
        senders["telegram"] = TelegramSender(
            settings.telegram_api_base_url, settings.telegram_bot_token.get_secret_value(), client
        )
    return senders
