"""Settings: one dataclass built from flags and the environment at start-up, never at import."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"


class SettingsError(ValueError):
    """An environment variable holds a value resbot cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = Path("knowledge")
    intents_dir: Path = Path("intents")
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    # `memory` or a redis:// URL, which may hold a password: never in repr or logs.
    sessions: str = field(default="memory", repr=False)
    session_ttl_seconds: float = 3600.0
    max_sessions: int = 10_000
    redis_timeout_seconds: float = 0.5
    # Abuse limits (docs/deployment.md): sizes, token buckets, slow clients.
    max_body_bytes: int = 64 * 1024
    max_message_chars: int = 2000
    sender_rate_per_minute: float = 30.0
    sender_burst: int = 10
    client_rate_per_minute: float = 300.0
    client_burst: int = 100
    # Failed authentications (Slack, Telegram, admin) per client address.
    auth_failure_rate_per_minute: float = 10.0
    auth_failure_burst: int = 10
    proxy_hops: int = 0
    read_timeout_seconds: float = 10.0
    keepalive_timeout_seconds: float = 15.0
    shutdown_timeout_seconds: float = 20.0
    # Answers kept for repeated questions in the same context (0: off); see bot.core.engine.
    answer_cache: int = 4096
    slack_signing_secret: str = field(default="", repr=False)
    slack_bot_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    telegram_secret_token: str = field(default="", repr=False)
    telegram_bot_token: str = field(default="", repr=False)
    # The bot's @username, to know what is addressed to it in groups (else from getMe).
    telegram_bot_username: str = ""
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    # Telegram allows about one message a second per chat: the pause between a long reply's parts.
    telegram_send_interval_seconds: float = 1.0
    admin_token: str = field(default="", repr=False)
    cors_origins: tuple[str, ...] = ()
    log_json: bool = False
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read RESBOT_* variables; explicit keyword overrides (from flags) win. Raises
        SettingsError naming the variable when a number is malformed or out of range."""
        env = os.environ if env is None else env
        origins = tuple(
            o.strip() for o in env.get("RESBOT_CORS_ORIGINS", "").split(",") if o.strip()
        )
        values: dict[str, object] = {
            "sessions": env.get("RESBOT_SESSIONS", "memory").strip() or "memory",
            "slack_signing_secret": env.get("RESBOT_SLACK_SIGNING_SECRET", ""),
            "slack_bot_token": env.get("RESBOT_SLACK_BOT_TOKEN", ""),
            "slack_api_url": env.get("RESBOT_SLACK_API_URL", "") or DEFAULT_SLACK_API_URL,
            "telegram_secret_token": env.get("RESBOT_TELEGRAM_SECRET_TOKEN", ""),
            "telegram_bot_token": env.get("RESBOT_TELEGRAM_BOT_TOKEN", ""),
            "telegram_bot_username": env.get("RESBOT_TELEGRAM_BOT_USERNAME", "").strip(" @"),
            "telegram_api_url": env.get("RESBOT_TELEGRAM_API_URL", "") or DEFAULT_TELEGRAM_API_URL,
            "admin_token": env.get("RESBOT_ADMIN_TOKEN", ""),
            "cors_origins": origins,
            "log_json": env.get("RESBOT_LOG_JSON", "").lower() in {"1", "true", "yes"},
            "log_level": env.get("RESBOT_LOG_LEVEL", "INFO").upper() or "INFO",
        }
        for name, (variable, kind, minimum) in _NUMBERS.items():
            raw = env.get(variable, "").strip()
            if raw:
                values[name] = _number(variable, raw, kind, minimum)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


# field -> (environment variable, type, smallest allowed value)
_NUMBERS: dict[str, tuple[str, Callable[[str], float], float]] = {
    "session_ttl_seconds": ("RESBOT_SESSION_TTL", float, 1),
    "max_sessions": ("RESBOT_MAX_SESSIONS", int, 1),
    "redis_timeout_seconds": ("RESBOT_REDIS_TIMEOUT", float, 0.01),
    "max_body_bytes": ("RESBOT_MAX_BODY_BYTES", int, 1024),
    "max_message_chars": ("RESBOT_MAX_MESSAGE_CHARS", int, 1),
    "sender_rate_per_minute": ("RESBOT_SENDER_RATE", float, 0),
    "sender_burst": ("RESBOT_SENDER_BURST", int, 1),
    "client_rate_per_minute": ("RESBOT_CLIENT_RATE", float, 0),
    "client_burst": ("RESBOT_CLIENT_BURST", int, 1),
    "auth_failure_rate_per_minute": ("RESBOT_AUTH_FAILURE_RATE", float, 0),
    "auth_failure_burst": ("RESBOT_AUTH_FAILURE_BURST", int, 1),
    "proxy_hops": ("RESBOT_PROXY_HOPS", int, 0),
    "read_timeout_seconds": ("RESBOT_READ_TIMEOUT", float, 0.1),
    "keepalive_timeout_seconds": ("RESBOT_KEEPALIVE_TIMEOUT", float, 0.1),
    "shutdown_timeout_seconds": ("RESBOT_SHUTDOWN_TIMEOUT", float, 0),
    "answer_cache": ("RESBOT_ANSWER_CACHE", int, 0),
    "telegram_send_interval_seconds": ("RESBOT_TELEGRAM_SEND_INTERVAL", float, 0),
}


def _number(variable: str, raw: str, kind: Callable[[str], float], minimum: float) -> float:
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{variable}={raw!r} is not a number") from None
    if not value >= minimum:  # also rejects NaN
        raise SettingsError(f"{variable}={raw!r} must be at least {minimum:g}")
    return value
