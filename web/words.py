"""Words for the codes the records keep (``pkl``, ``surat``, ``system``,
``tanggal_rencana``): a page shows what an officer reads, in the language they chose,
never the code. Indonesian comes from core where core names a thing (states, field
labels, register titles, categories), else from the catalogues (web/locales)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from core.domain.complaints import STATE_LABELS, Channel, ComplaintState
from core.domain.people import StaffRole
from core.domain.performance import IndicatorKind
from core.services.complaints.categories import Category, load_categories
from core.services.files.fields import FieldKind, FieldSpec
from core.services.performance.registers import Register
from web.context import word


@dataclass(frozen=True)
class Words:
    """One page's words: ``t`` is the staff member's translator."""

    t: Callable[..., str]
    language: str
    categories_file: Path | None = None
    # the office's number for the IKU each kind of register feeds ("IKU3")
    iku_labels: Mapping[IndicatorKind, str] = field(default_factory=dict)
    # SIGAP_KABUPATEN_CHANNEL_NAME: the kabupaten's channel by the name it gave it
    kabupaten_channel: str = ""

    @cached_property
    def _categories(self) -> dict[str, Category]:
        return {c.code: c for c in load_categories(self.categories_file)}

    def category(self, code: str) -> str:
        found = self._categories.get(code)
        return found.label(self.language) if found else code

    def state(self, state: ComplaintState | str) -> str:
        known = state if isinstance(state, ComplaintState) else _state(state)
        default = STATE_LABELS[known] if known else str(state)
        return word(self.t, f"state_{state}", default)

    def channel(self, channel: str) -> str:
        if channel == Channel.KANAL_KABUPATEN and self.kabupaten_channel:
            return self.kabupaten_channel
        return word(self.t, f"channel_{channel}", str(channel))

    def actor(self, kind: str) -> str:
        return word(self.t, f"actor_{kind}", kind)

    def event(self, action: str) -> str:
        """A complaint event (``klaim``, ``lihat_identitas``) or a register change
        (``buat``, ``ubah``) as the history reads it."""
        return word(self.t, f"event_{action}", word(self.t, f"audit_{action}", action))

    def role(self, role: StaffRole | str) -> str:
        return word(self.t, f"role_{role}", str(role))

    def choice(self, value: str) -> str:
        """A register field's choice (a document kind, an activity's status, a
        direction); IKU codes and unsur codes are what offices write, and stay."""
        return word(self.t, f"choice_{value}", value) if value else ""

    def value(self, register: Register, column: str, text: object) -> str:
        """A stored value as a cell shows it: a choice in words, anything else as is."""
        spec = next((s for s in register.fields if s.column == column), None)
        shown = "" if text is None else str(text)
        return self.choice(shown) if spec is not None and spec.kind is FieldKind.CHOICE else shown

    def register(self, register: Register) -> str:
        title = word(self.t, f"register_{register.name}", register.title)
        label = self.iku_labels.get(register.kind) if register.kind else None
        return f"{title} ({label})" if label else title

    def field(self, register: Register, spec: FieldSpec) -> str:
        return word(self.t, f"field_{register.name}_{spec.column}", spec.label)

    def column(self, register: Register, column: str) -> str:
        """A column named in the audit trail (``tanggal_rencana``); ``berkas`` is the
        uploaded file."""
        spec = next((s for s in register.fields if s.column == column), None)
        if spec is not None:
            return self.field(register, spec)
        return self.t("file") if column == "berkas" else column


def _state(text: str) -> ComplaintState | None:
    try:
        return ComplaintState(text)
    except ValueError:
        return None
