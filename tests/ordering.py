"""Test order for a parallel run: the slow tests first, spread over the workers.

Why: `pytest -n N --dist worksteal` gives each worker one contiguous slice of the collected
order, and an idle worker steals the *end* of the longest queue. Collected in file order, the
slowest tests (killed bots, simulated months, 200 concurrent issues) may start last on one
worker while the others have nothing left to steal: the run ends with one worker alone. Here
each worker's slice starts with its share of the slow tests (balanced by their recorded
durations), followed by the other tests in file order, so the run ends with many short tests,
which stealing spreads evenly.

The durations come from `tests/durations.json` (test id -> seconds, the slow ones of a full
parallel run). Rewrite it after a change that makes a test much slower or faster:
`pytest -n 3 --dist worksteal -m "not alone" --record-durations tests/durations.json`.
A test missing from the file counts as quick: a stale file costs time, never a test.

Only the order changes: every collected test still runs, on every worker count.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

DURATIONS = Path(__file__).resolve().parent / "durations.json"
#: Tests at least this slow (seconds) in the recorded run are placed first.
SLOW = 1.0


def load_durations(path: Path = DURATIONS) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {str(k): float(v) for k, v in data.items()}


def slice_sizes(count: int, workers: int) -> list[int]:
    """How many tests worksteal's first distribution hands each worker (xdist 3.x
    `WorkStealingScheduling.check_schedule`: the pending tests evenly over the idle nodes)."""
    sizes = []
    left = count
    for i in range(workers):
        take = left // (workers - i)
        sizes.append(take)
        left -= take
    return sizes


def spread(items: Sequence[Any], ids: Sequence[str], durations: dict[str, float],
           workers: int) -> list[Any]:
    """`items` reordered into `workers` consecutive slices (sized as worksteal cuts them), each
    starting with its slow tests, longest first; the slow ones are dealt longest first to the
    slice with the least slow time that still has room. The quick tests keep their order."""
    sizes = slice_sizes(len(items), workers)
    slow = sorted((i for i, nid in enumerate(ids) if durations.get(nid, 0.0) >= SLOW),
                  key=lambda i: (-durations[ids[i]], ids[i]))
    load = [0.0] * workers
    heads: dict[int, list[int]] = defaultdict(list)
    for i in slow:
        free = [w for w in range(workers) if len(heads[w]) < sizes[w]]
        w = min(free, key=lambda w: (load[w], w))
        heads[w].append(i)
        load[w] += durations[ids[i]]
    placed = set(slow)
    quick = iter(i for i in range(len(items)) if i not in placed)
    order: list[int] = []
    for w in range(workers):
        order.extend(heads[w])
        order.extend(next(quick) for _ in range(sizes[w] - len(heads[w])))
    assert sorted(order) == list(range(len(items)))  # a reorder, nothing lost or repeated
    return [items[i] for i in order]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--record-durations", metavar="PATH", default=None,
                     help="write each slow test's duration (setup + call + teardown) as JSON")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, in the controller: tell each worker the distribution mode (a worker's own
    `--dist` option reads "no")."""
    node.workerinput["dealchat_dist"] = node.config.getoption("dist")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None or workerinput.get("dealchat_dist") != "worksteal":
        return
    workers = int(workerinput["workercount"])
    durations = load_durations()
    if workers < 2 or not durations:
        return
    items[:] = spread(items, [item.nodeid for item in items], durations, workers)


_measured: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _measured[report.nodeid] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--record-durations")
    if not path or hasattr(session.config, "workerinput"):
        return
    slow = {nid: round(d, 2) for nid, d in sorted(_measured.items()) if d >= SLOW}
    Path(path).write_text(json.dumps(slow, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")
