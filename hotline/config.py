"""Settings from the environment and `.env` (names fixed by the contract, §3)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hotline.kit import threads


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message is meant for the operator."""


def _check_key(value: SecretStr | None, name: str) -> SecretStr | None:
    """Refuse keys that are not 32 random bytes in URL-safe base64 (a Fernet key)."""
    if value is None:
        return None
    raw = value.get_secret_value().strip()
    try:
        decoded = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise ValueError(f"{name} is not URL-safe base64 (use `canhgiac keys generate`)") from exc
    if len(decoded) != 32:
        raise ValueError(f"{name} must decode to 32 bytes (use `canhgiac keys generate`)")
    return SecretStr(raw)


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Every knob of the product; secrets have no defaults on purpose."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(
        "sqlite:///./var/canhgiac.db", validation_alias=_env("CANHGIAC_DATABASE_URL")
    )
    secret_key: SecretStr | None = Field(None, validation_alias=_env("CANHGIAC_SECRET_KEY"))
    data_key: SecretStr | None = Field(None, validation_alias=_env("CANHGIAC_DATA_KEY"))
    # Old data keys stay readable after rotation: comma-separated, newest first.
    data_key_previous: SecretStr | None = Field(
        None, validation_alias=_env("CANHGIAC_DATA_KEY_PREVIOUS")
    )
    rasa_url: str | None = Field(None, validation_alias=_env("CANHGIAC_RASA_URL"))
    redis_url: str | None = Field(None, validation_alias=_env("CANHGIAC_REDIS_URL"))
    nlu_model_dir: Path = Field(Path("var/models"), validation_alias=_env("CANHGIAC_NLU_MODEL_DIR"))
    content_dir: Path = Field(Path("content"), validation_alias=_env("CANHGIAC_CONTENT_DIR"))
    # A piece whose facts were last checked longer ago than this is listed as due for review.
    content_review_days: int = Field(
        365, ge=1, validation_alias=_env("CANHGIAC_CONTENT_REVIEW_DAYS")
    )
    upload_dir: Path = Field(Path("var/uploads"), validation_alias=_env("CANHGIAC_UPLOAD_DIR"))
    log_level: str = Field("INFO", validation_alias=_env("CANHGIAC_LOG_LEVEL"))
    # Threads per web process for the database work of chat turns (see hotline.kit.threads).
    turn_threads: int = Field(
        threads.DEFAULT_THREADS, ge=1, le=64, validation_alias=_env("CANHGIAC_TURN_THREADS")
    )
    # The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (comma-separated
    # addresses or networks). The one place that decides a client's address: login and web chat
    # limits count per address, so an untrusted proxy would make every user one client.
    trusted_proxies: str = Field("127.0.0.1", validation_alias=_env("CANHGIAC_TRUSTED_PROXIES"))
    # Web chat messages per minute: per conversation, and per client address (one address can
    # be a whole campus, or every user behind a proxy that is not trusted for X-Forwarded-For).
    webchat_session_per_minute: int = Field(
        40, ge=1, validation_alias=_env("CANHGIAC_WEBCHAT_SESSION_PER_MINUTE")
    )
    webchat_ip_per_minute: int = Field(
        600, ge=1, validation_alias=_env("CANHGIAC_WEBCHAT_IP_PER_MINUTE")
    )
    # Cookies get the Secure flag unless explicitly served over plain HTTP (demo, tests).
    cookie_secure: bool = Field(True, validation_alias=_env("CANHGIAC_COOKIE_SECURE"))
    session_max_age_seconds: int = Field(
        8 * 3600, validation_alias=_env("CANHGIAC_SESSION_MAX_AGE")
    )
    default_language: Literal["vi", "en"] = "vi"
    # Casework: tips must be triaged within these minutes (crisis / everything else).
    sla_crisis_minutes: int = Field(60, validation_alias=_env("CANHGIAC_SLA_CRISIS_MINUTES"))
    sla_default_minutes: int = Field(24 * 60, validation_alias=_env("CANHGIAC_SLA_MINUTES"))
    # Where overdue-SLA alerts go (besides the coordination desk's channels): a JSON list like
    # an agency's `notify`, e.g. [{"channel": "telegram", "chat_id": "-100123"},
    # {"channel": "email", "address": "giamsat@example.gov.vn"}, {"channel": "webhook", ...}].
    supervisor_notify: list[dict[str, str]] = Field(
        default_factory=list, validation_alias=_env("CANHGIAC_SUPERVISOR_NOTIFY")
    )
    # Agency notifications by e-mail (off when no host) and the console URL they point to.
    smtp_host: str | None = Field(None, validation_alias=_env("CANHGIAC_SMTP_HOST"))
    smtp_port: int = Field(587, validation_alias=_env("CANHGIAC_SMTP_PORT"))
    smtp_user: str | None = Field(None, validation_alias=_env("CANHGIAC_SMTP_USER"))
    smtp_password: SecretStr | None = Field(None, validation_alias=_env("CANHGIAC_SMTP_PASSWORD"))
    smtp_from: str = Field("canhgiac@localhost", validation_alias=_env("CANHGIAC_SMTP_FROM"))
    smtp_starttls: bool = Field(True, validation_alias=_env("CANHGIAC_SMTP_STARTTLS"))
    public_url: str = Field("http://127.0.0.1:8000", validation_alias=_env("CANHGIAC_PUBLIC_URL"))
    timezone: str = "Asia/Ho_Chi_Minh"
    # GET /metrics: bearer token; unset means loopback clients only.
    metrics_token: SecretStr | None = Field(None, validation_alias=_env("CANHGIAC_METRICS_TOKEN"))
    # Data retention (days), applied by `canhgiac retention purge` and the worker.
    retention_conversation_days: int = Field(
        30, ge=1, validation_alias=_env("CANHGIAC_RETENTION_CONVERSATION_DAYS")
    )
    retention_processed_update_days: int = Field(
        7, ge=1, validation_alias=_env("CANHGIAC_RETENTION_PROCESSED_UPDATE_DAYS")
    )
    retention_closed_tip_days: int = Field(
        730, ge=1, validation_alias=_env("CANHGIAC_RETENTION_CLOSED_TIP_DAYS")
    )
    # Finished campaign deliveries: a year of results (30/7 compared with last 30/7) and a margin.
    retention_campaign_delivery_days: int = Field(
        400, ge=1, validation_alias=_env("CANHGIAC_RETENTION_CAMPAIGN_DELIVERY_DAYS")
    )

    telegram_bot_token: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET")
    )
    telegram_api_base_url: str = Field(
        "https://api.telegram.org", validation_alias=_env("TELEGRAM_API_BASE_URL")
    )
    zalo_bot_token: SecretStr | None = Field(None, validation_alias=_env("ZALO_BOT_TOKEN"))
    zalo_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("ZALO_WEBHOOK_SECRET")
    )
    zalo_api_base_url: str = Field(
        "https://bot-api.zaloplatforms.com", validation_alias=_env("ZALO_API_BASE_URL")
    )
    # Zalo Official Account (API v3, OAuth v4): the app linked to a province's existing OA.
    zalo_oa_app_id: str | None = Field(None, validation_alias=_env("ZALO_OA_APP_ID"))
    zalo_oa_app_secret: SecretStr | None = Field(None, validation_alias=_env("ZALO_OA_APP_SECRET"))
    # The OA secret key (not the app secret): it signs webhook events (X-ZEvent-Signature).
    zalo_oa_secret_key: SecretStr | None = Field(None, validation_alias=_env("ZALO_OA_SECRET_KEY"))
    zalo_oa_api_base_url: str = Field(
        "https://openapi.zalo.me", validation_alias=_env("ZALO_OA_API_BASE_URL")
    )
    zalo_oa_oauth_base_url: str = Field(
        "https://oauth.zaloapp.com", validation_alias=_env("ZALO_OA_OAUTH_BASE_URL")
    )
    # Events whose signed timestamp is further than this from now are refused (replays);
    # inside it a replay is a duplicate, processed once (processed updates are kept 7 days).
    zalo_oa_signature_window: int = Field(
        3600, ge=30, le=86_400, validation_alias=_env("ZALO_OA_SIGNATURE_WINDOW_SECONDS")
    )

    @field_validator("secret_key")
    @classmethod
    def _valid_secret(cls, v: SecretStr | None) -> SecretStr | None:
        return _check_key(v, "CANHGIAC_SECRET_KEY")

    @field_validator("supervisor_notify")
    @classmethod
    def _valid_supervisor_notify(cls, v: list[dict[str, str]]) -> list[dict[str, str]]:
        need = {"telegram": "chat_id", "email": "address", "webhook": "url"}
        for dest in v:
            key = need.get(str(dest.get("channel")))
            if key is None or not str(dest.get(key) or "").strip():
                raise ValueError(
                    "CANHGIAC_SUPERVISOR_NOTIFY: mỗi mục cần channel telegram|email|webhook và "
                    "chat_id|address|url / each entry needs channel and chat_id|address|url"
                )
        return v

    @field_validator("data_key")
    @classmethod
    def _valid_data_key(cls, v: SecretStr | None) -> SecretStr | None:
        return _check_key(v, "CANHGIAC_DATA_KEY")

    @model_validator(mode="after")
    def _distinct_keys(self) -> Settings:
        if (
            self.secret_key is not None
            and self.data_key is not None
            and self.secret_key.get_secret_value() == self.data_key.get_secret_value()
        ):
            raise ValueError("CANHGIAC_SECRET_KEY and CANHGIAC_DATA_KEY must differ")
        return self

    def require_keys(self) -> tuple[bytes, bytes]:
        """Return (secret, data) key bytes or fail with a clear message: never a default."""
        missing = [
            name
            for name, val in (
                ("CANHGIAC_SECRET_KEY", self.secret_key),
                ("CANHGIAC_DATA_KEY", self.data_key),
            )
            if val is None
        ]
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} chưa được đặt / not set. "
                "Tạo khoá bằng / generate with: canhgiac keys generate"
            )
        secret, data = self.secret_key, self.data_key
        if secret is None or data is None:  # pragma: no cover - checked just above
            raise ConfigError("keys missing")
        return secret.get_secret_value().encode(), data.get_secret_value().encode()

    @property
    def trusted_proxy_list(self) -> list[str]:
        """The trusted proxies as a list (each validated as an address or a network)."""
        found = [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]
        for item in found:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError as exc:
                raise ConfigError(f"CANHGIAC_TRUSTED_PROXIES: not an address: {item}") from exc
        return found

    @property
    def previous_data_keys(self) -> list[bytes]:
        """Older data keys still accepted for decryption (rotation)."""
        if self.data_key_previous is None:
            return []
        return [
            k.strip().encode()
            for k in self.data_key_previous.get_secret_value().split(",")
            if k.strip()
        ]

    @property
    def is_sqlite(self) -> bool:
        """True when the database is SQLite (single-node defaults)."""
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
