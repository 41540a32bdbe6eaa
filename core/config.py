"""Settings from the environment and ``.env``; every one is documented in .env.example."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import SettingsConfigDict

from core.digits import ascii_digits
from core.domain.capaian import DEFAULT_BANDS, parse_bands
from core.kabupaten_settings import KabupatenSettings

DEFAULT_DATABASE_URL = "sqlite:///./data/sigap.db"
# Kemendagri's kecamatan and desa codes (idn-area-data, installed by `make area-data`;
# see wilayah/README.md), read by `sigap office import`
DEFAULT_AREA_DATA_DIR = (
    Path(__file__).resolve().parent.parent / "wilayah" / "node_modules" / "idn-area-data" / "data"
)


class SettingsError(RuntimeError):
    """One line naming the variable that stopped start-up."""


class Settings(KabupatenSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    # `sigap chat` tries the dialogs here unless told --real: trials never move the IKU
    practice_database_url: str = Field(
        "sqlite:///./data/sigap-latihan.db", alias="SIGAP_PRACTICE_DATABASE_URL"
    )
    timezone: str = Field("Asia/Jakarta", alias="SIGAP_TIMEZONE")
    office_name: str = Field("Kecamatan Mumbulsari", alias="SIGAP_OFFICE_NAME", max_length=200)
    # Kemendagri's code of the kecamatan: the first office's, in a deployment of many
    office_code: str = Field(
        "35.09.23", alias="SIGAP_OFFICE_CODE", pattern=r"^[0-9]{2}(\.[0-9]{2,4}){0,3}$"
    )
    kabupaten: str = Field("Kabupaten Jember", alias="SIGAP_KABUPATEN")
    # The kop surat and signature block of the reports an office files
    office_address: str = Field("", alias="SIGAP_OFFICE_ADDRESS", max_length=200)
    office_logo: Path | None = Field(None, alias="SIGAP_OFFICE_LOGO")  # PNG or JPEG
    camat_name: str = Field("", alias="SIGAP_CAMAT_NAME", max_length=120)
    camat_nip: str = Field("", alias="SIGAP_CAMAT_NIP", pattern=r"^[0-9 ]{0,24}$")
    # Pangkat/golongan, e.g. "Pembina Tingkat I (IV/b)": between the name and the NIP
    camat_pangkat: str = Field("", alias="SIGAP_CAMAT_PANGKAT", max_length=60)
    signature_place: str = Field("", alias="SIGAP_SIGNATURE_PLACE", max_length=60)
    submission_reminder_cron: str = Field(
        "15 7 * * mon-fri", alias="SIGAP_SUBMISSION_REMINDER_CRON"
    )
    ticket_prefix: str = Field("MBS", alias="SIGAP_TICKET_PREFIX", pattern=r"^[A-Z]{2,5}$")
    reopen_days: int = Field(10, alias="SIGAP_REOPEN_DAYS", ge=0, le=365)
    # How many complaints one resident may send in chat within an hour (0: no limit).
    reports_per_hour: int = Field(3, alias="SIGAP_REPORTS_PER_HOUR", ge=0, le=100)
    categories_file: Path | None = Field(None, alias="SIGAP_CATEGORIES_FILE")
    desa: str = Field(
        "Karang Kedawung,Kawangrejo,Lampeji,Lengkong,Mumbulsari,Suco,Tamansari",
        alias="SIGAP_DESA",
    )
    area_data_dir: Path = Field(DEFAULT_AREA_DATA_DIR, alias="SIGAP_AREA_DATA_DIR")

    telegram_bot_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", alias="TELEGRAM_API_BASE_URL"
    )
    telegram_bot_username: str | None = Field(None, alias="TELEGRAM_BOT_USERNAME")
    telegram_staff_chats: str = Field("", alias="TELEGRAM_STAFF_CHATS")
    telegram_mode: Literal["polling", "webhook"] = Field("polling", alias="TELEGRAM_MODE")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_secret: SecretStr | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET")
    telegram_max_per_second: float = Field(25.0, alias="TELEGRAM_MAX_PER_SECOND", gt=0)
    telegram_concurrent_updates: int = Field(16, alias="TELEGRAM_CONCURRENT_UPDATES", ge=1, le=256)
    telegram_per_chat_interval: float = Field(1.0, alias="TELEGRAM_PER_CHAT_INTERVAL", ge=0)
    whatsapp_phone_number_id: str | None = Field(None, alias="WHATSAPP_PHONE_NUMBER_ID")
    # The number residents write to, as wa.me wants it (country code, digits only)
    whatsapp_display_phone: str | None = Field(
        None, alias="WHATSAPP_DISPLAY_PHONE", pattern=r"^[1-9][0-9]{7,14}$"
    )
    whatsapp_access_token: SecretStr | None = Field(None, alias="WHATSAPP_ACCESS_TOKEN")
    whatsapp_app_secret: SecretStr | None = Field(None, alias="WHATSAPP_APP_SECRET")
    whatsapp_verify_token: SecretStr | None = Field(None, alias="WHATSAPP_VERIFY_TOKEN")
    whatsapp_api_base_url: str = Field(
        "https://graph.facebook.com/v23.0", alias="WHATSAPP_API_BASE_URL"
    )
    whatsapp_template_notify: str = Field("sigap_pemberitahuan", alias="WHATSAPP_TEMPLATE_NOTIFY")
    whatsapp_template_digest: str = Field(
        "sigap_ringkasan_mingguan", alias="WHATSAPP_TEMPLATE_DIGEST"
    )
    whatsapp_max_per_second: float = Field(60.0, alias="WHATSAPP_MAX_PER_SECOND", gt=0)
    whatsapp_per_user_interval: float = Field(6.0, alias="WHATSAPP_PER_USER_INTERVAL", ge=0)
    http_host: str = Field("127.0.0.1", alias="SIGAP_HTTP_HOST")
    http_port: int = Field(8080, alias="SIGAP_HTTP_PORT", ge=0, le=65535)
    # How `sigap run` writes its log: "text" lines, or "json" (one object per line)
    log_format: Literal["text", "json"] = Field("text", alias="SIGAP_LOG_FORMAT")
    media_dir: Path = Field(Path("data/media"), alias="SIGAP_MEDIA_DIR")
    # The back office's address as staff reach it (login links point here); empty: the
    # HTTP host and port above, over plain http.
    web_base_url: str | None = Field(None, alias="SIGAP_WEB_BASE_URL")
    map_tile_url: str = Field(
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png", alias="SIGAP_MAP_TILE_URL"
    )
    upload_max_mb: int = Field(10, alias="SIGAP_UPLOAD_MAX_MB", ge=1, le=200)
    # Files sent in the chat, kept only by a dialog step that asked for one: photos
    # (reports, activities) and documents (IKU1 files) up to these sizes.
    chat_photo_max_mb: int = Field(10, alias="SIGAP_CHAT_PHOTO_MAX_MB", ge=1, le=20)
    chat_document_max_mb: int = Field(20, alias="SIGAP_CHAT_DOCUMENT_MAX_MB", ge=1, le=20)
    # Messages one chat account may send per minute; the rest get one polite notice and
    # no work (a flood from one phone must not slow the desk for everyone else).
    chat_rate_per_minute: int = Field(30, alias="SIGAP_CHAT_RATE_PER_MINUTE", ge=1, le=10000)
    # Throttles: login links a staff member may ask for by chat per hour, and login
    # button presses one address may make per minute.
    login_links_per_hour: int = Field(5, alias="SIGAP_LOGIN_LINKS_PER_HOUR", ge=1, le=100)
    login_attempts_per_minute: int = Field(
        10, alias="SIGAP_LOGIN_ATTEMPTS_PER_MINUTE", ge=1, le=1000
    )
    # Signs the login form's token; unset: a random key per process (a login page opened
    # before a restart, or served by another process, then asks for one more press).
    secret_key: SecretStr | None = Field(None, alias="SIGAP_SECRET_KEY")
    outbox_poll_seconds: float = Field(1.0, alias="SIGAP_OUTBOX_POLL_SECONDS", gt=0)
    # outbound pacing: "auto" shares it through the database on PostgreSQL (several
    # processes), keeps it in memory on SQLite (one process); "local" or "database" force
    pacing: Literal["auto", "local", "database"] = Field("auto", alias="SIGAP_PACING")
    outbox_retry_base_seconds: float = Field(2.0, alias="SIGAP_OUTBOX_RETRY_BASE_SECONDS", gt=0)
    reports_dir: Path = Field(Path("data/reports"), alias="SIGAP_REPORTS_DIR")
    capaian_bands: str = Field(DEFAULT_BANDS, alias="SIGAP_CAPAIAN_BANDS")
    scheduler_enabled: bool = Field(True, alias="SIGAP_SCHEDULER")
    digest_cron: str = Field("0 7 * * mon", alias="SIGAP_DIGEST_CRON")
    deadline_cron: str = Field("0 7 * * mon-fri", alias="SIGAP_DEADLINE_CRON")
    monthly_report_cron: str = Field("30 7 1 * *", alias="SIGAP_MONTHLY_REPORT_CRON")
    quarterly_report_cron: str = Field("45 7 1 1,4,7,10 *", alias="SIGAP_QUARTERLY_REPORT_CRON")
    misfire_grace_hours: float = Field(12.0, alias="SIGAP_MISFIRE_GRACE_HOURS", ge=0)
    keep_days: int = Field(90, alias="SIGAP_KEEP_DAYS", ge=30, le=3650)
    # Chat accounts of people who never reported, rated or served as staff, idle this
    # many days, are deleted by the prune (core/services/operations/housekeeping.py).
    idle_account_days: int = Field(180, alias="SIGAP_IDLE_ACCOUNT_DAYS", ge=30, le=3650)
    prune_cron: str = Field("30 2 * * *", alias="SIGAP_PRUNE_CRON")
    # Backups (core/services/operations/backup.py): where `sigap backup` and the daily duty write,
    # the passphrase that encrypts them (unset: not encrypted), when the duty runs (empty:
    # never, e.g. a systemd timer runs `sigap backup`), how many to keep, after how many
    # hours without one the admins are told, and the PostgreSQL tools (default: PATH).
    backup_dir: Path = Field(Path("data/backups"), alias="SIGAP_BACKUP_DIR")
    backup_passphrase: SecretStr | None = Field(None, alias="SIGAP_BACKUP_PASSPHRASE")
    backup_cron: str = Field("0 1 * * *", alias="SIGAP_BACKUP_CRON")
    backup_keep_daily: int = Field(7, alias="SIGAP_BACKUP_KEEP_DAILY", ge=1, le=3650)
    backup_keep_weekly: int = Field(4, alias="SIGAP_BACKUP_KEEP_WEEKLY", ge=0, le=520)
    backup_keep_monthly: int = Field(12, alias="SIGAP_BACKUP_KEEP_MONTHLY", ge=0, le=1200)
    backup_max_age_hours: float = Field(26.0, alias="SIGAP_BACKUP_MAX_AGE_HOURS", gt=0)
    pg_dump: str | None = Field(None, alias="SIGAP_PG_DUMP")
    pg_restore: str | None = Field(None, alias="SIGAP_PG_RESTORE")
    # Watching it (app/metrics.py): /metrics answers only a bearer token equal to this
    # (unset: no /metrics at all), and /healthz says "degraded" once a message waits
    # longer than this many minutes to be sent.
    metrics_token: SecretStr | None = Field(None, alias="SIGAP_METRICS_TOKEN")
    health_outbox_max_age_minutes: float = Field(
        15.0, alias="SIGAP_HEALTH_OUTBOX_MAX_AGE_MINUTES", gt=0
    )

    @field_validator(
        "telegram_bot_token",
        "telegram_bot_username",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "categories_file",
        "office_logo",
        "whatsapp_display_phone",
        "whatsapp_phone_number_id",
        "whatsapp_access_token",
        "whatsapp_app_secret",
        "whatsapp_verify_token",
        "web_base_url",
        "secret_key",
        mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """``TELEGRAM_BOT_TOKEN=`` copied from .env.example means "not set"."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url", "practice_database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        problem = database_url_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value

    @field_validator("area_data_dir", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        return DEFAULT_AREA_DATA_DIR if isinstance(value, str) and not value.strip() else value

    @field_validator("backup_passphrase", "pg_dump", "pg_restore", mode="before")
    @classmethod
    def _backup_blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("backup_passphrase")
    @classmethod
    def _long_passphrase(cls, value: SecretStr | None) -> SecretStr | None:
        """The archive's only lock once it leaves the office: no short word."""
        if value is not None and len(value.get_secret_value()) < 12:
            raise ValueError("at least 12 characters (a few words)")
        return value

    @field_validator("backup_cron")
    @classmethod
    def _backup_cron_shape(cls, value: str) -> str:
        """A crontab, or empty for no scheduled backup."""
        if value.strip() and value != "0 1 * * *":
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(value)
        return value.strip()

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _metrics_blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("metrics_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        """Anyone who guesses it reads the office's figures: no short word."""
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("at least 16 characters (e.g. secrets.token_urlsafe(32))")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("categories_file")
    @classmethod
    def _existing_file(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"file not found: {value}")
        return value

    @field_validator("capaian_bands")
    @classmethod
    def _bands_shape(cls, value: str) -> str:
        parse_bands(value)
        return value

    @field_validator(
        "digest_cron",
        "deadline_cron",
        "monthly_report_cron",
        "quarterly_report_cron",
        "prune_cron",
        "submission_reminder_cron",
    )
    @classmethod
    def _cron_shape(cls, value: str, info: ValidationInfo) -> str:
        """ "minute hour day month weekday", checked by the scheduler's own parser; the
        shipped defaults need no check (and so no scheduler import for a CLI command)."""
        field = cls.model_fields[info.field_name] if info.field_name else None
        if field is not None and value == field.default:
            return value
        from apscheduler.triggers.cron import CronTrigger

        CronTrigger.from_crontab(value)  # raises ValueError if it is not a crontab
        return value

    @field_validator("telegram_staff_chats")
    @classmethod
    def _staff_chats_shape(cls, value: str) -> str:
        parse_staff_chats(value)
        return value

    @property
    def whatsapp_enabled(self) -> bool:
        """All four WhatsApp secrets set; partly set is an error `sigap run` reports."""
        return None not in self._whatsapp_parts

    @property
    def whatsapp_partly_set(self) -> bool:
        parts = self._whatsapp_parts
        return any(p is not None for p in parts) and None in parts

    @property
    def _whatsapp_parts(self) -> tuple[object, ...]:
        return (
            self.whatsapp_phone_number_id,
            self.whatsapp_access_token,
            self.whatsapp_app_secret,
            self.whatsapp_verify_token,
        )

    @property
    def web_address(self) -> str:
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        host = "127.0.0.1" if self.http_host in ("0.0.0.0", "::") else self.http_host
        return f"http://{host}:{self.http_port}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def bands(self) -> tuple[tuple[Decimal, str], ...]:
        return parse_bands(self.capaian_bands)

    @property
    def desa_list(self) -> list[str]:
        return [d.strip() for d in self.desa.split(",") if d.strip()]

    @property
    def staff_chats(self) -> dict[str, list[tuple[str, str]]]:
        """``trantib=-1001,-1002;pmks=-1003`` (Telegram group ids) as
        {section: [(channel, chat id)]}."""
        parsed = parse_staff_chats(self.telegram_staff_chats)
        return {
            section: [("telegram", chat) for chat in chats] for section, chats in parsed.items()
        }


def parse_staff_chats(value: str) -> dict[str, list[str]]:
    """``trantib=-1001,-1002;pmks=-1003`` as {section: [chat id]}; ValueError otherwise."""
    chats: dict[str, list[str]] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        section, sep, ids = part.partition("=")
        items = [i.strip() for i in ids.split(",") if i.strip()]
        numbers = all(ascii_digits(i.removeprefix("-")) for i in items)
        if not sep or not section.strip() or not numbers:
            raise ValueError("expected section=chat_id,chat_id;section=chat_id")
        if section.strip() in chats:
            raise ValueError("expected each section once: section=chat_id,chat_id")
        chats[section.strip()] = items
    return chats


DATABASES = "sqlite:///data/sigap.db atau postgresql://user:sandi@host/nama"


def database_url_problem(url: str) -> str | None:
    """Why Sigap cannot use ``url`` (None when it can): SQLite or PostgreSQL through
    psycopg are what it installs, so anything else fails here in words, not later in a
    driver's traceback."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return f"bukan alamat basis data / not a database URL: tulis / write {DATABASES}"
    if parsed.drivername in ("sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"):
        return None
    return (
        f"basis data {parsed.drivername} tidak didukung / not supported: tulis / write {DATABASES}"
    )


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "?"
    field = Settings.model_fields.get(name)
    variable = (field.alias if field and field.alias else name).upper()
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"Pengaturan {variable} tidak sah / Invalid setting {variable}: {message}"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
