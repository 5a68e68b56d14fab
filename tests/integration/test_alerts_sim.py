"""Thirty simulated days with random downtime (seeded): tasks, installments, guarantee letters,
contracts, quotes, meetings, overdue invoices and morning digests spread over June 2026, three
managers in three time zones, customers with and without a bound chat. The scheduler's jobs
run at random steps of simulated time except inside the downtime windows; the real dispatcher
sends through a recording sender that composes and renders each message as the bot would.

What was delivered is compared with what is expected, computed here from the seeded data and
the schedule alone (not from the outbox): every alert arrives exactly once, at the first moment
the bot was up at or after its due time (late rather than never), nothing else arrives."""

from __future__ import annotations

import random
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n

from bot.i18n import create_i18n
from handlers.reminders import lang_of, render, render_digest
from services.alerts import (
    AlertConfig,
    AlertService,
    DigestPage,
    contract_step,
    quote_expires_at,
)
from services.clock import FrozenClock
from services.invoices import InvoiceService
from services.outbox import OutboxDispatcher, OutboxItem, SendResult
from services.quotes import QuoteService
from services.reminders import QuietHours, next_allowed
from storage import models as m
from storage.outbox import SqlOutboxRepository
from storage.uow import Database

SEED = 20260601
SERVICE_TZ = "Europe/Chisinau"
START = datetime(2026, 6, 1, tzinfo=UTC)
END = datetime(2026, 7, 1, tzinfo=UTC)
LOOKAHEAD = timedelta(minutes=10)
ISO_OR_UTC = re.compile(r"\d{4}-\d{2}-\d{2}|UTC|\+00:00")

# (name, time zone, language) of the managers; their customers live elsewhere.
MANAGERS = [
    ("Ivan", "Europe/Chisinau", "en"),
    ("Olga", "Asia/Yekaterinburg", "ru"),
    ("Ana", "Europe/Lisbon", "ro"),
]
CUSTOMER_TZ = ["Europe/Bucharest", "Europe/Moscow", "Europe/Minsk"]

Key = tuple[Any, ...]


def at_local(day: date, hour: int, minute: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def local_date(moment: datetime, tz: str) -> date:
    return moment.astimezone(ZoneInfo(tz)).date()


# --- the seeded month --------------------------------------------------------------------------


@dataclass
class Person:
    user_id: int
    tz: str
    lang: str
    company: int
    bound: int  # a contact bound to a customer chat
    other: int  # a company whose only contact has no Telegram
    unbound: int
    chat: int
    customer_tz: str


@dataclass
class Month:
    people: list[Person] = field(default_factory=list)
    tasks: list[tuple[int, Person, datetime, bool]] = field(default_factory=list)
    installments: list[tuple[int, Person, date, bool]] = field(default_factory=list)
    guarantees: list[tuple[int, Person, date, bool]] = field(default_factory=list)
    contracts: list[tuple[int, Person, date]] = field(default_factory=list)
    quotes: list[tuple[int, Person, date, bool, bool]] = field(default_factory=list)
    meetings: list[tuple[int, Person, datetime, bool]] = field(default_factory=list)
    overdue: list[tuple[int, Person, date]] = field(default_factory=list)


def june_day(rng: random.Random, first: int = 2, last: int = 28) -> date:
    return date(2026, 6, rng.randint(first, last))


async def seed_month(db: Database, rng: random.Random) -> Month:
    month = Month()
    async with db.uow() as uow:
        s = uow.session
        org = m.Organization(name="Seller SRL", country="MD", currency="MDL")
        s.add(org)
        await s.flush()

        async def add(row: Any) -> int:
            s.add(row)
            await s.flush()
            return int(row.id)

        def invoice(p: Person, number: str, due: date, paid: bool) -> m.Invoice:
            return m.Invoice(
                owner_id=p.user_id,
                organization_id=org.id,
                company_id=p.company,
                contact_id=p.bound,
                currency="MDL",
                status="paid" if paid else "sent",
                due_date=due,
                total_minor=120_000,
                paid_minor=120_000 if paid else 0,
                number_text=number,
                language=p.lang,
            )

        for n, (name, tz, lang) in enumerate(MANAGERS):
            user = await add(
                m.User(telegram_id=3000 + n, role="manager", full_name=name, language=lang,
                       timezone=tz)
            )
            company = await add(m.Company(owner_id=user, name=f"Client {n}", name_norm=f"c{n}"))
            chat = 9000 + n
            bound = await add(
                m.Contact(owner_id=user, company_id=company, name="Buyer", name_norm="buyer",
                          telegram_user_id=chat, timezone=CUSTOMER_TZ[n], language=lang)
            )
            other = await add(m.Company(owner_id=user, name=f"Other {n}", name_norm=f"o{n}"))
            unbound = await add(
                m.Contact(owner_id=user, company_id=other, name="Walk-in", name_norm="walk-in")
            )
            month.people.append(
                Person(user, tz, lang, company, bound, other, unbound, chat, CUSTOMER_TZ[n])
            )
        far = date(2026, 12, 31)  # no overdue alerts for the credit invoices in June
        for p in month.people:
            for i in range(20):
                due = START + timedelta(days=1, minutes=rng.randrange(27 * 24 * 60))
                open_ = rng.random() > 0.15
                task_id = await add(
                    m.Task(owner_id=p.user_id, kind="task", title=f"Task {i}",
                           status="planned" if open_ else "done", due_at=due)
                )
                month.tasks.append((task_id, p, due, open_))
            for i in range(4):
                paid = i == 0
                inv = await add(invoice(p, f"INS-{p.user_id}-{i}", far, paid))
                for _ in range(rng.randint(1, 3)):
                    open_ = rng.random() > 0.2
                    due = june_day(rng)
                    inst = await add(
                        m.Installment(invoice_id=inv, due_date=due, amount_minor=40_000,
                                      paid_minor=0 if open_ else 40_000,
                                      status="open" if open_ else "paid")
                    )
                    month.installments.append((inst, p, due, open_ and not paid))
            for i in range(3):
                paid = rng.random() < 1 / 3
                inv = await add(invoice(p, f"GL-{p.user_id}-{i}", far, paid))
                promised = june_day(rng)
                ship = await add(
                    m.Shipment(invoice_id=inv, kind="act", on_credit=True,
                               guarantee_until=promised)
                )
                month.guarantees.append((ship, p, promised, not paid))
            for i in range(3):
                ends = date(2026, 6, 3) + timedelta(days=rng.randrange(53))
                contract = await add(
                    m.Contract(owner_id=p.user_id, title=f"Contract {i}",
                               starts_on=date(2025, 1, 1), ends_on=ends)
                )
                month.contracts.append((contract, p, ends))
            for i in range(4):
                sent = i != 0
                bound = rng.random() < 0.5
                valid = june_day(rng, last=27)
                q = await add(
                    m.Quote(owner_id=p.user_id, organization_id=org.id,
                            company_id=p.company if bound else p.other,
                            contact_id=p.bound if bound else p.unbound, currency="MDL",
                            status="sent" if sent else "draft", number_text=f"Q-{p.user_id}-{i}",
                            valid_until=valid, language=p.lang)
                )
                month.quotes.append((q, p, valid, sent, bound))
            for i in range(4):
                bound = rng.random() < 0.75
                day = june_day(rng, first=3)
                starts = at_local(day, rng.randint(9, 17), rng.choice((0, 30)), p.customer_tz)
                meet = await add(
                    m.Task(owner_id=p.user_id, kind="meeting", title=f"Meeting {i}",
                           status="planned", contact_id=p.bound if bound else p.unbound,
                           company_id=p.company if bound else p.other, remind_client=True,
                           starts_at=starts, ends_at=starts + timedelta(hours=1))
                )
                month.meetings.append((meet, p, starts, bound))
            for i in range(2):
                due = june_day(rng, last=27)
                inv = await add(invoice(p, f"INV-{p.user_id}-{i}", due, paid=False))
                month.overdue.append((inv, p, due))
        await uow.commit()
    return month


def schedule(rng: random.Random) -> tuple[list[datetime], list[tuple[datetime, datetime]]]:
    """The moments the jobs run: random steps, none inside a downtime window."""
    down = []
    for hours in (0.4, 1, 2.5, 5, 9, 14, 31, 52):
        start = START + timedelta(days=1, minutes=rng.randrange(27 * 24 * 60))
        down.append((start, start + timedelta(hours=hours)))
    ticks, now = [], START
    while now <= END:
        if not any(a <= now < b for a, b in down):
            ticks.append(now)
        now += timedelta(minutes=rng.choice((5, 30, 60, 120, 180, 240)))
    return ticks, down


# --- what should arrive, from the data and the schedule alone ---------------------------------


def digest_says_something(month: Month, p: Person, day: date) -> bool:
    """Whether `p`'s digest of `day` has an item (else none is sent): an open task due by the
    day's end, a meeting that day, an unpaid invoice due that day or before (nothing is paid
    in the simulation, no payment waits for review)."""
    end = at_local(day + timedelta(days=1), 0, 0, p.tz)
    return (
        any(who is p and open_ and due < end for _, who, due, open_ in month.tasks)
        or any(who is p and local_date(starts, p.tz) == day
               for _, who, starts, _ in month.meetings)
        or any(who is p and due <= day for _, who, due in month.overdue)
    )


def expected(month: Month, ticks: list[datetime]) -> dict[Key, datetime]:
    """Each alert and the first tick at or after its moment (when it must arrive)."""

    def first_up(moment: datetime) -> datetime | None:
        i = bisect_left(ticks, moment)
        return ticks[i] if i < len(ticks) else None

    out: dict[Key, datetime] = {}

    def expect(key: Key, moment: datetime) -> None:
        when = first_up(moment)
        if when is not None:
            out[key] = when

    for task_id, _, due, open_ in month.tasks:
        if open_:
            expect(("task", task_id), due)
    for inst, p, due, open_ in month.installments:
        if open_:  # 10:00 the manager's time, when the customer's own reminder goes
            expect(("installment", inst), at_local(due, 10, 0, p.tz))
    for ship, p, promised, unpaid in month.guarantees:
        if unpaid:  # the day after the promised date
            expect(("guarantee", ship), at_local(promised + timedelta(days=1), 10, 0, p.tz))
    for q, p, valid, sent, bound in month.quotes:
        expired_at = first_up(quote_expires_at(valid, SERVICE_TZ))
        if not sent or expired_at is None:
            continue
        day = valid + timedelta(days=1)
        expect(("quote", q, "manager"), max(at_local(day, 10, 0, p.tz), expired_at))
        if bound:  # out of the customer's quiet hours and weekends
            planned = max(at_local(day, 10, 0, p.customer_tz), expired_at)
            expect(("quote", q, "customer"), next_allowed(planned, p.customer_tz, QuietHours()))
    for meet, _, starts, bound in month.meetings:
        for kind, hours in (("meeting_24h", 24), ("meeting_2h", 2)):
            lead = timedelta(hours=hours)
            when = first_up(starts - lead)
            if not bound or when is None or when >= starts:
                continue  # no chat, or the meeting began before the bot was back
            if lead > timedelta(hours=2) and when >= starts - timedelta(hours=2):
                continue  # late: the 2-hour reminder says the same
            out[("meeting", meet, kind)] = when
    for p in month.people:
        for t in ticks:
            wall = t.astimezone(ZoneInfo(p.tz))
            key = ("digest", p.user_id, wall.date().isoformat())
            if time(9) <= wall.time() < time(12) and key not in out \
                    and digest_says_something(month, p, wall.date()):
                out[key] = t
    for inv, p, due in month.overdue:
        told = [t for t in ticks if local_date(t, p.tz) > due and t.date() > due]
        if told:
            out[("overdue", inv)] = told[0]
    for contract, p, ends in month.contracts:
        seen: set[int] = set()
        for n, t in enumerate(ticks):
            today = local_date(t, p.tz)
            step = contract_step(ends, today)
            previous = ticks[n - 1] if n else t - timedelta(days=1)
            if step is None and local_date(previous, p.tz) < ends < today:
                step = 1  # ended while the bot was down: the last step, late
            if step is None or step in seen:
                continue
            seen.add(step)
            when = first_up(max(at_local(today, 9, 0, p.tz), t))
            if when is None:
                continue
            current = contract_step(ends, local_date(when, p.tz)) or 1
            if current >= step:  # else overtaken while it waited: the current step goes
                out[("contract", contract, step)] = when
    return out


# --- what arrived -------------------------------------------------------------------------------


def identity(item: OutboxItem) -> Key:
    p = item.payload
    kind = item.kind
    if kind == "task_alert":
        return ("task", p["task_id"])
    if kind == "installment_alert":
        return ("installment", p["installment_id"])
    if kind == "guarantee_alert":
        return ("guarantee", p["shipment_id"])
    if kind == "contract_alert":
        return ("contract", p["contract_id"], p["step"])
    if kind == "quote_expired":
        return ("quote", p["quote_id"], "manager")
    if kind == "quote_expired_customer":
        return ("quote", p["quote_id"], "customer")
    if kind.startswith("meeting_"):
        return ("meeting", p["task_id"], kind)
    if kind == "digest":
        return ("digest", p["user_id"], p["day"])
    if kind == "overdue_alert":
        return ("overdue", p["invoice_id"])
    return (kind, item.key)


@dataclass
class RecordingSender:
    """The bot's sender minus Telegram: compose at send time (cancelling what no longer
    applies), render in the reader's language, record."""

    alerts: AlertService
    i18n: I18n
    clock: FrozenClock
    delivered: list[tuple[Key, datetime, str]] = field(default_factory=list)

    async def send(self, item: OutboxItem) -> SendResult:
        composed = await self.alerts.compose(item)
        if composed is None:
            await self.alerts.cancel_claimed(item.id)
            return SendResult.sent()
        with self.i18n.context(), self.i18n.use_locale(lang_of(composed.language)):
            if isinstance(composed.facts, DigestPage):  # as bot/outbox_sender renders it
                text, _markup = render_digest(composed.facts, composed.language)
            else:
                text, _markup = render(composed, item.payload, item.invoice_id)
        self.delivered.append((identity(item), self.clock.now(), text))
        return SendResult.sent()


async def test_thirty_days_with_random_downtime_every_alert_once(db: Database) -> None:
    rng = random.Random(SEED)
    month = await seed_month(db, rng)
    ticks, down = schedule(rng)
    assert sum((b - a for a, b in down), timedelta()) > timedelta(days=4)  # really down

    clock = FrozenClock(START)
    alerts = AlertService(db.uow, clock, AlertConfig(default_timezone=SERVICE_TZ))  # type: ignore[arg-type]
    quotes = QuoteService(db.uow, clock, InvoiceService(db.uow, clock, SERVICE_TZ),
                          SERVICE_TZ)
    sender = RecordingSender(alerts, create_i18n("en"), clock)
    repo = SqlOutboxRepository(db)
    dispatcher = OutboxDispatcher(lambda: repo, sender, clock, "sim", batch=200)
    for t in ticks:
        clock.set(t)
        await quotes.expire_due()
        await alerts.enqueue_alerts()
        while await dispatcher.run_once() == 200:
            pass

    want = expected(month, ticks)
    got = Counter(key for key, _, _ in sender.delivered)
    assert [k for k, n in got.items() if n > 1] == []  # no duplicates
    assert sorted(set(got) - set(want)) == []  # nothing unexpected
    assert sorted(set(want) - set(got)) == []  # nothing lost
    assert sum(got.values()) == len(want)
    # Each arrived at the first moment the bot was up at or after its due time.
    late = {key: (when, want[key]) for key, when, _ in sender.delivered if when != want[key]}
    assert late == {}
    kinds = Counter(key[0] for key in want)
    assert all(kinds[k] >= 5 for k in
               ("task", "installment", "guarantee", "contract", "quote", "meeting", "digest"))
    # Some of them really were late (due inside a downtime window).
    assert any(any(a <= t < b for a, b in down) for t in (
        due for task_id, _, due, open_ in month.tasks if open_ and ("task", task_id) in want))
    for _, _, text in sender.delivered:  # what a person reads: no ISO dates, no UTC
        assert not ISO_OR_UTC.search(text), text
