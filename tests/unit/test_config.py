"""Settings refuse missing, malformed or reused keys."""

import pytest
from pydantic import ValidationError

from hotline.config import ConfigError, Settings
from hotline.kit.crypto import generate_key


def test_missing_keys_are_a_clear_error() -> None:
    s = Settings(_env_file=None)
    with pytest.raises(ConfigError, match="CANHGIAC_SECRET_KEY"):
        s.require_keys()


def test_malformed_key_rejected() -> None:
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(CANHGIAC_SECRET_KEY="dG9vLXNob3J0", _env_file=None)
    with pytest.raises(ValidationError):
        Settings(CANHGIAC_DATA_KEY="not base64 at all !!!", _env_file=None)


def test_same_key_twice_rejected() -> None:
    k = generate_key()
    with pytest.raises(ValidationError, match="must differ"):
        Settings(CANHGIAC_SECRET_KEY=k, CANHGIAC_DATA_KEY=k, _env_file=None)


def test_defaults_follow_the_contract() -> None:
    s = Settings(_env_file=None)
    assert s.database_url == "sqlite:///./var/canhgiac.db"
    assert s.telegram_api_base_url == "https://api.telegram.org"
    assert s.zalo_api_base_url == "https://bot-api.zaloplatforms.com"
    assert s.rasa_url is None and s.redis_url is None
