"""The page "Sistem" (admins): is Sigap running as it should? Its version and the
database's migration revision, the chat channels and how updates reach them, messages
waiting per channel, the last backup, the last run of each scheduled duty, and disk
space left where Sigap writes. The figures are the ones /metrics gives a monitoring
system (core/services/operations/system_figures.py), read afresh on every visit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core.domain.access import Permission
from core.schema import code_head, database_revision
from core.services.operations.backup import sigap_version
from core.services.operations.system_figures import SystemFigures, system_figures
from web.context import number
from web.views import Ctx, page
from web.words import Words

UNITS = ((1024**4, "TB"), (1024**3, "GB"), (1024**2, "MB"), (1024, "KB"))

# Indonesia's three zones as people name them; another zone is shown by its name
ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def size(amount: int | None) -> str:
    """Bytes as an office reads them: 12,3 GB."""
    if amount is None:
        return "–"
    for factor, unit in UNITS:
        if amount >= factor:
            return f"{number(amount / factor, 1)} {unit}"
    return f"{amount} B"


def age(t: Callable[..., str], seconds: float) -> str:
    """A wait in the largest unit that keeps it readable: 45 detik, 12 menit, 3 jam."""
    whole = int(seconds)
    if whole < 120:
        return t("age_seconds", n=whole)
    if whole < 120 * 60:
        return t("age_minutes", n=whole // 60)
    if whole < 48 * 3600:
        return t("age_hours", n=whole // 3600)
    return t("age_days", n=whole // 86400)


def _outbox(ctx: Ctx, figures: SystemFigures, limit: float) -> list[dict[str, Any]]:
    words = Words(ctx.t, ctx.web_session.language)
    return [
        {
            "channel": words.channel(line.channel),
            "waiting": line.waiting,
            "since": line.oldest_waiting_at,
            "age": age(ctx.t, line.oldest_age(figures.now)) if line.oldest_waiting_at else "–",
            "late": line.oldest_age(figures.now) > limit,
            "sent": line.sent,
            "refused": line.refused,
        }
        for line in figures.outbox
    ]


def _backup(ctx: Ctx, figures: SystemFigures) -> dict[str, Any] | None:
    found = figures.backup
    if found is None:
        return None
    waited = (figures.now - found.at).total_seconds()
    return {
        "at": found.at,
        "name": found.path.name,
        "size": size(found.size),
        "encrypted": found.encrypted,
        "age": age(ctx.t, waited),
        "late": waited > ctx.office.settings.backup_max_age_hours * 3600,
    }


@page(Permission.VIEW_SYSTEM)
def system(ctx: Ctx) -> Response:
    settings = ctx.office.settings
    enabled = [c.name for c in ctx.office.channels if c.enabled]
    figures = system_figures(ctx.db, settings, enabled)
    limit = settings.health_outbox_max_age_minutes * 60
    revision = database_revision(ctx.office.engine)
    head = code_head()
    return ctx.render(
        "system.html",
        version=sigap_version(),
        revision=revision or "–",
        head=head,
        current=revision == head,
        channels=ctx.office.channels,
        channel_word=Words(ctx.t, ctx.web_session.language).channel,
        degraded=figures.oldest_waiting_age(enabled) > limit,
        max_minutes=number(settings.health_outbox_max_age_minutes, 0),
        outbox=_outbox(ctx, figures, limit),
        backup=_backup(ctx, figures),
        backup_dir=str(settings.backup_dir),
        runs=figures.last_runs,
        zone=ZONES.get(settings.timezone, settings.timezone),
        disks=[
            {
                "folder": d.folder,
                "path": str(d.path),
                "free": size(d.free),
                "total": size(d.total),
                "share": number(100 * d.free / d.total, 0) if d.total else "–",
            }
            for d in figures.disks
        ],
        open_complaints=figures.open_complaints,
        overdue_complaints=figures.overdue_complaints,
        metrics_on=settings.metrics_token is not None,
    )
