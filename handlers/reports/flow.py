"""/reports: pick a report, a period (a preset or a typed range), for a head or an admin the
scope, then the organization and the currency when there is a choice; the answer is the text,
the chart as a photo and the XLSX (neither for an empty report), with buttons to change the
period, scope or currency and to drill down.

Every button carries the whole choice (RepCb): the steps keep no state, and the service
re-checks the scope of a forged one (a manager never gets anyone else's figures)."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import lazy_gettext as __
from aiogram.utils.keyboard import InlineKeyboardBuilder

from handlers.callback import AlertOnDomainError
from handlers.companies.callbacks import CompanyAction, CompanyCb
from handlers.deals.callbacks import DealAction, DealCb
from handlers.filters import HasText, IsStaff
from handlers.invoices.callbacks import Inv, InvoiceCb
from handlers.reports.callbacks import (
    DRILL,
    GO,
    KIND_CODES,
    PRESET_CODES,
    TYPE,
    RepCb,
    ReportInput,
)
from handlers.reports.views import Names, dmy, esc, money, period_text, report_view
from handlers.texts import error_text
from services.deals import DealService
from services.errors import DomainError, InvalidInput
from services.reports.drill import Drill
from services.reports.model import (
    CALENDAR,
    AbcReport,
    ActivityReport,
    FunnelReport,
    Named,
    PlanReport,
    RenderedReport,
    Report,
    ReportView,
    SalesReport,
)
from services.reports.periods import Period, parse_range, preset
from services.reports.service import ME, TEAM, ReportRequest, ReportService
from services.users import User

KIND_NAMES = {
    "sales": __("Sales"),
    "funnel": __("Funnel by manager"),
    "abc_clients": __("ABC/XYZ of clients"),
    "abc_products": __("ABC/XYZ of products"),
    "calendar": __("Payment calendar"),
    "plan": __("Plan vs fact"),
    "activity": __("Manager activity"),
}
PRESET_NAMES = {
    "today": __("Today"),
    "this_week": __("This week"),
    "last_week": __("Last week"),
    "this_month": __("This month"),
    "last_month": __("Last month"),
    "quarter": __("This quarter"),
    "year": __("This year"),
}
MAX_DRILL_BUTTONS = 8
MAX_CLIENT_BUTTONS = 5


class Renderer(Protocol):
    async def render(self, view: ReportView) -> RenderedReport: ...


def names_of(deals: DealService) -> Names:
    return Names(dict(deals.pipelines), dict(deals.lost_reasons))


def encode_range(period: Period) -> str:
    return f"{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def decode_period(code: str, today: date, week_start: int) -> Period:
    """A preset code or a typed range as YYYYMMDD-YYYYMMDD, checked by the same rules as the
    typed text (a forged button gets the same answers)."""
    if code in PRESET_CODES:
        return preset(PRESET_CODES[code], today, week_start)
    start, sep, end = code.partition("-")
    if not sep or len(start) != 8 or len(end) != 8 or not (start + end).isdigit():
        raise InvalidInput("bad_date_range", field="period")
    typed = f"{start[6:]}.{start[4:6]}.{start[:4]}–{end[6:]}.{end[4:6]}.{end[:4]}"
    return parse_range(typed, today)


def kind_of(cb: RepCb) -> str:
    kind = KIND_CODES.get(cb.k)
    if kind is None:
        raise InvalidInput("bad_report", field="report")
    return kind


def scope_of(cb: RepCb) -> str:
    return {"m": ME, "t": TEAM}.get(cb.s, cb.s)


def menu(title: str, buttons: list[tuple[str, RepCb]], width: int = 2
         ) -> tuple[str, InlineKeyboardMarkup]:
    kb = InlineKeyboardBuilder()
    for text, data in buttons:
        kb.button(text=text, callback_data=data)
    kb.adjust(width)
    return title, kb.as_markup()


def with_(cb: RepCb, **changes: object) -> RepCb:
    return cb.model_copy(update={"a": GO, **changes})


async def next_step(cb: RepCb, actor: User, reports: ReportService
                    ) -> tuple[str, InlineKeyboardMarkup] | RepCb:
    """The question still to ask, or the complete choice."""
    if not cb.k:
        return menu(_("Which report?"), [(str(KIND_NAMES[kind]), with_(cb, k=code))
                                         for code, kind in KIND_CODES.items()])
    kind = kind_of(cb)
    if not cb.p:
        if kind == CALENDAR:  # the calendar is as of today, whatever the period
            cb = with_(cb, p="t")
        else:
            buttons = [(str(PRESET_NAMES[name]), with_(cb, p=code))
                       for code, name in PRESET_CODES.items()]
            buttons.append((_("Type a range…"), with_(cb, a=TYPE)))
            return menu(_("{report}: which period?").format(report=KIND_NAMES[kind]), buttons)
    decode_period(cb.p, reports.today(actor), reports.week_start)
    if not cb.s:
        if not actor.sees_everything:
            cb = with_(cb, s="m")
        else:
            people = [m for m in await reports.managers(actor) if m.id != actor.id]
            buttons = [(_("Me"), with_(cb, s="m")), (_("Team"), with_(cb, s="t"))]
            buttons += [(m.name, with_(cb, s=str(m.id))) for m in people if m.id is not None]
            return menu(_("Whose figures?"), buttons)
    if cb.o < 0:
        orgs = await reports.organizations()
        if len(orgs) > 1:
            buttons = [(_("All organizations"), with_(cb, o=0))]
            buttons += [(o.name, with_(cb, o=o.id)) for o in orgs if o.id is not None]
            return menu(_("Which organization?"), buttons, 1)
        cb = with_(cb, o=0)
    if not cb.c:
        found = await reports.currencies(actor, cb.o or None)
        if len(found) > 1:
            return menu(_("Which currency?"), [(c, with_(cb, c=c)) for c in found], 3)
        cb = with_(cb, c=found[0])
    return cb


async def scope_name(cb: RepCb, actor: User, reports: ReportService) -> str:
    if cb.s == "m":
        return _("me")
    if cb.s == "t":
        return _("team")
    for m in await reports.managers(actor):
        if str(m.id) == cb.s:
            return m.name
    return ""


def managers_of(report: Report) -> list[Named]:
    if isinstance(report, SalesReport):
        return [r.who for r in report.by_manager]
    if isinstance(report, PlanReport | ActivityReport):
        return [r.manager for r in report.rows]
    if isinstance(report, FunnelReport):
        return [m.manager for m in report.managers]
    return []


def clients_of(report: Report) -> list[Named]:
    if isinstance(report, AbcReport) and report.subject == "clients":
        return [Named(r.id, r.name) for r in report.analysis.rows]
    if isinstance(report, SalesReport):
        return [r.who for r in report.by_client]
    return []


def result_keyboard(cb: RepCb, report: Report, actor: User, currencies: int
                    ) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    sizes: list[int] = []
    if report.query.owner_id is None and actor.sees_everything:
        people = [m for m in managers_of(report) if m.id is not None][:MAX_DRILL_BUTTONS]
        for m in people:
            kb.button(text="👤 " + m.name, callback_data=cb.model_copy(
                update={"a": DRILL, "s": str(m.id)}))
        sizes += [2] * ((len(people) + 1) // 2)
    clients = [c for c in clients_of(report) if c.id is not None][:MAX_CLIENT_BUTTONS]
    for c in clients:
        assert c.id is not None
        kb.button(text="🏢 " + c.name, callback_data=CompanyCb(action=CompanyAction.OPEN,
                                                               id=c.id))
    sizes += [1] * len(clients)
    changes = []
    if kind_of(cb) != CALENDAR:
        changes.append((_("Change period"), with_(cb, p="")))
    if actor.sees_everything:
        changes.append((_("Change scope"), with_(cb, s="")))
    if currencies > 1:
        changes.append((_("Change currency"), with_(cb, c="")))
    changes.append((_("Other report"), RepCb()))
    for text, data in changes:
        kb.button(text=text, callback_data=data)
    sizes += [2] * ((len(changes) + 1) // 2)
    kb.adjust(*sizes)
    return kb.as_markup()


async def send_step(msg: Message, cb: RepCb, actor: User, reports: ReportService,
                    deals: DealService, renderer: Renderer,
                    step: tuple[str, InlineKeyboardMarkup] | RepCb | None = None) -> None:
    """Asks the next question, or sends the report (`step`: next_step's answer when the
    caller already has it)."""
    if step is None:
        step = await next_step(cb, actor, reports)
    if not isinstance(step, RepCb):
        text, markup = step
        await msg.answer(text, reply_markup=markup)
        return
    cb = step
    kind = kind_of(cb)
    period = decode_period(cb.p, reports.today(actor), reports.week_start)
    report = await reports.report(actor, ReportRequest(kind, period, cb.c, scope_of(cb),
                                                       cb.o or None))
    view = report_view(report, names_of(deals), await scope_name(cb, actor, reports))
    rendered = await renderer.render(view) if view.chart is not None else None
    currencies = len(await reports.currencies(actor, cb.o or None))
    await msg.answer(view.text, reply_markup=result_keyboard(cb, report, actor, currencies))
    if rendered is None:
        return
    if rendered.png is not None:
        await msg.answer_photo(BufferedInputFile(rendered.png, filename="report.png"))
    await msg.answer_document(BufferedInputFile(rendered.xlsx, filename=view.filename))


def drill_text(d: Drill) -> str:
    lines = [f"<b>{esc(d.manager.name)} · {period_text(d.period)} · {d.currency}</b>"]
    if d.empty:
        lines.append(_("No deals and no invoices in this period."))
        return "\n".join(lines)
    lines.append(_("Deals: {count}").format(count=d.deals_count))
    for deal in d.deals:
        amount = money(deal.amount_minor, deal.currency) \
            if deal.amount_minor is not None and deal.currency else "—"
        lines.append(f"• {esc(deal.title)} · {amount}")
    lines.append(_("Invoices: {count}").format(count=d.invoices_count))
    for inv in d.invoices:
        day = dmy(inv.issue_date) if inv.issue_date else ""
        lines.append(_("• {number} {date} {client}: {total}, paid {paid}").format(
            number=esc(inv.number), date=day, client=esc(inv.client),
            total=money(inv.total_minor, d.currency), paid=money(inv.paid_minor, d.currency)))
    if d.deals_count > len(d.deals) or d.invoices_count > len(d.invoices):
        lines.append(_("The newest are shown."))
    return "\n".join(lines)


def drill_keyboard(d: Drill) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for deal in d.deals:
        kb.button(text="💼 " + deal.title[:40], callback_data=DealCb(action=DealAction.OPEN,
                                                                    id=deal.id))
    for inv in d.invoices:
        kb.button(text="🧾 " + inv.number, callback_data=InvoiceCb(action=Inv.OPEN, id=inv.id))
    kb.adjust(1)
    return kb.as_markup()


def create_router() -> Router:
    router = Router(name="reports")
    router.message.filter(IsStaff())
    router.callback_query.filter(IsStaff())
    router.callback_query.middleware(AlertOnDomainError(needs_message=True))

    @router.message(Command("reports"))
    async def cmd_reports(message: Message, actor: User, reports: ReportService,
                          deals: DealService, report_renderer: Renderer,
                          state: FSMContext) -> None:
        await state.clear()
        await send_step(message, RepCb(), actor, reports, deals, report_renderer)

    @router.callback_query(RepCb.filter(F.a == GO))
    async def on_step(query: CallbackQuery, callback_data: RepCb, msg: Message, actor: User,
                      reports: ReportService, deals: DealService,
                      report_renderer: Renderer) -> None:
        step = await next_step(callback_data, actor, reports)
        if isinstance(step, RepCb):  # the report: checked by the service before anything
            kind = kind_of(step)
            period = decode_period(step.p, reports.today(actor), reports.week_start)
            await reports.query(actor, ReportRequest(kind, period, step.c, scope_of(step),
                                                     step.o or None))
        await query.answer()
        await send_step(msg, callback_data, actor, reports, deals, report_renderer, step)

    @router.callback_query(RepCb.filter(F.a == TYPE))
    async def on_type(query: CallbackQuery, callback_data: RepCb, msg: Message,
                      state: FSMContext) -> None:
        kind_of(callback_data)
        await query.answer()
        await state.set_state(ReportInput.range)
        await state.update_data(report=with_(callback_data, p="").pack())
        await msg.answer(_("Type the period, for example 01.10–31.10 or "
                           "01.10.2026–31.12.2026."))

    @router.message(ReportInput.range, HasText())
    async def on_range(message: Message, actor: User, reports: ReportService,
                       deals: DealService, report_renderer: Renderer,
                       state: FSMContext) -> None:
        assert message.text is not None
        try:
            period = parse_range(message.text, reports.today(actor))
        except DomainError as err:
            await message.answer(error_text(err))
            return
        data = await state.get_data()
        await state.clear()
        cb = with_(RepCb.unpack(str(data.get("report") or RepCb().pack())),
                   p=encode_range(period))
        try:
            await send_step(message, cb, actor, reports, deals, report_renderer)
        except DomainError as err:
            await message.answer(error_text(err))

    @router.callback_query(RepCb.filter(F.a == DRILL))
    async def on_drill(query: CallbackQuery, callback_data: RepCb, msg: Message,
                       actor: User, reports: ReportService) -> None:
        if not callback_data.s.isdigit():
            raise InvalidInput("bad_scope", field="scope")
        period = decode_period(callback_data.p, reports.today(actor), reports.week_start)
        d = await reports.drill(actor, int(callback_data.s), period, callback_data.c or "RUB")
        await query.answer()
        await msg.answer(drill_text(d), reply_markup=drill_keyboard(d))

    return router

