"""/funnel: count and amount per stage and stage-to-stage conversion, as text and as a PNG
bar chart, for me or (heads, admins) the team, for a period."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Callable, Sequence

from aiogram import Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.deals.texts import lang
from handlers.filters import IsStaff
from handlers.texts import error_text
from services.errors import DomainError
from services.funnel import Funnel, FunnelService, Period
from services.money import format_money
from services.users import User

PERIOD_NAMES = {
    Period.MONTH: __("this month"),
    Period.DAYS30: __("last 30 days"),
    Period.QUARTER: __("this quarter"),
    Period.ALL: __("all time"),
}


class FunnelCb(CallbackData, prefix="fn"):
    period: Period
    team: bool = False
    pipeline: str = ""


def funnel_title(f: Funnel) -> str:
    scope = _("team") if f.team else _("my deals")
    return _("Funnel «{pipeline}» · {period} · {scope}").format(
        pipeline=f.pipeline.name(lang()), period=str(PERIOD_NAMES[f.period]), scope=scope)


def funnel_text(f: Funnel) -> str:
    lines = [f"<b>{html.escape(funnel_title(f))}</b>"]
    for row in f.rows:
        amounts = ", ".join(format_money(v, cur, lang()) for cur, v in sorted(row.amounts.items()))
        line = _("{stage}: {count}").format(stage=html.escape(row.stage.name(lang())),
                                            count=row.count)
        if amounts:
            line += f" · {amounts}"
        if row.conversion is not None:
            line += " → " + _("{percent}% went on").format(percent=row.conversion)
        lines.append(line)
    lines.append(_("Lost: {count}").format(count=f.lost))
    if not any(r.count for r in f.rows):
        lines.append(_("No deals entered a stage in this period."))
    return "\n".join(lines)


def funnel_keyboard(f: Funnel, actor: User, pipelines: list[tuple[str, str]]
                    ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    code = f.pipeline.code
    for period, label in PERIOD_NAMES.items():
        mark = "• " if period == f.period else ""
        kb.button(text=mark + str(label), callback_data=FunnelCb(period=period, team=f.team,
                                                                pipeline=code))
    rows = [2, 2]
    if actor.sees_everything:
        kb.button(text=_("Only my deals") if f.team else _("Whole team"),
                  callback_data=FunnelCb(period=f.period, team=not f.team, pipeline=code))
        rows.append(1)
    others = [(c, n) for c, n in pipelines if c != code]
    for other, name in others:
        kb.button(text=name, callback_data=FunnelCb(period=f.period, team=f.team,
                                                    pipeline=other))
    if others:
        rows.append(len(others))
    kb.adjust(*rows)
    return kb.as_markup()


# Draws the bars: (stage labels, counts, title) -> PNG; `bot/` passes its matplotlib one in.
FunnelChart = Callable[[Sequence[str], Sequence[int], str], bytes]


async def chart_photo(f: Funnel, funnel_chart: FunnelChart) -> BufferedInputFile:
    labels = [row.stage.name(lang()) for row in f.rows]
    counts = [row.count for row in f.rows]
    png = await asyncio.to_thread(funnel_chart, labels, counts, funnel_title(f))
    return BufferedInputFile(png, filename="funnel.png")


def create_router() -> Router:
    router = Router(name="funnel")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())

    def pipeline_names(funnel: FunnelService) -> list[tuple[str, str]]:
        return [(p.code, p.name(lang())) for p in funnel.pipelines]

    @router.message(Command("funnel"))
    async def cmd_funnel(message: Message, actor: User, funnel: FunnelService,
                         funnel_chart: FunnelChart) -> None:
        f = await funnel.funnel(actor, Period.MONTH)
        await message.answer(funnel_text(f),
                             reply_markup=funnel_keyboard(f, actor, pipeline_names(funnel)))
        await message.answer_photo(await chart_photo(f, funnel_chart))

    @router.callback_query(FunnelCb.filter())
    async def on_funnel(query: CallbackQuery, callback_data: FunnelCb, actor: User,
                        funnel: FunnelService, funnel_chart: FunnelChart) -> None:
        msg = message_of(query)
        try:
            f = await funnel.funnel(actor, callback_data.period, callback_data.team,
                                    callback_data.pipeline or None)
        except DomainError as err:
            await query.answer(error_text(err), show_alert=True)
            return
        await query.answer()
        if msg is None:
            return
        try:
            await msg.edit_text(funnel_text(f),
                                reply_markup=funnel_keyboard(f, actor, pipeline_names(funnel)))
        except TelegramBadRequest as exc:
            # The same button pressed again: Telegram refuses an edit that changes nothing.
            if "not modified" not in exc.message:
                raise
            return
        await msg.answer_photo(await chart_photo(f, funnel_chart))

    return router
