"""The reports' views (handlers/reports/views.py) on hand-built reports: the text a reader
gets in Russian and English (money as the bot writes it, dd.mm.yyyy dates, stage and lost
reason names, never codes), each sheet's total row equal to the sum of the rows above it,
money as Decimal, and no chart for an empty report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from aiogram.utils.i18n import I18n

from bot.i18n import DOMAIN, LOCALES, compile_catalogs
from handlers.reports.views import report_view
from services.reports.abcxyz import Item, analyse
from services.reports.model import (
    AbcReport,
    ActivityReport,
    ActivityRow,
    CalendarReport,
    CalendarWeek,
    FunnelReport,
    FunnelStage,
    LostReason,
    ManagerFunnel,
    Named,
    PlanReport,
    PlanRow,
    Report,
    ReportQuery,
    ReportView,
    RevenuePoint,
    SalesReport,
    SalesRow,
    Sheet,
)
from services.reports.periods import Period

NOV = Period(date(2026, 11, 1), date(2026, 11, 30))
Q = ReportQuery(NOV, "RUB")
NOBODY = Named(None, "")
IVAN, PETR = Named(2, "Иван"), Named(3, "Петр")


@contextmanager
def locale(lang: str) -> Iterator[None]:
    compile_catalogs()  # a fresh checkout has only the .po files
    i18n = I18n(path=LOCALES, default_locale="en", domain=DOMAIN)
    with i18n.context(), i18n.use_locale(lang):
        yield


def view(report: Report, lang: str = "en") -> ReportView:
    with locale(lang):
        return report_view(report)


def srow(who: Named, count: int, invoiced: int, paid: int, credited: int = 0) -> SalesRow:
    return SalesRow(who, count, invoiced, paid, credited, invoiced - paid - credited)


def sales(empty: bool = False) -> SalesReport:
    if empty:
        zero = srow(NOBODY, 0, 0, 0)
        return SalesReport(Q, zero, (), (), (), "week", (), 0, 0, 0, 0, ())
    managers = (srow(IVAN, 2, 150_000_00, 100_000_00, 5_000_00), srow(PETR, 1, 70_000_50, 0))
    clients = (srow(Named(7, "Ромашка"), 2, 150_000_00, 100_000_00, 5_000_00),
               srow(Named(8, "Василёк"), 1, 70_000_50, 0))
    total = srow(NOBODY, 3, 220_000_50, 100_000_00, 5_000_00)
    return SalesReport(
        Q, total, managers, clients, (srow(Named(1, "Доставка"), 3, 220_000_50, 0),), "week",
        (RevenuePoint(date(2026, 10, 26), 150_000_00, 0),
         RevenuePoint(date(2026, 11, 2), 70_000_50, 100_000_00)),
        100_000_00, 2, 90_000_00, 3,
        (LostReason("price", "", 2), LostReason("", "Ушли к другу", 1)))


def sheet_totals_are_sums(sheet: Sheet) -> None:
    *rows, total = sheet.rows
    for col, value in enumerate(total):
        if isinstance(value, int | Decimal) and col:
            assert value == sum(r[col] for r in rows), (sheet.title, col)  # type: ignore[misc]
    for row in sheet.rows:
        for col in sheet.money_columns:
            assert row[col] is None or isinstance(row[col], Decimal), (sheet.title, row)
        assert not any(isinstance(v, float) for v in row)


def test_sales_text_in_english_and_russian() -> None:
    en = view(sales()).text
    assert "<b>Sales · 01.11.2026–30.11.2026 · RUB</b>" in en
    assert "Invoiced: RUB\xa0220,000.50 (3 invoices)" in en
    assert "Paid: RUB\xa0100,000.00" in en
    assert "Outstanding: RUB\xa0115,000.50" in en
    assert "Average deal: RUB\xa045,000.00" in en
    assert "Lost: 3 — Too expensive: 2, Ушли к другу: 1" in en
    assert "Иван: invoiced RUB\xa0150,000.00, paid RUB\xa0100,000.00" in en
    assert "1. Ромашка — RUB\xa0150,000.00" in en
    assert "price" not in en and "2026-11" not in en
    ru = view(sales(), "ru").text
    assert "<b>Продажи · 01.11.2026–30.11.2026 · RUB</b>" in ru
    assert "Выставлено: 220\u202f000,50\xa0₽ (счетов: 3)" in ru
    assert "Дорого: 2" in ru


def test_sales_chart_and_sheets() -> None:
    v = view(sales())
    assert v.chart is not None and v.chart.kind == "bar"
    assert v.chart.labels == ("26.10", "02.11")
    assert [s.name for s in v.chart.series] == ["Invoiced", "Received"]
    assert v.chart.series[0].values == (Decimal("150000.00"), Decimal("70000.50"))
    titles = [s.title for s in v.sheets]
    assert titles == ["By manager", "By client", "By product", "Revenue", "Lost reasons"]
    for sheet in v.sheets:
        assert len(sheet.title) <= 31
        sheet_totals_are_sums(sheet)
    by_manager = v.sheets[0]
    assert by_manager.header == ("Manager", "Invoices", "Invoiced", "Paid", "Credited",
                                 "Outstanding")
    assert by_manager.rows[-1] == ("Total", 3, Decimal("220000.50"), Decimal("100000.00"),
                                   Decimal("5000.00"), Decimal("115000.50"))
    assert v.sheets[4].rows == (("Too expensive", 2), ("Ушли к другу", 1), ("Total", 3))
    ru = view(sales(), "ru")
    assert ru.sheets[0].header[0] == "Менеджер" and ru.sheets[0].rows[-1][0] == "Итого"


def test_empty_sales_says_so_without_chart_or_sheets() -> None:
    v = view(sales(empty=True))
    assert v.chart is None and v.sheets == ()
    assert v.text.endswith("No sales in this period.")
    assert view(sales(empty=True), "ru").text.endswith("В этом периоде продаж нет.")


def stage(code: str, count: int, amount: int, converted: int | None, stuck: int = 0
          ) -> FunnelStage:
    return FunnelStage(code, count, amount, converted, Decimal("3.5") if converted else None,
                       stuck)


def test_funnel_names_stages_and_sums_managers() -> None:
    ivan = ManagerFunnel(IVAN, (stage("new", 4, 0, 2), stage("qualified", 2, 300_00, 1, 1)),
                         1, 1)
    petr = ManagerFunnel(PETR, (stage("new", 1, 0, 0), stage("qualified", 0, 0, 0)), 0, 2)
    total = ManagerFunnel(NOBODY, (stage("new", 5, 0, 2), stage("qualified", 2, 300_00, 1, 1)),
                          1, 3)
    r = FunnelReport(Q, "sales", 14, (ivan, petr), total)
    v = view(r)
    assert "Funnel «Sales»" in v.text
    assert "New: 5 → 40.0% went on · 3.5 days on average" in v.text
    assert "Qualified: 2 · RUB\xa0300.00 → 50.0% went on" in v.text and "stuck: 1" in v.text
    assert "Иван: 4 new, won 1, lost 1" in v.text
    assert v.chart is not None and v.chart.kind == "hbar"
    assert v.chart.labels == ("New", "Qualified")
    ru = view(r, "ru")
    assert "Новая: 5 → дальше прошли 40,0%" in ru.text
    assert ru.chart is not None and ru.chart.labels == ("Новая", "Квалифицирована")
    sheet_totals_are_sums(v.sheets[2])
    assert v.sheets[2].rows[-1] == ("Total", 1, 3)


def test_abc_matrix_and_rows() -> None:
    analysis = analyse([Item(1, "Ромашка", 800_00, (100_00,) * 6),
                        Item(2, "Василёк", 150_00, (0, 0, 0, 0, 0, 150_00)),
                        Item(3, "Лютик", 50_00, (10_00, 0, 10_00, 0, 10_00, 20_00))])
    v = view(AbcReport(Q, "clients", 6, analysis))
    assert "Revenue: RUB\xa01,000.00" in v.text
    assert "A: 1, RUB\xa0800.00" in v.text
    assert "1. Ромашка — RUB\xa0800.00 (80.00%) AX" in v.text
    assert v.chart is not None and v.chart.labels[0] == "AX" and len(v.chart.labels) == 9
    rows_sheet, matrix = v.sheets
    assert rows_sheet.rows[-1][:2] == ("Total", Decimal("1000.00"))
    assert rows_sheet.rows[0][5] == Decimal("100.00")  # the monthly mean in roubles
    sheet_totals_are_sums(rows_sheet)
    sheet_totals_are_sums(matrix)
    assert matrix.rows[-1] == ("Total", 3, Decimal("1000.00"))
    assert view(AbcReport(Q, "clients", 6, analyse([]))).chart is None


def test_calendar_weeks_and_total_equals_open() -> None:
    weeks = tuple(CalendarWeek(date(2026, 11, 30 if i == 0 else 1), 0, 0) for i in range(8))
    weeks = (CalendarWeek(date(2026, 11, 30), 500_00, 200_00),
             CalendarWeek(date(2026, 12, 7), 300_00, 0), *weeks[2:])
    r = CalendarReport(Q, date(2026, 12, 2), 1_000_00, weeks, 100_00, 50_00,
                       (srow(Named(7, "Ромашка"), 1, 1_000_00, 0),))
    v = view(r)
    assert "Payment calendar · as of 02.12.2026" in v.text
    assert "Open: RUB\xa01,950.00" in v.text and "Overdue: RUB\xa01,000.00" in v.text
    assert "Week of 30.11.2026: expected RUB\xa0500.00, arrived RUB\xa0200.00" in v.text
    cal = v.sheets[0]
    sheet_totals_are_sums(cal)
    assert cal.rows[-1] == ("Total", Decimal("1950.00"), Decimal("200.00"))
    empty = CalendarReport(Q, date(2026, 12, 2), 0,
                           tuple(CalendarWeek(w.start, 0, 0) for w in weeks), 0, 0)
    assert view(empty).chart is None


def test_calendar_lists_the_largest_debtors_and_sums_the_rest() -> None:
    weeks = tuple(CalendarWeek(date(2026, 11, 30), 0, 0) for _ in range(8))
    top = tuple(srow(Named(i, f"Client {i}"), 2, (20 - i) * 100_00, 0) for i in range(12))
    listed = sum(r.outstanding_minor for r in top)
    r = CalendarReport(Q, date(2026, 12, 2), listed + 7_00, weeks, 0, 0, top,
                       overdue_clients=15, overdue_invoices=27)
    v = view(r)
    assert "…and 5 more clients: every one in /debts." in v.text
    debtors = v.sheets[1]
    sheet_totals_are_sums(debtors)
    assert debtors.rows[-2] == ("Other clients (3)", 3, Decimal("7.00"))
    assert debtors.rows[-1] == ("Total", 27, Decimal(r.overdue_minor) / 100)


def test_plan_progress_and_no_plan() -> None:
    rows = (PlanRow(IVAN, "paid", 500_000_00, 250_000_00, 500_000_00),
            PlanRow(PETR, "paid", None, 10_000_00, 20_000_00))
    total = PlanRow(NOBODY, "paid", 500_000_00, 260_000_00, 520_000_00)
    r = PlanReport(Q, date(2026, 11, 1), 15, 30, rows, total)
    v = view(r)
    assert "Иван: RUB\xa0250,000.00 of RUB\xa0500,000.00 (50.0%), forecast RUB\xa0500,000.00" \
        in v.text
    assert "Петр: no plan · fact RUB\xa010,000.00" in v.text
    assert v.chart is not None and v.chart.kind == "hbar"
    sheet_totals_are_sums(v.sheets[0])
    assert v.sheets[0].rows[-1][2:4] == (Decimal("500000.00"), Decimal("260000.00"))
    assert "Петр: плана нет" in view(r, "ru").text
    assert view(PlanReport(Q, date(2026, 11, 1), 15, 30, (), total)).chart is None


def test_activity_rows_and_totals() -> None:
    rows = (ActivityRow(IVAN, 3, Decimal("1.5"), 10, 4, 1, 2),
            ActivityRow(PETR, 1, None, 2, 0, 3, 0))
    total = ActivityRow(NOBODY, 4, Decimal("1.5"), 12, 4, 4, 2)
    v = view(ActivityReport(Q, rows, total))
    assert "Leads taken: 4" in v.text and "Time to first contact: 1.5 h" in v.text
    assert "Петр: leads 1, interactions 2, tasks 0 done / 3 overdue, invoices 0" in v.text
    sheet_totals_are_sums(v.sheets[0])
    assert v.sheets[0].rows[-1][:6] == ("Total", 4, 12, 4, 4, 2)
    empty = ActivityRow(NOBODY, 0, None, 0, 0, 0, 0)
    assert view(ActivityReport(Q, (), empty)).chart is None


@pytest.mark.parametrize("lang", ["en", "ru", "ro"])
def test_no_raw_codes_or_iso_dates(lang: str) -> None:
    text = view(sales(), lang).text
    assert "2026-" not in text and "lost_reason" not in text and "invoiced_minor" not in text


def test_a_chart_of_50_managers_draws_the_top_15_and_others() -> None:
    """The chart keeps the 15 largest bars (largest first) and one "Others" bar holding the
    rest of each series; the text and the sheet keep all 50 managers."""
    people = [Named(i, f"Менеджер {i:02}") for i in range(50)]
    plan = tuple(PlanRow(p, "paid", 1_000_00 * (i % 7 + 1), 100_00 * i, 200_00 * i)
                 for i, p in enumerate(people))
    total = PlanRow(NOBODY, "paid", sum(r.plan_minor or 0 for r in plan),
                    sum(r.fact_minor for r in plan), sum(r.forecast_minor for r in plan))
    activity = tuple(ActivityRow(p, i, None, 100 - i, i % 5, 0, 1) for i, p in enumerate(people))
    atotal = ActivityRow(NOBODY, sum(range(50)), None, sum(100 - i for i in range(50)),
                         sum(i % 5 for i in range(50)), 0, 50)
    for r, lang, others in ((PlanReport(Q, date(2026, 11, 1), 15, 30, plan, total), "en",
                             "Others"),
                            (ActivityReport(Q, activity, atotal), "ru", "Остальные")):
        v = view(r, lang)
        assert v.chart is not None and len(v.chart.labels) == 16
        assert v.chart.labels[-1] == others
        weights = [sum(s.values[i] for s in v.chart.series) for i in range(15)]
        assert weights == sorted(weights, reverse=True)
        assert len(v.sheets[0].rows) == 51  # every manager and the total
        full = {row[0]: row for row in v.sheets[0].rows[:-1]}
        assert set(v.chart.labels[:15]) < set(full)
        for series in v.chart.series:
            assert len(series.values) == 16
    v = view(PlanReport(Q, date(2026, 11, 1), 15, 30, plan, total))
    assert v.chart is not None
    plan_series, fact_series = v.chart.series
    assert sum(plan_series.values) == Decimal(total.plan_minor or 0).scaleb(-2)
    assert sum(fact_series.values) == Decimal(total.fact_minor).scaleb(-2)
    largest = max(plan, key=lambda row: (row.plan_minor or 0) + row.fact_minor)
    assert v.chart.labels[0] == largest.manager.name == "Менеджер 48"  # 7 000 + 4 800
