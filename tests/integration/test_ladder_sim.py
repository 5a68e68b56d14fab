"""The reminder ladder over simulated weeks: the scheduler's jobs called on a FrozenClock tick
by tick (nothing sleeps) with the real sender and dispatcher talking to the Bot API sandbox.
Exactly the expected messages arrive, at the expected moments; a payment mid-ladder stops
it; "I've paid" pauses it until a payment arrives; quiet hours move a send to 09:00 local;
the DST changes of Europe/Chisinau neither skip nor double a send."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import update

from services.alerts import AlertConfig
from services.reminders import NO_QUIET_HOURS
from storage import models as m
from storage.uow import Database
from tests.integration.test_alerts import (  # noqa: F401 - the fixtures are used by name
    CUSTOMER_CHAT,
    Stack,
    add_invoice,
    i18n_fixture,
    outbox_rows,
    seed,
    stack_fixture,
)


def at(day: str, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=UTC)


async def run(
    stack: Stack,
    start: datetime,
    end: datetime,
    tick: timedelta,
    events: dict[datetime, Any] | None = None,
    replan_every: int = 6,
) -> None:
    """Ticks the clock from start to end: the events planned for a tick happen first, then
    (every `replan_every` ticks) the replan job, then the drain job."""
    stack.clock.set(start)
    n = 0
    while stack.clock.now() <= end:
        event = (events or {}).get(stack.clock.now())
        if event is not None:
            await event()
        if n % replan_every == 0:
            await stack.jobs.replan()
        await stack.jobs.drain()
        stack.clock.advance(tick)
        n += 1


async def pay(db: Database, invoice_id: int, amount: int, total: int, now: datetime) -> None:
    """What the payments code does: an allocation and the invoice's money and status."""
    async with db.uow() as uow:
        payment = m.Payment(
            source="bank",
            external_id=f"p{invoice_id}-{amount}",
            amount_minor=amount,
            currency="MDL",
            received_on=now.date(),
            status="allocated",
            created_at=now,
        )
        uow.session.add(payment)
        await uow.session.flush()
        uow.session.add(
            m.PaymentAllocation(
                payment_id=payment.id, invoice_id=invoice_id, amount_minor=amount, created_at=now
            )
        )
        await uow.session.execute(
            update(m.Invoice)
            .where(m.Invoice.id == invoice_id)
            .values(paid_minor=amount, status="paid" if amount >= total else "partially_paid")
        )
        await uow.commit()


async def test_thirty_days_full_ladder_payment_and_ive_paid(stack: Stack) -> None:
    w = await seed(stack.db)
    due = date(2026, 6, 17)  # a Wednesday; the -3 step is a Sunday
    full = await add_invoice(stack.db, w, due, number="INV-FULL")
    paid = await add_invoice(stack.db, w, due, number="INV-PAID")
    paused = await add_invoice(stack.db, w, due, number="INV-PAUSE")

    async def payment_arrives() -> None:
        await pay(stack.db, paid, 150_000, 150_000, stack.clock.now())
        # No replan call here: the sender finds the invoice paid at send time anyway.

    async def customer_says_paid() -> None:
        answer = await stack.alerts.customer_paid(CUSTOMER_CHAT, paused)
        assert answer.manager.id == w.manager and answer.title == "INV-PAUSE"

    async def partial_payment() -> None:
        await pay(stack.db, paused, 50_000, 150_000, stack.clock.now())

    events = {
        at("2026-06-17", 12): payment_arrives,
        at("2026-06-15", 12): customer_says_paid,
        at("2026-06-20", 12): partial_payment,
    }
    await run(stack, at("2026-06-01", 0), at("2026-07-01", 23), timedelta(hours=1), events)

    rows = {
        (r.invoice_id, r.payload["step"]): r.sent_at
        for r in await outbox_rows(stack.db, status="sent")
        if r.invoice_id is not None  # the ladder's reminders (not the manager's notices)
    }
    assert sorted((inv, step, when) for (inv, step), when in rows.items()) == sorted(
        [
            # The full ladder: Sunday's step at Monday 09:00 local (06:00 UTC), the others at
            # 10:00 local (07:00 UTC, summer time).
            (full, -3, at("2026-06-15", 6)),
            (full, 0, at("2026-06-17", 7)),
            (full, 1, at("2026-06-18", 7)),
            (full, 7, at("2026-06-24", 7)),
            (full, 14, at("2026-07-01", 7)),
            # Paid on the due day after its reminder: nothing more.
            (paid, -3, at("2026-06-15", 6)),
            (paid, 0, at("2026-06-17", 7)),
            # "I've paid" on Monday: paused; a partial payment on the 20th resumes it.
            (paused, -3, at("2026-06-15", 6)),
            (paused, 7, at("2026-06-24", 7)),
            (paused, 14, at("2026-07-01", 7)),
        ]
    )
    texts = [msg["text"] for msg in await stack.client.messages(CUSTOMER_CHAT)]
    assert len(texts) == 10
    assert (
        texts.count(
            "Invoice INV-PAUSE is overdue since 17.06.2026: MDL\u00a01,000.00 left to pay."
        )
        == 2
    )
    assert "Invoice INV-FULL is due today: MDL\u00a01,500.00 left to pay." in texts
    # The manager heard of the "I've paid" once, through the outbox.
    told = [r.kind for r in await outbox_rows(stack.db, status="sent") if r.invoice_id is None]
    assert told == ["reminder_answer"]


async def dst_sends(
    stack: Stack, ladder: list[str], due: date, start: datetime, end: datetime, **config: Any
) -> list[tuple[int, datetime]]:
    w = await seed(stack.db, ladder=ladder)
    stack.alerts.config = AlertConfig(default_timezone="Europe/Chisinau", **config)
    invoice = await add_invoice(stack.db, w, due)
    await run(stack, start, end, timedelta(minutes=30), replan_every=12)
    rows = await outbox_rows(stack.db, invoice_id=invoice)
    assert {r.status for r in rows} == {"sent"}  # nothing left behind, nothing cancelled
    return [(r.payload["step"], r.sent_at) for r in rows]


async def test_spring_forward_in_chisinau(stack: Stack) -> None:
    # 2026-03-29 02:00 EET jumps to 03:00 EEST. 10:00 local: 08:00 UTC before, 07:00 after;
    # Saturday's and Sunday's steps both move to Monday 09:00 and only the later is kept.
    got = await dst_sends(
        stack,
        ["-3d", "-2d", "-1d", "0d", "+1d"],
        date(2026, 3, 30),
        at("2026-03-20", 0),
        at("2026-04-02", 0),
    )
    assert got == [
        (-3, at("2026-03-27", 8)),
        (-1, at("2026-03-30", 6)),
        (0, at("2026-03-30", 7)),
        (1, at("2026-03-31", 7)),
    ]


async def test_a_send_time_inside_the_skipped_hour_is_sent_once(stack: Stack) -> None:
    got = await dst_sends(
        stack,
        ["-1d", "0d", "+1d"],
        date(2026, 3, 29),
        at("2026-03-27", 0),
        at("2026-03-31", 0),
        send_hour=time(2, 30),
        quiet=NO_QUIET_HOURS,
    )
    # 02:30 on the 29th does not exist in Chisinau: it is 03:30 EEST, 00:30 UTC.
    assert got == [
        (-1, at("2026-03-28", 0, 30)),
        (0, at("2026-03-29", 0, 30)),
        (1, at("2026-03-29", 23, 30)),
    ]


async def test_fall_back_in_chisinau_neither_skips_nor_doubles(stack: Stack) -> None:
    # 2026-10-25 03:00 EEST goes back to 02:00 EET: 02:30 happens twice; the first is meant.
    got = await dst_sends(
        stack,
        ["-1d", "0d", "+1d"],
        date(2026, 10, 25),
        at("2026-10-23", 0),
        at("2026-10-27", 0),
        send_hour=time(2, 30),
        quiet=NO_QUIET_HOURS,
    )
    assert got == [
        (-1, at("2026-10-23", 23, 30)),
        (0, at("2026-10-24", 23, 30)),
        (1, at("2026-10-26", 0, 30)),
    ]
    got_texts = [msg["text"] for msg in await stack.client.messages(CUSTOMER_CHAT)]
    assert len(got_texts) == 3
