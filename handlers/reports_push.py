"""The report pushes (issue 14 item 4): the text and buttons the outbox sender renders
(`render_push`, in the recipient's language) and the router of their own buttons, prefix
"rpo": "Turn off these reports" (`OFF`, answered by a confirmation with "Turn them back on",
`ON`). Turning off or on is always about oneself (`ReportService.set_optout` takes the acting
user). "Open reports" belongs to the /reports menu (handlers/reports, prefix "rp"): it opens
the sales report of the pushed period for the team (`OPEN_REPORTS`)."""

from __future__ import annotations

import html
from decimal import Decimal
from enum import StrEnum

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import message_of
from handlers.filters import IsStaff
from handlers.reminders.texts import day_text, money_text
from handlers.reports.callbacks import RepCb
from handlers.texts import error_text
from services.errors import DomainError
from services.reports.model import MONTHLY, WEEKLY, PlanReport
from services.reports.pushes import PushCurrency, ReportPush, change
from services.reports.service import ReportService
from services.users import User


class PushAction(StrEnum):
    OFF = "x"
    ON = "y"


PUSH_CODES = {WEEKLY: "w", MONTHLY: "m"}
PUSH_OF_CODE = {v: k for k, v in PUSH_CODES.items()}
# The /reports menu's button: sales, last week / last month, the team; the menu asks for what
# is left (organization, currency).
OPEN_REPORTS = {WEEKLY: RepCb(k="s", p="lw", s="t").pack(),
                MONTHLY: RepCb(k="s", p="lm", s="t").pack()}


class ReportPushCb(CallbackData, prefix="rpo"):
    action: PushAction
    push: str  # "w" weekly, "m" monthly (PUSH_CODES)


def push_cb(action: PushAction, push: str) -> str:
    return ReportPushCb(action=action, push=PUSH_CODES[push]).pack()


# --- the push ---------------------------------------------------------------------------------


def percent_text(value: Decimal, lang: str | None) -> str:
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    number = f"{abs(value):.1f}"
    if lang in ("ru", "ro"):
        number = number.replace(".", ",")
    return f"{sign}{number}\u00a0%"


def _vs(now: int, before: int, lang: str | None) -> str:
    """" (+12.5 %)" against the period before; nothing when both are 0."""
    pct = change(now, before)
    if pct is not None:
        return f" ({percent_text(pct, lang)})"
    if not now:
        return ""
    return " ({none})".format(none=_("none before"))


def _figures_lines(c: PushCurrency, lang: str | None) -> list[str]:
    now, then = c.current, c.previous
    money = lambda v: money_text(v, c.currency, lang)  # noqa: E731
    return [
        _("Invoiced: {amount}").format(amount=money(now.invoiced_minor))
        + _vs(now.invoiced_minor, then.invoiced_minor, lang),
        _("Received: {amount}").format(amount=money(now.received_minor))
        + _vs(now.received_minor, then.received_minor, lang),
        _("Deals won: {count} for {amount}").format(count=now.won,
                                                     amount=money(now.won_minor))
        + _vs(now.won, then.won, lang),
    ]


def _plan_lines(plan: PlanReport, currency: str, lang: str | None) -> list[str]:
    lines = []
    for row in plan.rows:
        if not row.plan_minor and not row.fact_minor:
            continue  # a manager with no plan and nothing yet: nothing to tell
        name = html.escape(row.manager.name)
        fact = money_text(row.fact_minor, currency, lang)
        if row.plan_minor and row.progress is not None:
            lines.append(_("• {name}: {fact} of {plan} ({progress})").format(
                name=name, fact=fact, plan=money_text(row.plan_minor, currency, lang),
                progress=percent_text(row.progress, lang).lstrip("+±")))
        else:
            lines.append(_("• {name}: {fact}, no plan").format(name=name, fact=fact))
    return lines


def push_text(push: ReportPush, lang: str | None) -> str:
    """The push in the current locale (HTML): the period's sales per currency against the
    period before, then the plan per manager."""
    span = f"{day_text(push.period.start)} – {day_text(push.period.end)}"
    before = f"{day_text(push.previous.start)} – {day_text(push.previous.end)}"
    if push.kind == WEEKLY:
        title = _("<b>Weekly report</b>, {period}").format(period=span)
    else:
        title = _("<b>Monthly report</b>, {period}").format(period=span)
    lines = [title, _("Compared with {period}.").format(period=before)]
    if push.empty:
        lines.append(_("No sales last week.") if push.kind == WEEKLY
                     else _("No sales last month."))
    for c in push.currencies:
        if c.current.empty and c.previous.empty:
            continue
        lines += ["", f"<b>{c.currency}</b>", *_figures_lines(c, lang)]
    plans = [c for c in push.currencies if c.plan is not None]
    if plans:
        month = push.plan_month
        if push.kind == WEEKLY:
            lines += ["", _("<b>Plan for {month}</b>, progress so far:").format(
                month=month.strftime("%m.%Y"))]
        else:
            lines += ["", _("<b>Plan for {month}</b> against fact:").format(
                month=month.strftime("%m.%Y"))]
        for c in plans:
            assert c.plan is not None
            if len(plans) > 1:
                lines.append(f"<i>{c.currency}</i>")
            lines += _plan_lines(c.plan, c.currency, lang)
    return "\n".join(lines)


def push_keyboard(kind: str) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=_("Open reports"), callback_data=OPEN_REPORTS[kind])
    kb.button(text=_("Turn off these reports"),
              callback_data=push_cb(PushAction.OFF, kind))
    kb.adjust(1)
    return kb.as_markup()


def render_push(push: ReportPush, lang: str | None
                ) -> tuple[str, InlineKeyboardMarkup | None]:
    return push_text(push, lang), push_keyboard(push.kind)


# --- the buttons --------------------------------------------------------------------------------


async def on_switch(query: CallbackQuery, callback_data: ReportPushCb, actor: User,
                    reports: ReportService) -> None:
    push = PUSH_OF_CODE.get(callback_data.push)
    if push is None:
        await query.answer(_("This button is out of date."), show_alert=True)
        return
    off = callback_data.action == PushAction.OFF
    try:
        await reports.set_optout(actor, push, off)
    except DomainError as err:
        await query.answer(error_text(err), show_alert=True)
        return
    msg = message_of(query)
    if off:
        await query.answer()
        text = (_("Weekly reports are turned off. You will not get them on Mondays any more.")
                if push == WEEKLY else
                _("Monthly reports are turned off. You will not get them on the 1st any more."))
        kb = InlineKeyboardBuilder()
        kb.button(text=_("Turn them back on"), callback_data=push_cb(PushAction.ON, push))
        if msg is not None:
            await msg.answer(text, reply_markup=kb.as_markup())
        return
    text = (_("Weekly reports are on again: the next one comes on Monday at 09:00.")
            if push == WEEKLY else
            _("Monthly reports are on again: the next one comes on the 1st at 09:00."))
    await query.answer(text)
    if msg is not None:
        await msg.edit_text(text)


def create_router() -> Router:
    """The "rpo" buttons of the report pushes (staff only)."""
    router = Router(name="reports_push")
    router.callback_query.register(on_switch, ReportPushCb.filter(), IsStaff())
    return router
