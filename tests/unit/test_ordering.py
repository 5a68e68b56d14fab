"""The parallel run's order (tests/ordering.py): the same tests, the slow ones first in each
worker's slice and balanced, the quick ones in file order."""

from __future__ import annotations

from tests.ordering import SLOW, slice_sizes, spread


def test_slices_are_cut_as_worksteal_cuts_them() -> None:
    assert slice_sizes(10, 3) == [3, 3, 4]
    assert slice_sizes(2400, 3) == [800, 800, 800]
    assert slice_sizes(5, 4) == [1, 1, 1, 2]
    assert sum(slice_sizes(2399, 4)) == 2399


def test_slow_tests_lead_each_slice_balanced_and_nothing_is_lost() -> None:
    ids = [f"t{i:02d}" for i in range(30)]
    durations = {"t03": 40.0, "t04": 30.0, "t05": 20.0, "t20": 20.0, "t21": 10.0,
                 "t02": 5.0, "t10": SLOW / 2}
    order = spread(ids, ids, durations, 3)
    assert sorted(order) == ids
    slices = [order[0:10], order[10:20], order[20:30]]
    heads = [[t for t in s if durations.get(t, 0) >= SLOW] for s in slices]
    # Longest first, each to the slice with the least slow time so far.
    assert heads == [["t03", "t02"], ["t04", "t21"], ["t05", "t20"]]
    for s, head in zip(slices, heads, strict=True):
        assert s[:len(head)] == head
        rest = s[len(head):]
        assert rest == sorted(rest)  # the quick ones keep their order
    assert [sum(durations[t] for t in h) for h in heads] == [45.0, 40.0, 40.0]


def test_no_recorded_durations_keeps_the_order() -> None:
    ids = [f"t{i}" for i in range(7)]
    assert spread(ids, ids, {}, 3) == ids
