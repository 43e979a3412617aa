"""Settings: one dataclass built from flags and the environment at start-up, never at import."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SLACK_API_URL = "https://slack.com/api"
DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"


@dataclass(frozen=True)
class Settings:
    knowledge_dir: Path = Path("knowledge")
    intents_dir: Path = Path("intents")
    host: str = "127.0.0.1"
    port: int = 8080
    sessions: str = "memory"
    session_ttl_seconds: float = 3600.0
    max_sessions: int = 10_000
    slack_signing_secret: str = field(default="", repr=False)
    slack_bot_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    telegram_secret_token: str = field(default="", repr=False)
    telegram_bot_token: str = field(default="", repr=False)
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    admin_token: str = field(default="", repr=False)
    cors_origins: tuple[str, ...] = ()
    log_json: bool = False
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read RESBOT_* variables; explicit keyword overrides (from flags) win."""
        env = os.environ if env is None else env
        origins = tuple(
            o.strip() for o in env.get("RESBOT_CORS_ORIGINS", "").split(",") if o.strip()
        )
        values: dict[str, object] = {
            "sessions": env.get("RESBOT_SESSIONS", "memory") or "memory",
            "slack_signing_secret": env.get("RESBOT_SLACK_SIGNING_SECRET", ""),
            "slack_bot_token": env.get("RESBOT_SLACK_BOT_TOKEN", ""),
            "slack_api_url": env.get("RESBOT_SLACK_API_URL", "") or DEFAULT_SLACK_API_URL,
            "telegram_secret_token": env.get("RESBOT_TELEGRAM_SECRET_TOKEN", ""),
            "telegram_bot_token": env.get("RESBOT_TELEGRAM_BOT_TOKEN", ""),
            "telegram_api_url": env.get("RESBOT_TELEGRAM_API_URL", "") or DEFAULT_TELEGRAM_API_URL,
            "admin_token": env.get("RESBOT_ADMIN_TOKEN", ""),
            "cors_origins": origins,
            "log_json": env.get("RESBOT_LOG_JSON", "").lower() in {"1", "true", "yes"},
            "log_level": env.get("RESBOT_LOG_LEVEL", "INFO").upper() or "INFO",
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
