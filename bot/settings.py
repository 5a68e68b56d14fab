"""Configuration from the environment or `.env`. Nothing is read at import time."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API = "https://api.telegram.org"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
TOKEN_RE = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")


class ConfigError(Exception):
    """One line naming the setting that is missing or wrong."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./data/dealchat.db"
    telegram_api_url: str = TELEGRAM_API
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    default_timezone: str = "Europe/Moscow"
    default_language: str = "ru"
    default_region: str = "RU"
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_path: str = "/telegram/webhook"
    webhook_secret: SecretStr | None = None
    # `run --webhook` binds its port with SO_REUSEPORT: several bot processes on one host
    # share the port and the kernel spreads Telegram's connections over them.
    webhook_reuse_port: bool = False
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    web_enabled: bool = True
    public_base_url: str = "http://127.0.0.1:8080"
    lead_api_key: SecretStr | None = None
    # Lead capture: source buttons, fields asked without Skip, website lead assignment
    # ("round_robin" over active managers, or one staff member's Telegram id).
    lead_sources: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["website", "call", "referral", "exhibition", "advertising",
                                 "telegram"])
    lead_required_fields: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["contact_name", "phone"])
    lead_assignment: str = "round_robin"
    payment_provider_token: SecretStr | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "dealchat@localhost"
    smtp_starttls: bool = False
    # The company mailbox (issue 19): watched over IMAP with TLS when IMAP_HOST is set.
    imap_host: str | None = None
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_user: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_since: datetime | None = None  # else the day the mailbox is first watched
    imap_tls_verify: bool = True
    imap_ca_file: str | None = None  # a CA to trust beside the system ones (own server)
    imap_poll_seconds: float = Field(default=60.0, gt=0)  # without IDLE; IDLE's renewal
    imap_batch: int = Field(default=50, ge=1, le=1000)  # messages per pass
    imap_max_mb: float = Field(default=25.0, gt=0)  # larger ones: headers only
    imap_alert_after: int = Field(default=3, ge=1)  # failures in a row before admins hear
    team_chat_id: int | None = None
    # How long a claimed outbox message is another sender's before it may be sent again
    # (claims of a stopped process on this host are released at start-up at once).
    outbox_lease_seconds: float = Field(default=120.0, gt=0)
    # Refuse (not only log) a message sent on its own outside the outbox: the tests set it.
    strict_outbox: bool = False
    # Keys of the FSM state in Redis start with it (several bots may share one Redis).
    redis_prefix: str = "fsm"
    # The official e-invoice validation artefacts (UBL 2.1 XSD, CIUS-RO schematron, CII and
    # Factur-X XSD): read from here, never copied into the project.
    efactura_rules_dir: Path = PROJECT_ROOT.parent / "shared" / "efactura"
    pdf_workers: int = 2
    # Start the PDF worker pool at start-up (off: it starts on the first render).
    pdf_warmup: bool = True
    # Days a customer's deep link or a public document link stays valid.
    link_days: int = Field(default=30, ge=1, le=3650)
    # Telegram's flood limits: ~30 messages/s overall and ~1/s per chat (short bursts pass).
    # A little under Telegram's ~30/s and ~1/s per chat: the time between our limiter's
    # yes and Telegram's count varies, and at the exact limits a burst (a statement's
    # pushes) drew 429s.
    telegram_rate: float = 28.0
    telegram_chat_rate: float = 0.9
    telegram_chat_burst: int = 3
    # Seconds a Telegram user's identity stays cached in the process. None: on for SQLite
    # (one process; changes invalidate it at once), off for PostgreSQL (several processes).
    identity_cache_seconds: float | None = None
    pipelines_file: str = str(PROJECT_ROOT / "config" / "pipelines.toml")
    default_currency: str = "RUB"
    payment_terms_days: int = Field(default=5, ge=0, le=365)
    log_level: str = "INFO"
    # Reports (issue 14): an open deal is "stuck" after this many days without a stage change;
    # what counts towards a sales plan ("paid": payments received, "invoiced": invoices issued).
    report_stuck_days: int = Field(default=14, ge=1, le=3650)
    report_plan_basis: str = "paid"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            return [int(p) for p in parts]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("lead_sources", "lead_required_fields", mode="before")
    @classmethod
    def _split_words(cls, value: object) -> object:
        if isinstance(value, str):
            return [p.strip().lower() for p in value.split(",") if p.strip()]
        return value

    @field_validator("lead_sources")
    @classmethod
    def _lead_sources(cls, value: list[str]) -> list[str]:
        if not value or any(not re.fullmatch(r"[a-z0-9_]{1,32}", v) for v in value):
            raise ValueError("a comma-separated list of codes: letters, digits, _")
        return list(dict.fromkeys(value))

    @field_validator("lead_required_fields")
    @classmethod
    def _lead_required(cls, value: list[str]) -> list[str]:
        known = ("contact_name", "company_name", "phone", "email", "city", "topic", "source")
        unknown = [v for v in value if v not in known]
        if unknown:
            raise ValueError(f"unknown field {unknown[0]!r}; known: {', '.join(known)}")
        return value

    @field_validator("lead_assignment")
    @classmethod
    def _lead_assignment(cls, value: str) -> str:
        value = value.strip()
        if value != "round_robin" and not value.lstrip("-").isdigit():
            raise ValueError("must be round_robin or a Telegram user id")
        return value

    @field_validator("bot_token")
    @classmethod
    def _token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_RE.match(value.get_secret_value()):
            raise ValueError("must look like 123456789:AA... (the token BotFather gave you)")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("report_plan_basis")
    @classmethod
    def _plan_basis(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("paid", "invoiced"):
            raise ValueError("must be paid or invoiced")
        return value

    @field_validator("default_language")
    @classmethod
    def _lang(cls, value: str) -> str:
        if value not in ("ru", "en", "ro"):
            raise ValueError("must be one of ru, en, ro")
        return value

    @field_validator("database_url")
    @classmethod
    def _db(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("must start with sqlite+aiosqlite:// or postgresql+asyncpg://")
        return value

    @field_validator("imap_since")
    @classmethod
    def _since(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:  # a bare date or time: UTC
            return value.replace(tzinfo=UTC)
        return value

    @field_validator("telegram_api_url", "public_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    def require_token(self) -> str:
        if self.bot_token is None:
            raise ConfigError("BOT_TOKEN is not set: put the token BotFather gave you in the "
                              "environment or in .env")
        return self.bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Reads the settings, turning pydantic's report into one line naming the setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err["loc"] else "settings"
        msg = err["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{name}: {msg}") from None
