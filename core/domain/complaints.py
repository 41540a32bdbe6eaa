"""Complaint lifecycle: states, legal transitions, privacy, ticket codes.

Modelled on SP4N-LAPOR!: diterima -> diverifikasi -> diproses -> selesai, with the
closing dispositions ditolak, bukan_wewenang and duplikat, and a reopen by the reporter
within a window after selesai.
"""

from __future__ import annotations

import secrets
from enum import StrEnum


class ComplaintState(StrEnum):
    DITERIMA = "diterima"
    DIVERIFIKASI = "diverifikasi"
    DIPROSES = "diproses"
    SELESAI = "selesai"
    DITOLAK = "ditolak"
    BUKAN_WEWENANG = "bukan_wewenang"
    DUPLIKAT = "duplikat"

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: dict[ComplaintState, str] = {
    ComplaintState.DITERIMA: "Diterima",
    ComplaintState.DIVERIFIKASI: "Diverifikasi",
    ComplaintState.DIPROSES: "Diproses",
    ComplaintState.SELESAI: "Selesai",
    ComplaintState.DITOLAK: "Ditolak",
    ComplaintState.BUKAN_WEWENANG: "Bukan wewenang (dirujuk)",
    ComplaintState.DUPLIKAT: "Duplikat",
}


class Channel(StrEnum):
    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"
    LISAN = "lisan"
    SURAT = "surat"
    SP4N_LAPOR = "sp4n-lapor"
    MEDIA_SOSIAL = "media-sosial"
    # the kabupaten's own complaint channel (Jember's Wadul Gus'e): complaints it disposes
    # to a kecamatan arrive by import of its export, with its reference (external_ref)
    KANAL_KABUPATEN = "kanal-kabupaten"


class ReferralKind(StrEnum):
    """Where a complaint that is not the kecamatan's to settle goes (bukan wewenang)."""

    OPD = "opd"  # the competent perangkat daerah, named (e.g. Dinas PU Bina Marga)
    KABUPATEN = "kabupaten"  # back to the kabupaten's complaint channel


class Privacy(StrEnum):
    """HIDDEN is the default: Perpres 76/2013 requires the complainant kept confidential."""

    HIDDEN = "hidden"  # anonim: report visible, reporter known only to authorised staff
    OPEN = "open"
    RAHASIA = "rahasia"  # the report itself is not listed nor placed in aggregates

    @property
    def label(self) -> str:
        return PRIVACY_LABELS[self]


PRIVACY_LABELS: dict[Privacy, str] = {
    Privacy.HIDDEN: "pelapor dirahasiakan",
    Privacy.OPEN: "pelapor terbuka",
    Privacy.RAHASIA: "laporan rahasia",
}


S = ComplaintState
TRANSITIONS: dict[ComplaintState, frozenset[ComplaintState]] = {
    S.DITERIMA: frozenset({S.DIVERIFIKASI, S.DITOLAK, S.BUKAN_WEWENANG, S.DUPLIKAT}),
    S.DIVERIFIKASI: frozenset({S.DIPROSES, S.DITOLAK, S.BUKAN_WEWENANG, S.DUPLIKAT}),
    S.DIPROSES: frozenset({S.SELESAI, S.BUKAN_WEWENANG}),
    S.SELESAI: frozenset({S.DIPROSES}),  # only as a reopen by the reporter
    S.DITOLAK: frozenset(),
    S.BUKAN_WEWENANG: frozenset(),
    S.DUPLIKAT: frozenset(),
}

OPEN_STATES = frozenset({S.DITERIMA, S.DIVERIFIKASI, S.DIPROSES})

# IKU4 counting rule (documented in the README): a duplicate is the same report counted
# once, and a rejected report was not a trantib violation, so both leave the denominator;
# a referral to the competent authority is the office's completed handling.
IKU4_EXCLUDED_STATES = frozenset({S.DUPLIKAT, S.DITOLAK})
IKU4_SETTLED_STATES = frozenset({S.SELESAI, S.BUKAN_WEWENANG})


class IllegalTransition(ValueError):
    def __init__(self, current: ComplaintState, target: ComplaintState) -> None:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "tidak ada"
        super().__init__(
            f"Status '{current.value}' tidak bisa diubah ke '{target.value}' "
            f"(yang boleh: {allowed})"
        )
        self.current = current
        self.target = target


def check_transition(current: ComplaintState, target: ComplaintState) -> None:
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)


# Crockford-style alphabet without 0/O, 1/I/L, U: codes are read out over the counter.
TICKET_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
TICKET_RANDOM_CHARS = 8  # 30**8 ~ 6.6e11: not guessable, not sequential


def new_ticket_code(prefix: str) -> str:
    body = "".join(secrets.choice(TICKET_ALPHABET) for _ in range(TICKET_RANDOM_CHARS))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def normalise_ticket_code(text: str) -> str:
    """What people type, reduced to the code's letters: case, spaces and dashes ignored."""
    return "".join(ch for ch in text.upper() if ch.isascii() and ch.isalnum())
