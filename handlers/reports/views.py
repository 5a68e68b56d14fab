"""A report as the reader gets it (issue 14): the text summary, the chart to draw and the sheets
of its XLSX, in the current gettext locale.

Invariants: totals come first, then at most TOP rows; money is shown with `format_money` and
goes into sheets as Decimal (never float); dates are dd.mm.yyyy; stage and lost-reason names
come from the pipeline configuration in the reader's language, never as codes; every sheet's
total row is the sum of the rows above it; an empty report has no chart (`chart` None) and its
text says so.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from itertools import repeat
from operator import attrgetter, mul
from pathlib import Path

from aiogram.utils.i18n import gettext as _

from handlers.deals.texts import lang
from handlers.reminders.texts import day_text as dmy
from services.money import exponent, format_money, from_minor
from services.pipelines import (
    DEFAULT_LOST_REASONS,
    LostReason,
    PipelineConfig,
    PipelineConfigError,
    load_lost_reasons,
    load_pipelines,
)
from services.reports.model import (
    AbcReport,
    ActivityReport,
    CalendarReport,
    Cell,
    ChartSpec,
    FunnelReport,
    FunnelStage,
    Named,
    PlanReport,
    Report,
    ReportView,
    SalesReport,
    SalesRow,
    Series,
    Sheet,
)
from services.reports.periods import Period

TOP = 10
CHART_TOP = 15  # bars a chart of people draws; the rest goes into one "Others" bar
CONFIG = Path(__file__).resolve().parents[2] / "config" / "pipelines.toml"


@dataclass(frozen=True, slots=True)
class Names:
    """What names stage and lost-reason codes: the pipelines and lost reasons configured."""

    pipelines: dict[str, PipelineConfig] = field(default_factory=dict)
    lost_reasons: dict[str, LostReason] = field(default_factory=dict)

    def stage(self, pipeline: str, code: str) -> str:
        p = self.pipelines.get(pipeline)
        stage = p.stage(code) if p else None
        if stage is None:  # a stage since removed from the file: its code is all we have
            return code
        return stage.name(lang())

    def pipeline(self, code: str) -> str:
        p = self.pipelines.get(code)
        return p.name(lang()) if p else code

    def reason(self, code: str, text: str) -> str:
        if not code:
            return text or _("other")
        reason = self.lost_reasons.get(code)
        if reason is None:
            return _("other") if code == "other" else code
        return reason.name(lang())


@cache
def default_names() -> Names:
    """The project's config/pipelines.toml (the bot passes the one it was started with)."""
    try:
        pipelines = {p.code: p for p in load_pipelines(CONFIG)}
        reasons = load_lost_reasons(CONFIG)
    except PipelineConfigError:  # no file: the built-in lost reasons, stage codes as they are
        pipelines, reasons = {}, DEFAULT_LOST_REASONS
    return Names(pipelines, {r.code: r for r in reasons})


# --- formatting -------------------------------------------------------------------------------


def period_text(period: Period) -> str:
    if period.start == period.end:
        return dmy(period.start)
    return f"{dmy(period.start)}–{dmy(period.end)}"


def money(minor: int, currency: str) -> str:
    return format_money(from_minor(minor, currency), currency, lang())


@cache
def _exponent(currency: str) -> int:
    return exponent(currency)


def dec(minor: int, currency: str) -> Decimal:
    """`from_minor` for tens of thousands of sheet cells: the same Decimal (its exponent the
    currency's, "12.30" not "12.3"), the currency looked up once."""
    if type(minor) is not int:  # bool or anything else: from_minor refuses it
        return from_minor(minor, currency)
    return Decimal(minor).scaleb(-_exponent(currency))


def esc(text: str) -> str:
    return html.escape(text)


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    text = f"{value:f}"
    return (text.replace(".", ",") if lang() != "en" else text) + "%"


def who(name: str) -> str:
    return name or _("without a name")


def whos(rows: Iterable[object], attr: str = "who.name") -> list[str]:
    """`who` of a whole column (the fallback translated once)."""
    nameless = _("without a name")
    return [name or nameless for name in map(attrgetter(attr), rows)]


def decs(rows: Iterable[object], attr: str, currency: str) -> list[Decimal]:
    """`dec` of a whole column of minor units, at C speed (the same Decimals)."""
    minors = list(map(attrgetter(attr), rows))
    if not set(map(type, minors)) <= {int}:  # from_minor refuses anything else, as it should
        return [from_minor(m, currency) for m in minors]
    return list(map(Decimal.scaleb, map(Decimal, minors), repeat(-_exponent(currency))))


def header(title: str, period: str, currency: str, scope: str) -> str:
    parts = [title, period, currency]
    if scope:
        parts.append(scope)
    return "<b>" + esc(" · ".join(parts)) + "</b>"


def total_row(label: str, rows: Sequence[Sequence[Cell]], skip: int = 1) -> tuple[Cell, ...]:
    """The sum of each numeric column of `rows` (the first `skip` columns are labels)."""
    width = len(rows[0]) if rows else 0
    out: list[Cell] = [label, *([None] * (skip - 1))]
    columns = list(zip(*rows, strict=True))  # the rows of a sheet have one width
    for col in range(skip, width):
        values = columns[col]
        kinds = set(map(type, values))
        if not values or not kinds <= {int, Decimal}:  # a label, a date, bool or empty
            out.append(None)
        elif kinds == {int}:
            out.append(sum(values))
        else:
            out.append(sum(values, Decimal(0)))
    return tuple(out)


def with_total(rows: Iterable[tuple[Cell, ...]], skip: int = 1) -> tuple[tuple[Cell, ...], ...]:
    body = tuple(rows)
    if not body:
        return body
    return (*body, total_row(_("Total"), body, skip))


def top_chart(kind: str, title: str, labels: Sequence[str], series: Sequence[Series],
              value_label: str = "", top: int = CHART_TOP) -> ChartSpec:
    """A chart of at most `top` bars, the largest by the sum of their series (largest first,
    ties in the report's order), and an "Others" bar with the sum of the rest of each series;
    the text and the sheets keep every row."""
    if len(labels) <= top + 1:
        return ChartSpec(kind, title, tuple(labels), tuple(series), value_label)
    weight = [sum(values, Decimal(0)) for values in zip(*(s.values for s in series), strict=True)]
    order = sorted(range(len(labels)), key=lambda i: weight[i], reverse=True)
    kept, rest = order[:top], order[top:]
    return ChartSpec(
        kind, title, (*(labels[i] for i in kept), _("Others")),
        tuple(Series(s.name, (*(s.values[i] for i in kept),
                              sum((s.values[i] for i in rest), Decimal(0))))
              for s in series),
        value_label)


# --- a. sales ---------------------------------------------------------------------------------


def bucket_label(day: date, bucket: str) -> str:
    if bucket == "month":
        return day.strftime("%m.%Y")
    return day.strftime("%d.%m")


def sales_rows(rows: Sequence[SalesRow], cur: str) -> tuple[tuple[Cell, ...], ...]:
    return with_total(zip(whos(rows), map(attrgetter("count"), rows),
                          decs(rows, "invoiced_minor", cur), decs(rows, "paid_minor", cur),
                          decs(rows, "credited_minor", cur), decs(rows, "outstanding_minor", cur),
                          strict=True))


def sales_view(r: SalesReport, names: Names, scope: str) -> ReportView:
    cur = r.query.currency
    lines = [header(_("Sales"), period_text(r.query.period), cur, scope)]
    if r.empty:
        lines.append(_("No sales in this period."))
        return ReportView("\n".join(lines), None, filename="sales.xlsx")
    t = r.total
    lines += [
        _("Invoiced: {amount} ({count} invoices)").format(amount=money(t.invoiced_minor, cur),
                                                        count=t.count),
        _("Paid: {amount}").format(amount=money(t.paid_minor, cur)),
        _("Outstanding: {amount}").format(amount=money(t.outstanding_minor, cur)),
        _("Received in the period: {amount}").format(amount=money(r.received_minor, cur)),
        _("Won: {count} deals, {amount}").format(count=r.won, amount=money(r.won_minor, cur)),
    ]
    if r.average_deal_minor is not None:
        lines.append(_("Average deal: {amount}").format(
            amount=money(r.average_deal_minor, cur)))
    lost = _("Lost: {count}").format(count=r.lost)
    if r.lost_reasons:
        lost += " — " + ", ".join(f"{esc(names.reason(x.code, x.text))}: {x.count}"
                                  for x in r.lost_reasons[:5])
    lines.append(lost)
    if r.by_manager:
        lines.append("\n<b>" + esc(_("By manager")) + "</b>")
        lines += [_("{name}: invoiced {invoiced}, paid {paid}").format(
            name=esc(who(m.who.name)), invoiced=money(m.invoiced_minor, cur),
            paid=money(m.paid_minor, cur)) for m in r.by_manager[:TOP]]
    if r.by_client:
        lines.append("\n<b>" + esc(_("Top clients")) + "</b>")
        lines += [f"{i}. {esc(who(c.who.name))} — {money(c.invoiced_minor, cur)}"
                  for i, c in enumerate(r.by_client[:TOP], 1)]
    if r.by_product:
        lines.append("\n<b>" + esc(_("Top products")) + "</b>")
        lines += [f"{i}. {esc(who(p.who.name))} — {money(p.invoiced_minor, cur)}"
                  for i, p in enumerate(r.by_product[:TOP], 1)]
    chart = ChartSpec(
        "bar", _("Revenue, {currency}").format(currency=cur),
        tuple(bucket_label(p.start, r.bucket) for p in r.revenue),
        (Series(_("Invoiced"), tuple(dec(p.invoiced_minor, cur) for p in r.revenue)),
         Series(_("Received"), tuple(dec(p.received_minor, cur) for p in r.revenue))),
        cur)
    money_head = (_("Invoices"), _("Invoiced"), _("Paid"), _("Credited"), _("Outstanding"))
    sheets = (
        Sheet(_("By manager"), (_("Manager"), *money_head), sales_rows(r.by_manager, cur),
              (2, 3, 4, 5)),
        Sheet(_("By client"), (_("Client"), *money_head), sales_rows(r.by_client, cur),
              (2, 3, 4, 5)),
        Sheet(_("By product"), (_("Product"), _("Lines"), _("Invoiced")),
              with_total(zip(whos(r.by_product), map(attrgetter("count"), r.by_product),
                             decs(r.by_product, "invoiced_minor", cur), strict=True)), (2,)),
        Sheet(_("Revenue"), (_("From"), _("Invoiced"), _("Received")),
              with_total((p.start, dec(p.invoiced_minor, cur), dec(p.received_minor, cur))
                          for p in r.revenue), (1, 2)),
        Sheet(_("Lost reasons"), (_("Reason"), _("Deals")),
              with_total((names.reason(x.code, x.text), x.count) for x in r.lost_reasons)),
    )
    return ReportView("\n".join(lines), chart, sheets, "sales.xlsx")


# --- b. funnel --------------------------------------------------------------------------------


def funnel_view(r: FunnelReport, names: Names, scope: str) -> ReportView:
    cur = r.query.currency
    title = _("Funnel «{pipeline}»").format(pipeline=names.pipeline(r.pipeline))
    lines = [header(title, period_text(r.query.period), cur, scope)]
    if r.empty:
        lines.append(_("No deals in this period."))
        return ReportView("\n".join(lines), None, filename="funnel.xlsx")
    for s in r.total.stages:
        line = _("{stage}: {count}").format(stage=esc(names.stage(r.pipeline, s.code)),
                                            count=s.count)
        if s.amount_minor:
            line += f" · {money(s.amount_minor, cur)}"
        if s.conversion is not None:
            line += " → " + _("{percent} went on").format(percent=percent(s.conversion))
        if s.average_days is not None:
            line += " · " + _("{days} days on average").format(days=s.average_days)
        if s.stuck:
            line += " · " + _("stuck: {count}").format(count=s.stuck)
        lines.append(line)
    lines.append(_("Won: {won} · Lost: {lost}").format(won=r.total.won, lost=r.total.lost))
    lines.append(_("Stuck means longer than {days} days in a stage.").format(days=r.stuck_days))
    if len(r.managers) > 1 or r.query.owner_id is None:
        lines.append("\n<b>" + esc(_("By manager")) + "</b>")
        for m in r.managers[:TOP]:
            entered = m.stages[0].count if m.stages else 0
            lines.append(_("{name}: {count} new, won {won}, lost {lost}").format(
                name=esc(who(m.manager.name)), count=entered, won=m.won, lost=m.lost))
    chart = ChartSpec("hbar", title,
                      tuple(names.stage(r.pipeline, s.code) for s in r.total.stages),
                      (Series(_("Deals"), tuple(Decimal(s.count) for s in r.total.stages)),))
    stage_head = (_("Stage"), _("Deals"), _("Amount"), _("Went on"), _("Conversion, %"),
                  _("Average days"), _("Stuck"))

    def stage_rows(stages: Iterable[FunnelStage],
                   name: str | None = None) -> list[tuple[Cell, ...]]:
        return [((name,) if name is not None else ()) + (
            names.stage(r.pipeline, s.code), s.count, dec(s.amount_minor, cur), s.converted,
            s.conversion, s.average_days, s.stuck) for s in stages]

    per_manager = [row for m in r.managers for row in stage_rows(m.stages, who(m.manager.name))]
    sheets = (
        Sheet(_("Funnel"), stage_head, tuple(stage_rows(r.total.stages)), (2,)),
        Sheet(_("By manager"), (_("Manager"), *stage_head), tuple(per_manager), (3,)),
        Sheet(_("Won and lost"), (_("Manager"), _("Won"), _("Lost")),
              with_total((who(m.manager.name), m.won, m.lost) for m in r.managers)),
    )
    return ReportView("\n".join(lines), chart, sheets, "funnel.xlsx")


# --- c. ABC / XYZ -----------------------------------------------------------------------------


def abc_view(r: AbcReport, names: Names, scope: str) -> ReportView:
    cur = r.query.currency
    a = r.analysis
    title = _("ABC of clients") if r.subject == "clients" else _("ABC of products")
    lines = [header(title, period_text(r.query.period), cur, scope)]
    if r.empty:
        lines.append(_("No sales in this period."))
        return ReportView("\n".join(lines), None, filename=f"abc_{r.subject}.xlsx")
    lines.append(_("Revenue: {amount}").format(amount=money(a.total_minor, cur)))
    for cls in "ABC":
        cells = [a.cell(cls + x) for x in "XYZ"]
        lines.append(_("{cls}: {count}, {amount}").format(
            cls=cls, count=sum(c.count for c in cells),
            amount=money(sum(c.revenue_minor for c in cells), cur)))
    lines.append(_("XYZ over {months} months:").format(months=r.months) + " " + " · ".join(
        f"{c.code} {c.count}" for c in a.cells))
    lines.append("")
    lines += [f"{i}. {esc(who(row.name))} — {money(row.revenue_minor, cur)} "
              f"({percent(row.share)}) {row.abc}{row.xyz}"
              for i, row in enumerate(a.rows[:TOP], 1)]
    chart = ChartSpec("bar", title, tuple(c.code for c in a.cells),
                      (Series(_("Count"), tuple(Decimal(c.count) for c in a.cells)),))
    head = (_("Client") if r.subject == "clients" else _("Product"), _("Revenue"),
            _("Share, %"), _("Cumulative, %"), _("ABC"), _("Monthly mean"), _("Deviation"),
            _("CV, %"), _("XYZ"))
    scale = Decimal(1).scaleb(-exponent(cur))
    def scaled(attr: str) -> list[Decimal]:  # (value * scale).quantize(scale), column-wide
        return list(map(Decimal.quantize, map(mul, map(attrgetter(attr), a.rows),
                                              repeat(scale)), repeat(scale)))

    body = tuple(zip(whos(a.rows, "name"), decs(a.rows, "revenue_minor", cur),
                     map(attrgetter("share"), a.rows), map(attrgetter("cumulative"), a.rows),
                     map(attrgetter("abc"), a.rows), scaled("mean"), scaled("deviation"),
                     map(attrgetter("cv"), a.rows), map(attrgetter("xyz"), a.rows),
                     strict=True))
    rows_total: tuple[Cell, ...] = (_("Total"), sum((b[1] for b in body), Decimal(0)),
                                    *([None] * 7)) if body else ()
    sheets = (
        Sheet(title[:31], head, (*body, rows_total) if body else (), (1, 5, 6)),
        Sheet(_("Matrix"), (_("Cell"), _("Count"), _("Revenue")),
              with_total((c.code, c.count, dec(c.revenue_minor, cur)) for c in a.cells), (2,)),
    )
    return ReportView("\n".join(lines), chart, sheets, f"abc_{r.subject}.xlsx")


# --- d. payment calendar ------------------------------------------------------------------------


def calendar_view(r: CalendarReport, names: Names, scope: str) -> ReportView:
    cur = r.query.currency
    title = _("Payment calendar")
    lines = [header(title, _("as of {date}").format(date=dmy(r.today)), cur, scope)]
    if r.empty:
        lines.append(_("Nothing is expected: no open invoices."))
        return ReportView("\n".join(lines), None, filename="calendar.xlsx")
    lines += [
        _("Open: {amount}").format(amount=money(r.open_minor, cur)),
        _("Overdue: {amount}").format(amount=money(r.overdue_minor, cur)),
    ]
    for w in r.weeks:
        lines.append(_("Week of {date}: expected {expected}, arrived {arrived}").format(
            date=dmy(w.start), expected=money(w.expected_minor, cur),
            arrived=money(w.arrived_minor, cur)))
    lines.append(_("Later: {amount}").format(amount=money(r.later_minor, cur)))
    lines.append(_("No due date: {amount}").format(amount=money(r.undated_minor, cur)))
    if r.overdue:
        lines.append("\n<b>" + esc(_("Overdue by client")) + "</b>")
        lines += [f"{i}. {esc(who(c.who.name))} — {money(c.outstanding_minor, cur)}"
                  for i, c in enumerate(r.overdue[:TOP], 1)]
        if r.overdue_clients > TOP:
            lines.append(_("…and {count} more clients: every one in /debts.").format(
                count=r.overdue_clients - TOP))
    debtors = list(r.overdue)
    rest = r.overdue_rest
    if rest is not None:
        debtors.append(SalesRow(Named(None, _("Other clients ({count})").format(
            count=r.overdue_clients - len(r.overdue))), rest.count, 0, 0, 0,
            rest.outstanding_minor))
    chart = ChartSpec(
        "bar", title, tuple(w.start.strftime("%d.%m") for w in r.weeks),
        (Series(_("Expected"), tuple(dec(w.expected_minor, cur) for w in r.weeks)),
         Series(_("Arrived"), tuple(dec(w.arrived_minor, cur) for w in r.weeks))), cur)
    week_rows: list[tuple[Cell, ...]] = [(_("Overdue"), dec(r.overdue_minor, cur), Decimal(0))]
    week_rows += [(dmy(w.start), dec(w.expected_minor, cur), dec(w.arrived_minor, cur))
                  for w in r.weeks]
    week_rows += [(_("Later"), dec(r.later_minor, cur), Decimal(0)),
                  (_("No due date"), dec(r.undated_minor, cur), Decimal(0))]
    sheets = (
        Sheet(_("Calendar"), (_("Week"), _("Expected"), _("Arrived")), with_total(week_rows),
              (1, 2)),
        Sheet(_("Overdue"), (_("Client"), _("Invoices"), _("Outstanding")),
              with_total(zip(whos(debtors), map(attrgetter("count"), debtors),
                             decs(debtors, "outstanding_minor", cur), strict=True)), (2,)),
    )
    return ReportView("\n".join(lines), chart, sheets, "calendar.xlsx")


# --- e. plan vs fact ----------------------------------------------------------------------------


def basis_name(basis: str) -> str:
    return _("paid") if basis == "paid" else _("invoiced")


def plan_view(r: PlanReport, names: Names, scope: str) -> ReportView:
    cur = r.query.currency
    title = _("Plan vs fact")
    lines = [header(title, r.month.strftime("%m.%Y"), cur, scope)]
    if r.empty:
        lines.append(_("No plans and no sales this month."))
        return ReportView("\n".join(lines), None, filename="plan.xlsx")
    t = r.total
    lines.append(_("Day {passed} of {days}.").format(passed=r.days_passed,
                                                     days=r.days_in_month))
    lines.append(_("Plan: {plan} · fact: {fact} ({progress}) · forecast: {forecast}").format(
        plan=money(t.plan_minor, cur) if t.plan_minor is not None else _("no plan"),
        fact=money(t.fact_minor, cur), progress=percent(t.progress),
        forecast=money(t.forecast_minor, cur)))
    lines.append("")
    for row in r.rows[:TOP]:
        if row.plan_minor is None:
            lines.append(_("{name}: no plan · fact {fact}").format(
                name=esc(who(row.manager.name)), fact=money(row.fact_minor, cur)))
        else:
            lines.append(_("{name}: {fact} of {plan} ({progress}), forecast {forecast}").format(
                name=esc(who(row.manager.name)), fact=money(row.fact_minor, cur),
                plan=money(row.plan_minor, cur), progress=percent(row.progress),
                forecast=money(row.forecast_minor, cur)))
    chart = top_chart(
        "hbar", title, [who(x.manager.name) for x in r.rows],
        (Series(_("Plan"), tuple(dec(x.plan_minor or 0, cur) for x in r.rows)),
         Series(_("Fact"), tuple(dec(x.fact_minor, cur) for x in r.rows))), cur)
    body = tuple((who(x.manager.name), basis_name(x.basis), dec(x.plan_minor or 0, cur),
                  dec(x.fact_minor, cur), x.progress, dec(x.forecast_minor, cur))
                 for x in r.rows)
    totals: tuple[Cell, ...] = (_("Total"), None,
                                sum((b[2] for b in body), Decimal(0)),
                                sum((b[3] for b in body), Decimal(0)), None,
                                sum((b[5] for b in body), Decimal(0)))
    sheets = (Sheet(_("Plan vs fact"), (_("Manager"), _("Basis"), _("Plan"), _("Fact"),
                                        _("Progress, %"), _("Forecast")),
                    (*body, totals), (2, 3, 5)),)
    return ReportView("\n".join(lines), chart, sheets, "plan.xlsx")


# --- f. activity --------------------------------------------------------------------------------


def hours(value: Decimal | None) -> str:
    return "—" if value is None else _("{hours} h").format(hours=value)


def activity_view(r: ActivityReport, names: Names, scope: str) -> ReportView:
    title = _("Manager activity")
    lines = [header(title, period_text(r.query.period), r.query.currency, scope)]
    if r.empty:
        lines.append(_("No activity in this period."))
        return ReportView("\n".join(lines), None, filename="activity.xlsx")
    t = r.total
    lines += [
        _("Leads taken: {count}").format(count=t.leads),
        _("Time to first contact: {hours}").format(hours=hours(t.first_contact_hours)),
        _("Interactions: {count}").format(count=t.interactions),
        _("Tasks done: {done}, overdue: {overdue}").format(done=t.tasks_done,
                                                          overdue=t.tasks_overdue),
        _("Invoices issued: {count}").format(count=t.invoices_issued),
        "",
    ]
    lines += [_("{name}: leads {leads}, interactions {interactions}, tasks {done} done / "
                "{overdue} overdue, invoices {invoices}").format(
        name=esc(who(x.manager.name)), leads=x.leads, interactions=x.interactions,
        done=x.tasks_done, overdue=x.tasks_overdue, invoices=x.invoices_issued)
        for x in r.rows[:TOP]]
    labels = [who(x.manager.name) for x in r.rows]
    chart = top_chart("bar", title, labels, (
        Series(_("Leads"), tuple(Decimal(x.leads) for x in r.rows)),
        Series(_("Interactions"), tuple(Decimal(x.interactions) for x in r.rows)),
        Series(_("Tasks done"), tuple(Decimal(x.tasks_done) for x in r.rows)),
        Series(_("Invoices"), tuple(Decimal(x.invoices_issued) for x in r.rows))))
    body = tuple((who(x.manager.name), x.leads, x.interactions, x.tasks_done, x.tasks_overdue,
                  x.invoices_issued, x.first_contact_hours) for x in r.rows)
    totals: tuple[Cell, ...] = ()
    if body:
        totals = (*total_row(_("Total"), [b[:6] for b in body]), None)
    sheets = (Sheet(_("Activity"), (_("Manager"), _("Leads"), _("Interactions"),
                                    _("Tasks done"), _("Tasks overdue"), _("Invoices"),
                                    _("First contact, h")),
                    (*body, totals) if body else ()),)
    return ReportView("\n".join(lines), chart, sheets, "activity.xlsx")


def report_view(report: Report, names: Names | None = None, scope: str = "") -> ReportView:
    """The report in the current gettext locale. `names` names stages and lost reasons (the
    project's config by default); `scope` ("Team", a manager's name) goes into the title."""
    n = names or default_names()
    if isinstance(report, SalesReport):
        return sales_view(report, n, scope)
    if isinstance(report, FunnelReport):
        return funnel_view(report, n, scope)
    if isinstance(report, AbcReport):
        return abc_view(report, n, scope)
    if isinstance(report, CalendarReport):
        return calendar_view(report, n, scope)
    if isinstance(report, PlanReport):
        return plan_view(report, n, scope)
    return activity_view(report, n, scope)
