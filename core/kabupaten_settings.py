"""The kabupaten's settings: its kop and signatory, its complaint channel's name, and its
quarterly verification (deadline, verifiers in turn). Part of ``core.config.Settings``,
kept apart so that each file stays readable."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from core.domain.people import StaffRole


class KabupatenSettings(BaseSettings):
    # The kabupaten's kop and signatory on its roll-up of every kecamatan's IKU
    kabupaten_unit: str = Field(
        "Bagian Organisasi Sekretariat Daerah", alias="SIGAP_KABUPATEN_UNIT", max_length=120
    )
    kabupaten_address: str = Field("", alias="SIGAP_KABUPATEN_ADDRESS", max_length=200)
    # The kabupaten's own complaint channel as pages, exports and residents read it (e.g.
    # "Wadul Gus'e"): complaints it disposes arrive by import, referrals go back to it
    kabupaten_channel_name: str = Field(
        "Kanal pengaduan kabupaten",
        alias="SIGAP_KABUPATEN_CHANNEL_NAME",
        min_length=1,
        max_length=80,
    )
    kabupaten_signatory_position: str = Field(
        "Kepala Bagian Organisasi", alias="SIGAP_KABUPATEN_SIGNATORY_POSITION", max_length=120
    )
    kabupaten_signatory: str = Field("", alias="SIGAP_KABUPATEN_SIGNATORY", max_length=120)
    kabupaten_signatory_nip: str = Field(
        "", alias="SIGAP_KABUPATEN_SIGNATORY_NIP", pattern=r"^[0-9 ]{0,24}$"
    )
    # The quarterly verification: a triwulan is due this many working days after it ends
    # (unless the kabupaten sets its window's deadline), and who verifies, in turn: a
    # comma list of roles, e.g. "kabupaten_admin,inspektorat" (Bagian Organisasi, then
    # Inspektorat)
    submission_deadline_workdays: int = Field(
        10, alias="SIGAP_SUBMISSION_DEADLINE_WORKDAYS", ge=1, le=60
    )
    verification_stages: str = Field(
        "kabupaten_admin",
        alias="SIGAP_VERIFICATION_STAGES",
        pattern=r"^(kabupaten_admin|inspektorat)(,(kabupaten_admin|inspektorat))?$",
    )

    @field_validator("verification_stages")
    @classmethod
    def _stages_distinct(cls, value: str) -> str:
        roles = value.split(",")
        if len(set(roles)) != len(roles):
            raise ValueError("each verifier once: e.g. kabupaten_admin,inspektorat")
        return value

    @property
    def verifier_roles(self) -> tuple[StaffRole, ...]:
        """Who verifies an office's triwulan, in turn."""
        return tuple(StaffRole(role) for role in self.verification_stages.split(","))
