"""Reminder planning and the dispatcher's rules, with an injected clock and an in-memory
outbox: 30 simulated days run in milliseconds and nothing sleeps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.clock import FrozenClock
from services.outbox import (
    NewOutboxMessage,
    OutboxDispatcher,
    OutboxItem,
    OutboxStats,
    SendResult,
    backoff,
    reminder_messages,
    sync_invoice_outbox,
)
from services.reminders import (
    NO_QUIET_HOURS,
    InstallmentForReminders,
    InvoiceForReminders,
    Ladder,
    QuietHours,
    ReminderConfigError,
    local_to_utc,
    morning_digest_time,
    next_allowed,
    plan_invoice_reminders,
    plan_meeting_reminders,
    validate_timezone,
)

CHISINAU = ZoneInfo("Europe/Chisinau")
BUCHAREST = ZoneInfo("Europe/Bucharest")
QUIET = QuietHours()


def local(
    tz: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=tz)


def as_local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%a %Y-%m-%d %H:%M %Z")


# --- an in-memory outbox with the repository's semantics ---------------------------------------


@dataclass
class MemoryRow:
    id: int
    msg: NewOutboxMessage
    due_at: datetime
    status: str = "pending"
    attempts: int = 0
    claimed_at: datetime | None = None
    error: str | None = None


class MemoryOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, MemoryRow] = {}

    async def enqueue(self, items: Iterable[NewOutboxMessage]) -> int:
        keys = {r.msg.key for r in self.rows.values()}
        added = 0
        for it in items:
            if it.key not in keys:
                row_id = len(self.rows) + 1
                self.rows[row_id] = MemoryRow(row_id, it, it.due_at)
                keys.add(it.key)
                added += 1
        return added

    def _claimable(self, r: MemoryRow, now: datetime, lease: timedelta) -> bool:
        if r.status == "pending":
            return r.due_at <= now
        return r.status == "claimed" and r.claimed_at is not None and r.claimed_at < now - lease

    async def claim_due(
        self, now: datetime, worker_id: str, limit: int, lease: timedelta
    ) -> list[OutboxItem]:
        due = [r for r in self.rows.values() if self._claimable(r, now, lease)]
        items = []
        for r in sorted(due, key=lambda r: r.due_at)[:limit]:
            r.status, r.claimed_at = "claimed", now
            m = r.msg
            items.append(
                OutboxItem(
                    id=r.id, key=m.key, channel=m.channel, kind=m.kind, chat_id=m.chat_id,
                    email=m.email, payload=m.payload, due_at=r.due_at, attempts=r.attempts,
                    invoice_id=m.invoice_id,
                )
            )  # fmt: skip
        return items

    async def mark_sent(self, item_id: int, at: datetime) -> None:
        self.rows[item_id].status = "sent"

    async def mark_failed(
        self, item_id: int, error: str, retry_at: datetime | None, dead: bool
    ) -> None:
        r = self.rows[item_id]
        r.attempts += 1
        r.error = error
        r.status = "failed" if dead else "pending"
        if retry_at is not None:
            r.due_at = retry_at

    async def cancel_for_invoice(self, invoice_id: int, except_keys: Sequence[str] = ()) -> int:
        n = 0
        for r in self.rows.values():
            if (
                r.msg.invoice_id == invoice_id
                and r.status == "pending"
                and r.msg.key not in except_keys
            ):
                r.status = "cancelled"
                n += 1
        return n

    async def cancel_keys(self, keys: Sequence[str]) -> int:
        n = 0
        for r in self.rows.values():
            if r.msg.key in keys and r.status == "pending":
                r.status = "cancelled"
                n += 1
        return n

    async def stats(self, now: datetime) -> OutboxStats:
        raise NotImplementedError


class RecordingSender:
    def __init__(self, clock: FrozenClock) -> None:
        self.clock = clock
        self.sent: list[tuple[datetime, OutboxItem]] = []

    async def send(self, item: OutboxItem) -> SendResult:
        self.sent.append((self.clock.now(), item))
        return SendResult.sent()


def invoice(due: date, status: str = "sent", **kw: object) -> InvoiceForReminders:
    return InvoiceForReminders(invoice_id=7, status=status, due_date=due, **kw)  # type: ignore[arg-type]


async def simulate(
    inv: InvoiceForReminders,
    tz: ZoneInfo,
    start: datetime,
    days: int = 30,
    pay_at: datetime | None = None,
) -> list[tuple[datetime, OutboxItem]]:
    """Plans at `start`, then runs the dispatcher every 15 simulated minutes; at `pay_at`
    the invoice is paid and re-planned, as the payment use case does."""
    clock = FrozenClock(start)
    outbox = MemoryOutbox()
    sender = RecordingSender(clock)
    dispatcher = OutboxDispatcher(lambda: outbox, sender, clock, worker_id="w1")

    async def sync(current: InvoiceForReminders) -> None:
        planned = plan_invoice_reminders(current, Ladder(), tz, QUIET, now=clock.now())
        messages = reminder_messages(planned, "telegram", chat_id=555, invoice_id=7)
        await sync_invoice_outbox(outbox, current.invoice_id, messages)

    current = inv
    await sync(current)
    end = start + timedelta(days=days)
    while clock.now() < end:
        if pay_at is not None and clock.now() >= pay_at:
            current = replace(inv, status="paid")
            await sync(current)
        await dispatcher.run_once()
        # The planning job runs again every day (a restart, a second scheduler): it must not
        # double anything, nor bring back what was cancelled.
        if clock.now().minute == 0 and clock.now().hour == 12:
            await sync(current)
        clock.advance(timedelta(minutes=15))
    return sender.sent


# --- ladder config ---------------------------------------------------------------------------


def test_default_ladder_and_spellings() -> None:
    assert Ladder().steps == (-3, 0, 1, 7, 14)
    assert Ladder.parse(None) == Ladder()
    assert Ladder.parse(["-3d", "0d", "+1d", "+7d", "+14d"]) == Ladder()
    assert Ladder.parse([-3, "0", " +1D ", 7, "14"]) == Ladder()
    assert Ladder().to_config() == ["-3d", "0d", "+1d", "+7d", "+14d"]
    assert Ladder.parse(Ladder((-10, -1, 30)).to_config()).steps == (-10, -1, 30)


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([0, 0], "duplicate_step"),
        (["0d", "-0d"], "duplicate_step"),
        (["+1d", "1"], "duplicate_step"),
        ([7, 1], "step_order"),  # a negative interval between two steps
        ([0, 3, -3], "step_order"),
        ([1.5], "bad_step"),
        (["1.5d"], "bad_step"),
        ([2.0], "bad_step"),
        (["tomorrow"], "bad_step"),
        ([None], "bad_step"),
        ([True], "bad_step"),
        ([366], "bad_step"),
        (["-400d"], "bad_step"),
        ("0,1,7", "bad_step"),
        ([], "empty_ladder"),
        (list(range(25)), "too_many_steps"),
    ],
)
def test_bad_ladders_are_refused(steps: object, code: str) -> None:
    with pytest.raises(ReminderConfigError) as err:
        Ladder.parse(steps)  # type: ignore[arg-type]
    assert err.value.code == code


def test_ladder_bounds_are_inclusive() -> None:
    assert Ladder.parse([-365, 365]).steps == (-365, 365)


# --- time zones, quiet hours, DST -------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "Europe/Chisinau",
        "Europe/Bucharest",
        "Europe/Minsk",
        "Europe/Moscow",
        "Asia/Vladivostok",
        "UTC",
    ],
)
def test_known_time_zones(name: str) -> None:
    assert validate_timezone(name).key == name


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Olympus",
        "",
        " Europe/Chisinau",
        "Europe",
        "../../etc/passwd",
        "/etc/localtime",
        "europe/kishinev_x",
    ],
)
def test_unknown_time_zone_is_refused(name: str) -> None:
    with pytest.raises(ReminderConfigError) as err:
        validate_timezone(name)
    assert err.value.code == "unknown_timezone"


def test_planning_with_an_unknown_zone_is_refused() -> None:
    with pytest.raises(ReminderConfigError) as err:
        plan_invoice_reminders(invoice(date(2026, 6, 12)), Ladder(), "Moldova/Chisinau", QUIET)
    assert err.value.code == "unknown_timezone"


def test_quiet_hours_move_a_22h_send_to_9h_next_day() -> None:
    tue_22 = local(CHISINAU, 2026, 6, 9, 22, 0)
    moved = next_allowed(tue_22.astimezone(UTC), CHISINAU, QUIET)
    assert as_local(moved, CHISINAU) == "Wed 2026-06-10 09:00 EEST"
    assert moved.tzinfo is UTC


def test_quiet_hours_early_morning_waits_for_9h_same_day() -> None:
    moved = next_allowed(local(CHISINAU, 2026, 6, 10, 6, 30), CHISINAU, QUIET)
    assert as_local(moved, CHISINAU) == "Wed 2026-06-10 09:00 EEST"


@pytest.mark.parametrize(("hour", "minute"), [(9, 0), (12, 0), (20, 59)])
def test_working_hours_are_not_moved(hour: int, minute: int) -> None:
    moment = local(BUCHAREST, 2026, 6, 10, hour, minute).astimezone(UTC)
    assert next_allowed(moment, BUCHAREST, QUIET) == moment


@pytest.mark.parametrize(
    "moment",
    [(2026, 6, 12, 21, 0), (2026, 6, 13, 0, 1), (2026, 6, 13, 12, 0), (2026, 6, 14, 23, 59)],
)
def test_weekend_moves_to_monday_9h(moment: tuple[int, ...]) -> None:
    moved = next_allowed(local(CHISINAU, *moment), CHISINAU, QUIET)
    assert as_local(moved, CHISINAU) == "Mon 2026-06-15 09:00 EEST"


def test_weekends_may_be_allowed_and_quiet_hours_switched_off() -> None:
    sat_noon = local(CHISINAU, 2026, 6, 13, 12, 0).astimezone(UTC)
    assert next_allowed(sat_noon, CHISINAU, QuietHours(weekends=False)) == sat_noon
    sat_23 = local(CHISINAU, 2026, 6, 13, 23, 0).astimezone(UTC)
    assert next_allowed(sat_23, CHISINAU, NO_QUIET_HOURS) == sat_23


def test_quiet_window_inside_the_day() -> None:
    lunch = QuietHours(start=time(13), end=time(14), weekends=False)
    moved = next_allowed(local(BUCHAREST, 2026, 6, 10, 13, 30), BUCHAREST, lunch)
    assert as_local(moved, BUCHAREST) == "Wed 2026-06-10 14:00 EEST"


@pytest.mark.parametrize(
    ("tz", "wall", "expected_utc"),
    [
        # spring forward: the skipped wall time moves forward by the gap
        (CHISINAU, datetime(2026, 3, 29, 2, 30), datetime(2026, 3, 29, 0, 30, tzinfo=UTC)),
        (BUCHAREST, datetime(2026, 3, 29, 3, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # fall back: the repeated wall time is its first occurrence (summer time)
        (CHISINAU, datetime(2026, 10, 25, 2, 30), datetime(2026, 10, 24, 23, 30, tzinfo=UTC)),
        (BUCHAREST, datetime(2026, 10, 25, 3, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        # ordinary hours either side
        (CHISINAU, datetime(2026, 3, 29, 10, 0), datetime(2026, 3, 29, 7, 0, tzinfo=UTC)),
        (BUCHAREST, datetime(2026, 10, 25, 10, 0), datetime(2026, 10, 25, 8, 0, tzinfo=UTC)),
    ],
)
def test_local_wall_time_to_utc_over_dst(
    tz: ZoneInfo, wall: datetime, expected_utc: datetime
) -> None:
    assert local_to_utc(wall, tz) == expected_utc


@pytest.mark.parametrize(
    ("tz", "evening", "expected"),
    [
        (CHISINAU, (2026, 3, 28, 22, 0), "Sun 2026-03-29 09:00 EEST"),
        (BUCHAREST, (2026, 3, 28, 22, 0), "Sun 2026-03-29 09:00 EEST"),
        (CHISINAU, (2026, 10, 24, 22, 0), "Sun 2026-10-25 09:00 EET"),
        (BUCHAREST, (2026, 10, 24, 22, 0), "Sun 2026-10-25 09:00 EET"),
    ],
)
def test_quiet_night_across_a_dst_change(
    tz: ZoneInfo, evening: tuple[int, ...], expected: str
) -> None:
    moved = next_allowed(local(tz, *evening), tz, QuietHours(weekends=False))
    assert as_local(moved, tz) == expected


@pytest.mark.parametrize(
    ("day", "expected_utc_hour"),
    [
        (date(2026, 3, 28), 7),
        (date(2026, 3, 29), 6),
        (date(2026, 10, 24), 6),
        (date(2026, 10, 25), 7),
    ],
)
@pytest.mark.parametrize("tz", [CHISINAU, BUCHAREST])
def test_morning_digest_is_9h_local_on_both_sides_of_dst(
    tz: ZoneInfo, day: date, expected_utc_hour: int
) -> None:
    at = morning_digest_time(day, tz)
    assert at == datetime.combine(day, time(expected_utc_hour), tzinfo=UTC)
    assert at.astimezone(tz).time() == time(9)


# --- invoice ladders --------------------------------------------------------------------------


def test_keys_are_stable_and_replanning_never_doubles() -> None:
    inv = invoice(date(2026, 6, 12))
    first = plan_invoice_reminders(inv, Ladder(), CHISINAU, QUIET)
    again = plan_invoice_reminders(inv, Ladder(), "Europe/Chisinau", QUIET)
    assert first == again
    assert [p.key for p in first] == [
        "inv:7:step:-3:2026-06-12",
        "inv:7:step:0:2026-06-12",
        "inv:7:step:1:2026-06-12",
        "inv:7:step:7:2026-06-12",
        "inv:7:step:14:2026-06-12",
    ]
    assert [p.kind for p in first] == [
        "invoice_due_soon",
        "invoice_due_today",
        "invoice_overdue",
        "invoice_overdue",
        "invoice_overdue",
    ]


async def test_enqueueing_a_plan_twice_stores_it_once() -> None:
    outbox = MemoryOutbox()
    planned = plan_invoice_reminders(invoice(date(2026, 6, 12)), Ladder(), CHISINAU, QUIET)
    messages = reminder_messages(planned, "telegram", chat_id=555, invoice_id=7)
    assert await outbox.enqueue(messages) == 5
    assert (
        await outbox.enqueue(reminder_messages(planned, "telegram", chat_id=555, invoice_id=7))
        == 0
    )
    both = reminder_messages(planned, "email", email="Buyer@Example.md", invoice_id=7)
    assert await outbox.enqueue(both) == 5  # another channel is another message
    assert all(len(m.key) <= 200 for m in both)


@pytest.mark.parametrize("status", ["paid", "cancelled", "draft"])
def test_nothing_is_planned_for_a_closed_invoice(status: str) -> None:
    assert (
        plan_invoice_reminders(invoice(date(2026, 6, 12), status), Ladder(), CHISINAU, QUIET) == []
    )


def test_nothing_is_planned_when_reminders_are_stopped_or_paused() -> None:
    due = date(2026, 6, 12)
    assert (
        plan_invoice_reminders(invoice(due, reminders_stopped=True), Ladder(), CHISINAU, QUIET)
        == []
    )
    assert (
        plan_invoice_reminders(invoice(due, reminders_paused=True), Ladder(), CHISINAU, QUIET)
        == []
    )
    assert (
        plan_invoice_reminders(
            InvoiceForReminders(invoice_id=1, status="sent", due_date=None),
            Ladder(),
            CHISINAU,
            QUIET,
        )
        == []
    )


def test_past_steps_are_left_out_when_now_is_given() -> None:
    inv = invoice(date(2026, 6, 12))
    now = local(CHISINAU, 2026, 6, 12, 10, 30)
    planned = plan_invoice_reminders(inv, Ladder(), CHISINAU, QUIET, now=now)
    assert [p.step for p in planned] == [1, 7, 14]


def test_a_22h_send_hour_goes_out_at_9h_next_working_day() -> None:
    planned = plan_invoice_reminders(
        invoice(date(2026, 6, 10)), Ladder((-1, 0)), BUCHAREST, QUIET, send_hour=time(22)
    )
    assert [as_local(p.due_at_utc, BUCHAREST) for p in planned] == [
        "Wed 2026-06-10 09:00 EEST",  # Tue 22:00 -> Wed 09:00
        "Thu 2026-06-11 09:00 EEST",  # Wed 22:00 -> Thu 09:00
    ]


def test_steps_pushed_onto_the_same_monday_are_sent_once() -> None:
    # Saturday's "due today" and Sunday's "1 day overdue" both wait for Monday 09:00:
    # one message, the more current one.
    planned = plan_invoice_reminders(
        invoice(date(2026, 6, 13)), Ladder((0, 1, 7)), CHISINAU, QUIET
    )
    assert [(p.step, as_local(p.due_at_utc, CHISINAU)) for p in planned] == [
        (1, "Mon 2026-06-15 09:00 EEST"),
        (7, "Mon 2026-06-22 09:00 EEST"),
    ]


def test_installments_get_their_own_ladders_and_keys() -> None:
    inv = invoice(
        date(2026, 8, 31),
        installments=(
            InstallmentForReminders(11, date(2026, 6, 30), status="paid"),
            InstallmentForReminders(12, date(2026, 7, 31)),
            InstallmentForReminders(13, date(2026, 8, 31), status="partially_paid"),
        ),
    )
    planned = plan_invoice_reminders(inv, Ladder((-3, 0)), CHISINAU, QUIET)
    assert [p.key for p in planned] == [
        "inv:7:inst:12:step:-3:2026-07-31",
        "inv:7:inst:12:step:0:2026-07-31",
        "inv:7:inst:13:step:-3:2026-08-31",
        "inv:7:inst:13:step:0:2026-08-31",
    ]
    assert {p.kind for p in planned} == {"installment_due_soon", "installment_due_today"}
    assert [as_local(p.due_at_utc, CHISINAU) for p in planned] == [
        "Tue 2026-07-28 10:00 EEST",
        "Fri 2026-07-31 10:00 EEST",
        "Fri 2026-08-28 10:00 EEST",
        "Mon 2026-08-31 10:00 EEST",
    ]


async def test_default_ladder_over_30_simulated_days() -> None:
    inv = invoice(date(2026, 6, 12))  # a Friday: the +1 step falls on Saturday
    sent = await simulate(inv, CHISINAU, datetime(2026, 6, 1, tzinfo=UTC))
    assert [(as_local(at, CHISINAU), item.payload["step"]) for at, item in sent] == [
        ("Tue 2026-06-09 10:00 EEST", -3),
        ("Fri 2026-06-12 10:00 EEST", 0),
        ("Mon 2026-06-15 09:00 EEST", 1),
        ("Fri 2026-06-19 10:00 EEST", 7),
        ("Fri 2026-06-26 10:00 EEST", 14),
    ]
    assert all(item.chat_id == 555 and item.invoice_id == 7 for _, item in sent)


async def test_payment_mid_ladder_stops_the_rest() -> None:
    inv = invoice(date(2026, 6, 12))
    paid = local(CHISINAU, 2026, 6, 16, 15, 0).astimezone(UTC)
    sent = await simulate(inv, CHISINAU, datetime(2026, 6, 1, tzinfo=UTC), pay_at=paid)
    assert [item.payload["step"] for _, item in sent] == [-3, 0, 1]
    assert all(at < paid for at, _ in sent)


@pytest.mark.parametrize(
    ("tz", "due", "expected"),
    [
        (
            CHISINAU,
            date(2026, 3, 27),
            [
                "Tue 2026-03-24 10:00 EET",
                "Fri 2026-03-27 10:00 EET",
                "Mon 2026-03-30 09:00 EEST",
                "Fri 2026-04-03 10:00 EEST",
                "Fri 2026-04-10 10:00 EEST",
            ],
        ),
        (
            BUCHAREST,
            date(2026, 3, 27),
            [
                "Tue 2026-03-24 10:00 EET",
                "Fri 2026-03-27 10:00 EET",
                "Mon 2026-03-30 09:00 EEST",
                "Fri 2026-04-03 10:00 EEST",
                "Fri 2026-04-10 10:00 EEST",
            ],
        ),
        (
            CHISINAU,
            date(2026, 10, 23),
            [
                "Tue 2026-10-20 10:00 EEST",
                "Fri 2026-10-23 10:00 EEST",
                "Mon 2026-10-26 09:00 EET",
                "Fri 2026-10-30 10:00 EET",
                "Fri 2026-11-06 10:00 EET",
            ],
        ),
        (
            BUCHAREST,
            date(2026, 10, 23),
            [
                "Tue 2026-10-20 10:00 EEST",
                "Fri 2026-10-23 10:00 EEST",
                "Mon 2026-10-26 09:00 EET",
                "Fri 2026-10-30 10:00 EET",
                "Fri 2026-11-06 10:00 EET",
            ],
        ),
    ],
)
async def test_dst_change_neither_skips_nor_doubles(
    tz: ZoneInfo, due: date, expected: list[str]
) -> None:
    start = datetime.combine(due - timedelta(days=10), time(0), tzinfo=UTC)
    sent = await simulate(invoice(due), tz, start)
    assert [as_local(at, tz) for at, _ in sent] == expected
    assert len({item.key for _, item in sent}) == 5


@pytest.mark.parametrize(
    ("tz", "due", "send_hour", "expected"),
    [
        # the send hour does not exist that night: it goes out once, an hour later on the wall
        (CHISINAU, date(2026, 3, 29), time(2, 30), "Sun 2026-03-29 03:30 EEST"),
        (BUCHAREST, date(2026, 3, 29), time(3, 30), "Sun 2026-03-29 04:30 EEST"),
        # the send hour happens twice that night: it goes out once, the first time
        (CHISINAU, date(2026, 10, 25), time(2, 30), "Sun 2026-10-25 02:30 EEST"),
        (BUCHAREST, date(2026, 10, 25), time(3, 30), "Sun 2026-10-25 03:30 EEST"),
    ],
)
async def test_a_send_hour_inside_the_dst_hour_fires_once(
    tz: ZoneInfo, due: date, send_hour: time, expected: str
) -> None:
    planned = plan_invoice_reminders(
        invoice(due), Ladder((0,)), tz, NO_QUIET_HOURS, send_hour=send_hour
    )
    assert [as_local(p.due_at_utc, tz) for p in planned] == [expected]
    clock = FrozenClock(datetime.combine(due - timedelta(days=1), time(0), tzinfo=UTC))
    outbox = MemoryOutbox()
    sender = RecordingSender(clock)
    await outbox.enqueue(reminder_messages(planned, "telegram", chat_id=1, invoice_id=7))
    dispatcher = OutboxDispatcher(lambda: outbox, sender, clock, "w")
    for _ in range(3 * 24 * 12):  # every 5 minutes over the night of the change
        await dispatcher.run_once()
        clock.advance(timedelta(minutes=5))
    assert [as_local(at, tz) for at, _ in sender.sent] == [expected]


# --- meetings ---------------------------------------------------------------------------------


def test_meeting_reminders_24h_and_2h_before() -> None:
    now = datetime(2026, 6, 8, 6, 0, tzinfo=UTC)
    start = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    planned = plan_meeting_reminders(42, start, now, CHISINAU)
    assert [(p.kind, p.due_at_utc) for p in planned] == [
        ("meeting_24h", datetime(2026, 6, 9, 12, 0, tzinfo=UTC)),
        ("meeting_2h", datetime(2026, 6, 10, 10, 0, tzinfo=UTC)),
    ]
    assert planned[0].key == "meet:42:before:1440m:20260610T120000Z"
    assert plan_meeting_reminders(42, start, now, CHISINAU) == planned


def test_meeting_reminders_already_past_are_skipped() -> None:
    start = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    soon = plan_meeting_reminders(42, start, start - timedelta(hours=5))
    assert [p.kind for p in soon] == ["meeting_2h"]
    assert plan_meeting_reminders(42, start, start - timedelta(hours=1)) == []


@pytest.mark.parametrize("since_start", [timedelta(0), timedelta(minutes=1), timedelta(days=30)])
def test_meeting_in_the_past_is_refused(since_start: timedelta) -> None:
    start = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    with pytest.raises(ReminderConfigError) as err:
        plan_meeting_reminders(42, start, start + since_start)
    assert err.value.code == "meeting_in_past"


def test_meeting_reminders_with_quiet_hours_never_land_after_the_start() -> None:
    now = local(CHISINAU, 2026, 6, 1, 12, 0)
    # Tuesday 08:00: the 24 h reminder (Mon 08:00) waits for 09:00, still a day ahead;
    # the 2 h one (06:00) would wait until after the start and is dropped.
    start = local(CHISINAU, 2026, 6, 9, 8, 0)
    planned = plan_meeting_reminders(1, start, now, CHISINAU, QUIET)
    assert [(p.kind, as_local(p.due_at_utc, CHISINAU)) for p in planned] == [
        ("meeting_24h", "Mon 2026-06-08 09:00 EEST"),
    ]


# --- the dispatcher's rules -------------------------------------------------------------------


def test_backoff_doubles_from_30s_and_is_capped() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 480]
    assert backoff(40) == timedelta(hours=6)


async def test_a_sender_exception_is_a_retry_not_a_crash() -> None:
    clock = FrozenClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    outbox = MemoryOutbox()
    await outbox.enqueue(
        [
            NewOutboxMessage("k1", "telegram", "x", clock.now(), chat_id=1),
            NewOutboxMessage("k2", "telegram", "x", clock.now(), chat_id=2),
        ]
    )

    class Flaky:
        calls: list[str] = []

        async def send(self, item: OutboxItem) -> SendResult:
            self.calls.append(item.key)
            if item.key == "k1":
                raise ConnectionError("reset by peer")
            return SendResult.sent()

    sender = Flaky()
    assert await OutboxDispatcher(lambda: outbox, sender, clock, "w").run_once() == 2
    assert sender.calls == ["k1", "k2"]
    assert outbox.rows[1].status == "pending"
    assert outbox.rows[1].error == "ConnectionError: reset by peer"
    assert outbox.rows[1].due_at == clock.now() + timedelta(seconds=30)
    assert outbox.rows[2].status == "sent"


@pytest.mark.parametrize(
    "bad",
    [
        {"channel": "sms", "chat_id": 1},
        {"channel": "telegram"},
        {"channel": "email"},
        {"channel": "telegram", "chat_id": 1, "due_at": datetime(2026, 1, 1)},
        {"channel": "telegram", "chat_id": 1, "key": "k" * 201},
    ],
)
def test_malformed_messages_are_refused(bad: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "key": "k",
        "kind": "x",
        "due_at": datetime(2026, 1, 1, tzinfo=UTC),
        **bad,
    }
    with pytest.raises(ValueError):
        NewOutboxMessage(**fields)  # type: ignore[arg-type]
