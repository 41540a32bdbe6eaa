"""Settings from the environment and ``.env``; every one is documented in .env.example."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./data/sigap.db"


class SettingsError(RuntimeError):
    """One line naming the variable that stopped start-up."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL")
    timezone: str = Field("Asia/Jakarta", alias="SIGAP_TIMEZONE")
    office_name: str = Field("Kecamatan Mumbulsari", alias="SIGAP_OFFICE_NAME")
    kabupaten: str = Field("Kabupaten Jember", alias="SIGAP_KABUPATEN")
    ticket_prefix: str = Field("MBS", alias="SIGAP_TICKET_PREFIX", pattern=r"^[A-Z]{2,5}$")
    reopen_days: int = Field(10, alias="SIGAP_REOPEN_DAYS", ge=0, le=365)
    categories_file: Path | None = Field(None, alias="SIGAP_CATEGORIES_FILE")

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

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else "?"
    field = Settings.model_fields.get(name)
    variable = (field.alias if field and field.alias else name).upper()
    return f"Invalid setting {variable}: {first['msg']}"


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
