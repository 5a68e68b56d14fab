"""The reports benchmark's data (bench/reports.py): 50 managers, a head and an admin, 100k
clients, 2 organizations, ~2k products and over the 24 months ending with the current month
1M issued invoices with their lines, payments and allocations, credit notes, installments,
shipments on credit, 150k deals walking the default pipeline, 200k leads, 500k interactions,
200k tasks and a sales plan per manager and month (all counts × `scale`).

Rows are plain tuples in the schema's column order (the migrated schema of storage/models.py),
written by bulk inserts on a raw connection, never through the services. Invariants kept so
the reports' cross-checks hold on this data: `paid_minor` = Σ live allocations of the invoice,
`credited_minor` = Σ its credit notes, a payment arrives on or after the invoice's issue and
never after `today`, a closed deal has `closed_at` and its last stage change at that moment.
The same seed always gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

MANAGERS = 50
HEAD_ID = MANAGERS + 1
ADMIN_ID = MANAGERS + 2
MONTHS = 24
LOST_CODES = ("price", "competitor", "no_budget", "no_answer", "not_needed")
TYPED_REASONS = ("Закрылись", "Купили б/у", "Проект заморожен")
# The default pipeline's working stages, in order, then its outcomes (config/pipelines.toml).
WALK = ("new", "qualified", "proposal", "invoice", "paid")
VAT = 20


def month_start(day: date, shift: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Plan:
    """How much of everything, and the days it spans: [first, today]."""

    scale: float
    today: date

    @property
    def first(self) -> date:
        return month_start(self.today, -(MONTHS - 1))

    def n(self, full: int, least: int = 1) -> int:
        return max(least, int(full * self.scale))

    @property
    def invoices(self) -> int:
        return self.n(1_000_000, 1000)

    @property
    def companies(self) -> int:
        return self.n(100_000, MANAGERS * 4)

    @property
    def products(self) -> int:
        return self.n(2_000, 100)

    @property
    def deals(self) -> int:
        return self.n(150_000, 200)

    @property
    def leads(self) -> int:
        return self.n(200_000, 200)

    @property
    def interactions(self) -> int:
        return self.n(500_000, 500)

    @property
    def tasks(self) -> int:
        return self.n(200_000, 200)


def at(day: date, seconds: int) -> datetime:
    return datetime.combine(day, time(0), UTC) + timedelta(seconds=seconds)


Row = tuple[Any, ...]

COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "telegram_id", "role", "full_name", "language", "is_active", "chat_dead",
              "created_at"),
    "organizations": ("id", "name", "legal_name", "country", "vat_payer", "address",
                      "director", "accountant", "currency", "language", "invoice_prefix",
                      "number_pattern", "payment_terms_days", "created_at"),
    "number_series": ("id", "organization_id", "kind", "year", "prefix", "last_number"),
    "companies": ("id", "owner_id", "name", "name_norm", "country", "tax_id", "created_at",
                  "updated_at"),
    "products": ("id", "sku", "name", "name_norm", "unit", "kind", "vat_rate", "is_active"),
    "invoices": ("id", "owner_id", "organization_id", "company_id", "deal_id", "series_id",
                 "number", "number_text", "status", "issue_date", "due_date", "paid_minor",
                 "credited_minor", "currency", "tax_mode", "language", "subtotal_minor",
                 "discount_total_minor", "vat_minor", "total_minor", "reminders_paused",
                 "reminders_stopped", "created_at", "issued_at", "paid_at", "cancelled_at"),
    "document_lines": ("id", "invoice_id", "position", "kind", "product_id", "name", "unit",
                       "quantity", "unit_price_minor", "vat_rate", "net_minor", "vat_minor",
                       "total_minor"),
    "payments": ("id", "source", "external_id", "organization_id", "company_id",
                 "amount_minor", "currency", "received_on", "payer_name", "doc_number",
                 "status", "direction", "created_at"),
    "payment_allocations": ("id", "payment_id", "invoice_id", "amount_minor", "created_at"),
    "credit_notes": ("id", "invoice_id", "organization_id", "owner_id", "company_id",
                     "issue_date", "reason", "currency", "subtotal_minor", "vat_minor",
                     "total_minor", "refunded_minor", "status", "created_at"),
    "installments": ("id", "invoice_id", "due_date", "amount_minor", "paid_minor", "status"),
    "shipments": ("id", "invoice_id", "kind", "on_credit", "guarantee_until", "created_at"),
    "deals": ("id", "owner_id", "pipeline_id", "stage_id", "title", "title_norm",
              "company_id", "amount_minor", "currency", "status", "lost_reason", "fields",
              "created_at", "updated_at", "last_activity_at", "closed_at"),
    "deal_stage_changes": ("id", "deal_id", "from_stage_id", "to_stage_id", "actor_id", "at",
                           "note"),
    "leads": ("id", "owner_id", "status", "source", "contact_name", "name_norm", "created_at",
              "updated_at"),
    "interactions": ("id", "owner_id", "kind", "company_id", "deal_id", "lead_id", "text",
                     "occurred_at"),
    "tasks": ("id", "owner_id", "kind", "title", "status", "deal_id", "company_id", "due_at",
              "remind_client", "done_at", "created_at"),
    "sales_plans": ("id", "user_id", "month", "currency", "basis", "amount_minor", "set_by",
                    "updated_at"),
}
# Load order (foreign keys point backwards).
TABLES = tuple(COLUMNS)


@dataclass
class Sink:
    """Rows of the small tables and the totals the plans are drawn from, filled while the
    invoices stream out."""

    payments: list[Row] = field(default_factory=list)
    allocations: list[Row] = field(default_factory=list)
    credit_notes: list[Row] = field(default_factory=list)
    installments: list[Row] = field(default_factory=list)
    shipments: list[Row] = field(default_factory=list)
    lines: list[Row] = field(default_factory=list)
    series_last: dict[int, int] = field(default_factory=dict)
    invoiced: dict[tuple[int, date], int] = field(default_factory=dict)  # RUB by manager/month
    last_id: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.last_id[table] = self.last_id.get(table, 0) + 1
        return self.last_id[table]


def users(plan: Plan) -> list[Row]:
    created = at(plan.first, 0)
    rows: list[Row] = [(u, 700_000 + u, "manager", f"Менеджер {u:02d}", "ru", True, False,
                        created) for u in range(1, MANAGERS + 1)]
    rows.append((HEAD_ID, 700_000 + HEAD_ID, "head", "Руководитель отдела", "ru", True, False,
                 created))
    rows.append((ADMIN_ID, 700_000 + ADMIN_ID, "admin", "Администратор", "ru", True, False,
                 created))
    return rows


ORGS = (("ООО Север", "INV"), ("ООО Юг", "SCH"))


def organizations(plan: Plan) -> list[Row]:
    return [(i + 1, name, name, "RU", True, "", "", "", "RUB", "ru", prefix,
             "{prefix}-{yyyy}-{seq:05}", 10, at(plan.first, 0))
            for i, (name, prefix) in enumerate(ORGS)]


def years(plan: Plan) -> list[int]:
    return list(range(plan.first.year, plan.today.year + 1))


def series_id(plan: Plan, org: int, year: int) -> int:
    ys = years(plan)
    return (org - 1) * len(ys) + ys.index(year) + 1


def number_series(plan: Plan, sink: Sink) -> list[Row]:
    return [(series_id(plan, o + 1, y), o + 1, "invoice", y, prefix,
             sink.series_last.get(series_id(plan, o + 1, y), 0))
            for o, (_name, prefix) in enumerate(ORGS) for y in years(plan)]


def companies(plan: Plan) -> Iterator[Row]:
    created = at(plan.first, 0)
    for c in range(1, plan.companies + 1):
        name = f"Клиент {c:06d}"
        yield (c, owner_of(c), name, name.lower(), "RU", f"77{c:08d}", created, created)


def owner_of(company: int) -> int:
    return (company - 1) % MANAGERS + 1


def company_of(plan: Plan, owner: int, rnd: random.Random) -> int:
    """One of the manager's clients, a few of them buying most (for a real ABC curve)."""
    per_manager = plan.companies // MANAGERS
    return int(per_manager * rnd.random() ** 3) * MANAGERS + owner


def product_price(p: int) -> int:
    return (500 + (p * 7919) % 200_000) * 100  # 500 … 200,500 RUB


def products(plan: Plan) -> Iterator[Row]:
    for p in range(1, plan.products + 1):
        name = f"Товар {p:05d}"
        yield (p, f"SKU-{p:05d}", name, name.lower(), "pcs", "good" if p % 5 else "service",
               str(VAT), True)


def invoices(plan: Plan, sink: Sink, rnd: random.Random) -> Iterator[Row]:
    """Invoices in issue order (numbers gapless per organization and year); fills `sink`
    with their lines, payments, allocations, credit notes, installments and shipments."""
    n = plan.invoices
    span = (plan.today - plan.first).days + 1
    payment_id = allocation_id = line_id = 0
    for i in range(1, n + 1):
        issued = plan.first + timedelta(days=(i - 1) * span // n)
        owner = 1 + rnd.randrange(MANAGERS)
        company = company_of(plan, owner, rnd)
        org = 1 if rnd.random() < 0.7 else 2
        currency = "EUR" if rnd.random() < 0.1 else "RUB"
        sid = series_id(plan, org, issued.year)
        number = sink.series_last.get(sid, 0) + 1
        sink.series_last[sid] = number
        number_text = f"{ORGS[org - 1][1]}-{issued.year}-{number:05d}"
        net = vat = 0
        for position in range(1, rnd.choice((1, 1, 2, 2, 3)) + 1):
            p = 1 + int(plan.products * rnd.random() ** 2)
            price = product_price(p) // (100 if currency == "EUR" else 1)
            qty = rnd.randrange(1, 11)
            ln = price * qty
            lv = ln * VAT // 100
            line_id += 1
            sink.lines.append((line_id, i, position, "item", p, f"Товар {p:05d}", "pcs",
                               str(qty), price, str(VAT), ln, lv, ln + lv))
            net += ln
            vat += lv
        total = net + vat
        due = issued + timedelta(days=rnd.choice((5, 10, 10, 14, 30)))
        created = at(issued, 6 * 3600 + rnd.randrange(10 * 3600))
        roll = rnd.random()
        paid = credited = 0
        cancelled_at = paid_at = None
        if roll < 0.04:
            status = "cancelled"
            cancelled_at = created + timedelta(days=1)
        else:
            if roll < 0.74:
                paid = total
            elif roll < 0.82:
                paid = total * rnd.randrange(20, 80) // 100
            age = (plan.today - issued).days
            late = 0
            if not paid and age > 60 and rnd.random() < 0.85:
                # Most debts get paid in the end: a tail of old overdue invoices stays.
                paid, late = total, rnd.randrange(1, 60)
            if paid < total and rnd.random() < 0.08:
                credited = min(total - paid, total * rnd.randrange(5, 30) // 100)
            # A payment arrives 0 … (terms + 20) days after issue (late ones up to two months
            # more), never after today.
            received = issued + timedelta(days=rnd.randrange((due - issued).days + 21) + late)
            if paid and received > plan.today:
                paid = 0
            if paid:
                parts = [paid] if paid < total or rnd.random() < 0.9 else \
                    [paid // 2, paid - paid // 2]
                for k, part in enumerate(parts):
                    day = min(plan.today, received + timedelta(days=7 * k))
                    payment_id += 1
                    allocation_id += 1
                    when = at(day, 12 * 3600)
                    sink.payments.append((payment_id, "bank", f"bench-{payment_id}", org,
                                          company, part, currency, day, f"Клиент {company:06d}",
                                          str(payment_id % 10_000), "allocated", "in", when))
                    sink.allocations.append((allocation_id, payment_id, i, part, when))
                    paid_at = when
            open_ = total - paid - credited
            if open_ == 0:
                status = "paid"
            elif paid:
                status = "partially_paid"
            else:
                status = "overdue" if due < plan.today else "issued"
            if status != "paid":
                paid_at = None
            if credited:
                sink.credit_notes.append((sink.next_id("credit_notes"), i, org, owner, company,
                                          min(plan.today, issued + timedelta(days=3)),
                                          "Возврат части товара", currency,
                                          credited - credited * VAT // (100 + VAT),
                                          credited * VAT // (100 + VAT), credited, 0,
                                          "issued", created + timedelta(days=3)))
            if rnd.random() < 0.02:
                left = paid
                for k, share in enumerate((total // 3, total // 3, total - 2 * (total // 3))):
                    got = min(left, share)
                    left -= got
                    sink.installments.append((sink.next_id("installments"), i,
                                              due + timedelta(days=30 * k), share, got,
                                              "paid" if got == share else "open"))
            if rnd.random() < 0.01:
                sink.shipments.append((sink.next_id("shipments"), i, "delivery_note", True,
                                       issued + timedelta(days=rnd.randrange(20, 61)),
                                       created + timedelta(days=1)))
            if currency == "RUB":
                key = (owner, issued.replace(day=1))
                sink.invoiced[key] = sink.invoiced.get(key, 0) + total
        yield (i, owner, org, company, None, sid, number, number_text, status, issued, due,
               paid, credited, currency, "per_line", "ru", net, 0, vat, total, False, False,
               created, created, paid_at, cancelled_at)


def deals(plan: Plan, stages: dict[str, int], pipeline_id: int, rnd: random.Random,
          changes: list[Row]) -> Iterator[Row]:
    """Deals created over the 24 months walking the stages in order; about a third won, a
    third lost (a configured reason code, sometimes a typed one), the rest still open. Fills
    `changes` with every move, the creation (from no stage) included."""
    n = plan.deals
    now = at(plan.today, 9 * 3600)
    span = (plan.today - plan.first).days + 1
    for d in range(1, n + 1):
        owner = 1 + rnd.randrange(MANAGERS)
        company = company_of(plan, owner, rnd)
        created = min(now - timedelta(hours=1),
                      at(plan.first + timedelta(days=rnd.randrange(span)),
                         6 * 3600 + rnd.randrange(10 * 3600)))
        currency = "EUR" if rnd.random() < 0.1 else "RUB"
        amount = rnd.randrange(10_000, 2_000_000) * (1 if currency == "EUR" else 100)
        roll = rnd.random()
        outcome = "won" if roll < 0.35 else "lost" if roll < 0.7 else "open"
        reach = len(WALK) if outcome == "won" else rnd.randrange(1, len(WALK))
        moment = created
        previous: int | None = None
        status, reason, closed = "open", None, None
        for code in WALK[:reach]:
            if moment > now:
                break
            changes.append((len(changes) + 1, d, previous, stages[code], owner, moment, None))
            previous = stages[code]
            moment += timedelta(hours=rnd.randrange(4, 24 * 12))
        if outcome != "open" and moment <= now:
            target = stages[outcome]
            if outcome == "lost":
                reason = rnd.choice(LOST_CODES) if rnd.random() < 0.9 \
                    else rnd.choice(TYPED_REASONS)
            changes.append((len(changes) + 1, d, previous, target, owner, moment,
                            reason if outcome == "lost" else None))
            previous, status, closed = target, outcome, moment
        last = closed or changes[-1][5]
        yield (d, owner, pipeline_id, previous, f"Сделка {d}", f"сделка {d}", company, amount,
               currency, status, reason, "{}", created, last, last, closed)


def leads(plan: Plan, rnd: random.Random, interactions: list[Row]) -> Iterator[Row]:
    """Leads over the 24 months; four in five get a first contact 10 minutes to 3 days
    later (an interaction on the lead), appended to `interactions`."""
    now = at(plan.today, 9 * 3600)
    span = (plan.today - plan.first).days + 1
    statuses = ("new", "in_progress", "qualified", "converted", "converted", "junk")
    for n in range(1, plan.leads + 1):
        owner = 1 + rnd.randrange(MANAGERS)
        created = at(plan.first + timedelta(days=rnd.randrange(span)),
                     rnd.randrange(86_400))
        if created > now:
            created = now - timedelta(hours=1)
        if rnd.random() < 0.8:
            first = created + timedelta(minutes=int(10 + rnd.expovariate(1 / 600)) % 4320)
            if first <= now:
                interactions.append((len(interactions) + 1, owner, "call", None, None, n,
                                     "Первый звонок", first))
        yield (n, owner, rnd.choice(statuses), "site", f"Лид {n}", f"лид {n}", created,
               created)


def more_interactions(plan: Plan, rnd: random.Random, rows: list[Row]) -> None:
    """Calls, meetings and messages with clients until there are `plan.interactions`."""
    now = at(plan.today, 9 * 3600)
    span = (plan.today - plan.first).days + 1
    kinds = ("call", "call", "message", "email", "meeting", "note")
    while len(rows) < plan.interactions:
        owner = 1 + rnd.randrange(MANAGERS)
        when = min(now, at(plan.first + timedelta(days=rnd.randrange(span)),
                           rnd.randrange(86_400)))
        rows.append((len(rows) + 1, owner, rnd.choice(kinds), company_of(plan, owner, rnd),
                     None, None, "", when))


def tasks(plan: Plan, rnd: random.Random) -> Iterator[Row]:
    now = at(plan.today, 9 * 3600)
    span = (plan.today - plan.first).days + 1
    for t in range(1, plan.tasks + 1):
        owner = 1 + rnd.randrange(MANAGERS)
        created = min(now, at(plan.first + timedelta(days=rnd.randrange(span)),
                              rnd.randrange(86_400)))
        due = created + timedelta(hours=rnd.randrange(2, 24 * 14))
        roll = rnd.random()
        done = None
        if roll < 0.7:
            done = created + (due - created) * rnd.uniform(0.1, 1.3)
            if done > now:
                done = None
        status = "done" if done else "cancelled" if roll > 0.95 else "planned"
        yield (t, owner, rnd.choice(("task", "task", "call", "meeting")), f"Задача {t}",
               status, None, company_of(plan, owner, rnd), due, False, done, created)


def sales_plans(plan: Plan, sink: Sink, rnd: random.Random) -> list[Row]:
    """A RUB plan per manager per month (basis "paid"), near what they invoiced that month."""
    rows: list[Row] = []
    for k in range(MONTHS):
        month = month_start(plan.first, k)
        for u in range(1, MANAGERS + 1):
            base = sink.invoiced.get((u, month), 0) * rnd.uniform(0.7, 1.2)
            amount = max(100_000_00, int(base) // 100_000_00 * 100_000_00)
            rows.append((len(rows) + 1, u, month, "RUB", "paid", amount, HEAD_ID,
                         at(month, 0)))
    return rows


CHUNK = 50_000


def batches(plan: Plan, stages: dict[str, int], pipeline_id: int,
            seed: int = 14) -> Iterator[tuple[str, list[Row]]]:
    """Every table's rows as (table, chunk) in load order, at most ~`CHUNK` invoices' worth
    in memory at a time."""
    rnd = random.Random(seed)
    sink = Sink()
    yield "users", users(plan)
    yield "organizations", organizations(plan)
    yield from chunked("companies", companies(plan))
    yield from chunked("products", products(plan))
    chunk: list[Row] = []
    for row in invoices(plan, sink, rnd):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield "invoices", chunk
            yield from drain(sink)
            chunk = []
    yield "invoices", chunk
    yield from drain(sink)
    yield "number_series", number_series(plan, sink)
    changes: list[Row] = []
    yield from chunked("deals", deals(plan, stages, pipeline_id, rnd, changes))
    yield from chunked("deal_stage_changes", iter(changes))
    del changes
    contacts: list[Row] = []
    yield from chunked("leads", leads(plan, rnd, contacts))
    more_interactions(plan, rnd, contacts)
    yield from chunked("interactions", iter(contacts))
    del contacts
    yield from chunked("tasks", tasks(plan, rnd))
    yield "sales_plans", sales_plans(plan, sink, rnd)


def chunked(table: str, rows: Iterator[Row]) -> Iterator[tuple[str, list[Row]]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK * 2:
            yield table, chunk
            chunk = []
    if chunk:
        yield table, chunk


def drain(sink: Sink) -> Iterator[tuple[str, list[Row]]]:
    for table, rows in (("document_lines", sink.lines), ("payments", sink.payments),
                        ("payment_allocations", sink.allocations),
                        ("credit_notes", sink.credit_notes),
                        ("installments", sink.installments), ("shipments", sink.shipments)):
        if rows:
            yield table, list(rows)
            rows.clear()
