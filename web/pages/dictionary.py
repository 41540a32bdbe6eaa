"""The kabupaten's dictionary of indicators and its target template (/kabupaten/kamus):
every account of the kabupaten reads it; the Bagian Organisasi adds an indicator whose
value offices enter, and sets a year's target in every office that has an indicator and
no target of its own."""

from __future__ import annotations

from decimal import Decimal

from starlette.responses import Response

from core.domain.access import Permission
from core.domain.capaian import Direction
from core.domain.performance import Accumulation
from core.errors import InvalidInput
from core.services.files.fields import FieldKind, FieldSpec, parse_field
from core.services.kabupaten.targets import TemplateApplied, apply_target_template
from core.services.performance.iku_set import add_dictionary_indicator, dictionary
from core.timeutil import local_date, utcnow
from web.views import Ctx, kabupaten_page


def _number(column: str, label: str, kind: FieldKind = FieldKind.DECIMAL) -> FieldSpec:
    return FieldSpec(column, column, label, kind)


@kabupaten_page(Permission.VIEW_KABUPATEN)
def indicators(ctx: Ctx) -> Response:
    return _page(ctx, None)


def _page(ctx: Ctx, error: str | None) -> Response:
    """The dictionary; after a refused form, its message and what was typed in it."""
    typed = {name: ctx.field(name) for name in FIELDS} if error else {}
    return ctx.render_with_notice(
        "dictionary.html",
        error,
        None if error else ctx.notice(),
        indicators=dictionary(ctx.db),
        may_manage=ctx.may(Permission.MANAGE_KABUPATEN),
        year=local_date(utcnow(), ctx.office.settings.tz).year,
        typed=typed,
    )


FIELDS: tuple[str, ...] = ("kode", "nama", "satuan", "akumulasi", "arah", "indikator")
FIELDS += ("tahun", "target", "tw1", "tw2", "tw3", "tw4")


@kabupaten_page(Permission.MANAGE_KABUPATEN)
def add_indicator(ctx: Ctx) -> Response:
    accumulation = Accumulation.CUMULATIVE if ctx.field("akumulasi") == "kumulatif" else None
    lower = ctx.field("arah") == "turun"
    try:
        made = add_dictionary_indicator(
            ctx.db,
            ctx.field("kode"),
            ctx.field("nama"),
            ctx.field("satuan"),
            direction=(Direction.LOWER_IS_BETTER if lower else Direction.HIGHER_IS_BETTER).value,
            accumulation=(accumulation or Accumulation.SNAPSHOT).value,
            actor=ctx.staff,
        )
    except InvalidInput as refused:
        return _page(ctx, str(refused))
    return ctx.redirect("/kabupaten/kamus", pesan=ctx.t("indicator_added", code=made.code))


@kabupaten_page(Permission.MANAGE_KABUPATEN)
def target_template(ctx: Ctx) -> Response:
    try:
        applied = _apply(ctx)
    except InvalidInput as refused:
        return _page(ctx, str(refused))
    message = ctx.t(
        "template_applied",
        set_in=len(applied.set_in),
        kept=len(applied.kept_own),
        without=len(applied.without),
    )
    return ctx.redirect("/kabupaten/kamus", pesan=message)


def _apply(ctx: Ctx) -> TemplateApplied:
    year = parse_field(_number("tahun", ctx.t("year"), FieldKind.INT), ctx.field("tahun"))
    target = parse_field(_number("target", ctx.t("target")), ctx.field("target"))
    if year is None or target is None:
        raise InvalidInput(ctx.t("template_needs_year_and_target"))
    quarters: dict[int, Decimal] = {}
    for quarter in range(1, 5):
        column = f"tw{quarter}"
        value = parse_field(_number(column, f"TW {quarter}"), ctx.field(column))
        if value is not None:
            quarters[quarter] = value
    return apply_target_template(
        ctx.db, ctx.staff, ctx.field("indikator"), year, target, quarters or None
    )
