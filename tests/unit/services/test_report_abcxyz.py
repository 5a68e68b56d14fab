"""Golden tests of ABC / XYZ on small data sets computed by hand (services/reports/abcxyz.py).

Money is in minor units; shares and CVs are percent."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from services.reports.abcxyz import CELLS, Item, abc_order, analyse, variation


def six(a: int, b: int) -> tuple[int, ...]:
    return (a, b) * 3


# The golden set. Total revenue = 50000 + 30000 + 7500 + 7500 + 5000 + 0 = 100000.
#
#  order  item         revenue  share   cum. before  cum. with  ABC
#  1      Alpha  #3    50000    50 %     0 %          50 %      A  (50 <= 80)
#  2      Beta   #1    30000    30 %    50 %          80 %      A  (exactly 80: still A)
#  3      Delta  #4     7500   7.5 %    80 %        87.5 %      B  (80 is not below 80)
#  4      Delta  #9     7500   7.5 %  87.5 %          95 %      B  (exactly 95: still B)
#  5      Echo   #2     5000     5 %    95 %         100 %      C  (95 is not below 95)
#  6      Foxtrot #8       0     0 %   100 %         100 %      C  (nothing sold)
# The two Deltas tie on revenue and name: id 4 before id 9.
#
# Monthly purchases over 6 months (N = 6), mean = S/N, population deviation
# sd = sqrt(sum((x - mean)^2) / N), CV = sd / mean:
#  Alpha   9000,11000 x3: S=60000 mean 10000; deviations ±1000, variance 1000000, sd 1000,
#          CV 10 %  -> X (exactly on 10 %)
#  Beta    5000 x6:       mean 5000, sd 0, CV 0 %                              -> X
#  Delta#4 750,1250 x3:   mean 1000; deviations ±250, variance 62500, sd 250, CV 25 %
#                                                               -> Y (exactly on 25 %)
#  Delta#9 0,0,0,0,0,6000: mean 1000; deviations -1000 x5 and +5000:
#          squares 5 x 1000000 + 25000000 = 30000000, /6 = 5000000, sd = 2236.0679...,
#          CV 223.61 %                                                          -> Z
#  Echo    800,1200 x3:   mean 1000; deviations ±200, sd 200, CV 20 %           -> Y
#  Foxtrot 0 x6:          mean 0: no CV                                         -> Z
#
# Matrix: AX 2 items 80000; BY 1 item 7500; BZ 1 item 7500; CY 1 item 5000; CZ 1 item 0;
# AY, AZ, BX, CX empty. The cells add up to 6 items and 100000.
GOLDEN = [
    Item(2, "Echo", 5000, six(800, 1200)),
    Item(9, "Delta", 7500, (0, 0, 0, 0, 0, 6000)),
    Item(1, "Beta", 30000, (5000,) * 6),
    Item(8, "Foxtrot", 0, (0,) * 6),
    Item(4, "Delta", 7500, six(750, 1250)),
    Item(3, "Alpha", 50000, six(9000, 11000)),
]


def test_golden_abc() -> None:
    result = analyse(GOLDEN)
    assert result.total_minor == 100000
    assert [(r.id, r.share, r.cumulative, r.abc) for r in result.rows] == [
        (3, D("50.00"), D("50.00"), "A"),
        (1, D("30.00"), D("80.00"), "A"),
        (4, D("7.50"), D("87.50"), "B"),
        (9, D("7.50"), D("95.00"), "B"),
        (2, D("5.00"), D("100.00"), "C"),
        (8, D("0.00"), D("100.00"), "C"),
    ]


def test_golden_xyz() -> None:
    rows = {r.id: r for r in analyse(GOLDEN).rows}
    assert [(i, rows[i].mean, rows[i].deviation, rows[i].cv, rows[i].xyz)
            for i in (3, 1, 4, 9, 2, 8)] == [
        (3, D("10000.00"), D("1000.00"), D("10.00"), "X"),
        (1, D("5000.00"), D("0.00"), D("0.00"), "X"),
        (4, D("1000.00"), D("250.00"), D("25.00"), "Y"),
        (9, D("1000.00"), D("2236.07"), D("223.61"), "Z"),
        (2, D("1000.00"), D("200.00"), D("20.00"), "Y"),
        (8, D("0.00"), D("0.00"), None, "Z"),
    ]


def test_golden_matrix() -> None:
    result = analyse(GOLDEN)
    assert [c.code for c in result.cells] == list(CELLS) == [
        "AX", "AY", "AZ", "BX", "BY", "BZ", "CX", "CY", "CZ"]
    assert {c.code: (c.count, c.revenue_minor) for c in result.cells if c.count} == {
        "AX": (2, 80000), "BY": (1, 7500), "BZ": (1, 7500), "CY": (1, 5000), "CZ": (1, 0)}
    assert result.cell("AY").count == 0 and result.cell("AY").revenue_minor == 0
    assert sum(c.count for c in result.cells) == len(GOLDEN)
    assert sum(c.revenue_minor for c in result.cells) == result.total_minor
    assert [r.cell for r in result.rows] == ["AX", "AX", "BY", "BZ", "CY", "CZ"]


def test_the_item_crossing_80_and_95_keeps_the_better_class() -> None:
    # 70, 20, 10 (total 100): #1 cum 70 -> A; #2 before 70 < 80, cum 90 crosses 80 -> A;
    # #3 before 90 < 95, cum 100 -> B. No C.
    rows = analyse([Item(1, "a", 70, (1,)), Item(2, "b", 20, (1,)),
                    Item(3, "c", 10, (1,))]).rows
    assert [r.abc for r in rows] == ["A", "A", "B"]
    # 90, 6, 4: #1 crosses 80 -> A; #2 before 90, cum 96 crosses 95 -> B; #3 before 96 -> C.
    rows = analyse([Item(1, "a", 90, (1,)), Item(2, "b", 6, (1,)),
                    Item(3, "c", 4, (1,))]).rows
    assert [(r.abc, r.cumulative) for r in rows] == [
        ("A", D("90.00")), ("B", D("96.00")), ("C", D("100.00"))]


def test_ties_sort_by_name_then_id() -> None:
    items = [Item(5, "Beta", 500, (1,)), Item(7, "Alpha", 500, (1,)),
             Item(2, "Alpha", 500, (1,)), Item(1, "Zulu", 900, (1,))]
    assert [i.id for i in abc_order(items)] == [1, 2, 7, 5]
    # total 2400: Zulu 900 (cum 37.5 %) A; Alpha#2 before 37.5 A (cum 58.33 %);
    # Alpha#7 before 58.33 A (cum 79.17 %); Beta before 79.17 < 80 -> A (crosses to 100 %).
    rows = analyse(items).rows
    assert [(r.id, r.abc, r.cumulative) for r in rows] == [
        (1, "A", D("37.50")), (2, "A", D("58.33")), (7, "A", D("79.17")),
        (5, "A", D("100.00"))]
    # the order does not depend on the input order
    assert analyse(items[::-1]) == analyse(items)


def test_a_single_item() -> None:
    result = analyse([Item(1, "Only", 12345, (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12345))])
    (row,) = result.rows
    # 12 months, S = 12345, mean 1028.75; deviations -1028.75 x11 and +11316.25:
    # squares 11 x 1058326.5625 + 128057514.0625 = 139699106.25, /12 = 11641592.1875,
    # sd = 3411.98...; CV = sqrt(11) = 331.66 %  -> Z
    assert (row.abc, row.share, row.cumulative) == ("A", D("100.00"), D("100.00"))
    assert (row.mean, row.deviation, row.cv, row.xyz) == (
        D("1028.75"), D("3411.98"), D("331.66"), "Z")
    assert result.cell("AZ").count == 1 and result.cell("AZ").revenue_minor == 12345


def test_nothing_sold() -> None:
    # all revenues 0 and all months 0: nothing is A, everything is CZ, no CV
    result = analyse([Item(1, "a", 0, (0,) * 6), Item(2, "b", 0, (0,) * 6)])
    assert result.total_minor == 0
    assert [(r.abc, r.xyz, r.cv, r.share) for r in result.rows] == [
        ("C", "Z", None, D("0.00")), ("C", "Z", None, D("0.00"))]
    assert result.cell("CZ").count == 2
    assert analyse([]).rows == () and analyse([]).total_minor == 0


def test_a_refund_larger_than_the_sales_is_c_and_outside_the_total() -> None:
    # revenues 100 and -30: total of positive revenues 100; the -30 is C, share 0
    result = analyse([Item(1, "a", 100, (1,)), Item(2, "b", -30, (1,))])
    assert result.total_minor == 100
    assert [(r.id, r.abc, r.share) for r in result.rows] == [
        (1, "A", D("100.00")), (2, "C", D("0.00"))]


@pytest.mark.parametrize(("months", "cv", "xyz"), [
    # 90,110 x3: mean 100, sd 10, CV 10 % exactly -> X.
    # Exactly: N=6, S=600, Q=3*8100+3*12100=60600, N*Q-S^2=3600; 100^2*3600=36000000
    # <= 10^2*600^2=36000000.
    (six(90, 110), D("10.00"), "X"),
    (six(89, 111), D("11.00"), "Y"),   # sd 11
    # 75,125 x3: sd 25, CV 25 % exactly -> Y (N*Q-S^2 = 382500-360000 = 22500;
    # 100^2*22500 = 225000000 = 25^2*600^2)
    (six(75, 125), D("25.00"), "Y"),
    (six(74, 126), D("26.00"), "Z"),   # sd 26
    # months with no purchase are zeros: 100,0 x3 -> mean 50, sd 50, CV 100 %
    (six(100, 0), D("100.00"), "Z"),
    # 12 months, 120,80 x6: mean 100, sd 20, CV 20 %
    ((120, 80) * 6, D("20.00"), "Y"),
    ((7,) * 12, D("0.00"), "X"),
    ((0,) * 12, None, "Z"),
])
def test_xyz_thresholds(months: tuple[int, ...], cv: D | None, xyz: str) -> None:
    result = variation(months)
    assert (result.cv, result.xyz) == (cv, xyz)


def test_cv_just_past_10_percent_is_y_even_when_it_shows_as_10() -> None:
    # 9000,11001,9000,11000,9000,11000: S = 60001, Q = 606022001,
    # N*Q - S^2 = 3636132006 - 3600120001 = 36012005;
    # 100^2 * 36012005 = 360120050000 > 10^2 * S^2 = 360012000100, so CV > 10 % -> Y,
    # although CV = sqrt(36012005)/60001 = 10.0015 % shows as 10.00.
    result = variation((9000, 11001, 9000, 11000, 9000, 11000))
    assert (result.mean, result.deviation, result.cv, result.xyz) == (
        D("10000.17"), D("1000.17"), D("10.00"), "Y")


def test_months_must_agree() -> None:
    with pytest.raises(ValueError):
        analyse([Item(1, "a", 1, (1,) * 6), Item(2, "b", 1, (1,) * 12)])
    with pytest.raises(ValueError):
        analyse([Item(1, "a", 1, ())])
