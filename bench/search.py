"""Search benchmark: 1,000,000 companies + contacts over 100 managers, and 1,000,000 invoices
of theirs (5 organizations x 4 years of gapless series, realistic totals, 30% paid by a bank
payment allocated to them), then 200 searches each by phone, tax id, name prefix, invoice
number (typed the ways the payment matcher reads) and amount (typed the ways people do)
through services/search.py as a manager (scoped).

    .venv/bin/python -m bench.search [--rows 1000000] [--invoices 1000000] [--fresh] [--pg URL]

SQLite always (the generated file is cached in /tmp between runs; --fresh rebuilds it);
PostgreSQL too when --pg or TEST_POSTGRES_URL is given (a fresh database, dropped after),
reported separately. Prints the query plans used and ends with the judged figures:
figure: search_phone_p95_ms, search_taxid_p95_ms, search_name_p95_ms (SQLite), then
search_invoice_number_p95_ms, search_amount_p95_ms and, with PostgreSQL, the same two with a
_pg suffix.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.contacts_norm import normalize_name
from services.search import SearchService, search_keys
from services.users import Role, User
from storage.db import create_engine
from storage.migrate import upgrade
from storage.payment_scopes import BACKFILL
from storage.search import document_statements, search_statement
from storage.uow import Database

MANAGERS = 100
SEARCHES = 200
# v2: invoices and payments too (the v1 file had only companies and contacts); v3: and
# payment_scopes (migration 0010).
CACHE = Path("/tmp/dealchat_bench_search_v3.db")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ORGS = ("INV", "SCH", "FAC", "RB", "MD")  # one series prefix per organization
YEARS = (2023, 2024, 2025, 2026)
PAID_SHARE = 0.3
ROUND_TOTALS = [n * 1000_00 for n in (5, 10, 12, 15, 20, 25, 30, 40, 50, 60, 75, 80, 90, 100,
                                      120, 150, 200, 250, 300, 500)]

RU_A = ["Альфа", "Бета", "Вектор", "Гранит", "Дельта", "Север", "Восток", "Ромашка", "Ёлка",
        "Лютик", "Орион", "Меридиан", "Сфера", "Кедр", "Сапфир", "Феникс", "Импульс", "Прогресс",
        "Радуга", "Яхонт", "Жемчуг", "Эталон", "Юпитер", "Цитадель", "Шанс", "Щит", "Успех"]
RU_B = ["Сервис", "Торг", "Групп", "Лайн", "Строй", "Пром", "Холдинг", "Логистик", "Трейд",
        "Маркет", "Снаб", "Техно", "Агро", "Мед", "Софт", "Авто", "Энерго", "Инвест"]
LA_A = ["Nova", "Agro", "Tehno", "Construct", "Trans", "Euro", "Delta", "Carpați", "Ștefan",
        "Dacia", "Moldova", "Prut", "Nistru", "Codru", "Lumina", "Vatra", "Izvor", "Brâncuși"]
LA_B = ["Grup", "Com", "Serv", "Impex", "Prod", "Trade", "Logistic", "Invest", "Design", "Tur"]
RU_FIRST = ["Александр", "Мария", "Иван", "Елена", "Пётр", "Ольга", "Дмитрий", "Анна",
            "Сергей", "Наталья", "Алексей", "Юлия", "Андрей", "Татьяна", "Михаил", "Ирина"]
RU_LAST = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Соколов", "Лебедев", "Козлов", "Новиков",
           "Морозов", "Петров", "Волков", "Соловьёв", "Васильев", "Зайцев", "Павлов", "Семёнов"]
LA_FIRST = ["Andrei", "Maria", "Ion", "Elena", "Mihai", "Ioana", "Ștefan", "Ana", "Vasile",
            "Cristina", "Gheorghe", "Diana", "Radu", "Oana", "Florin", "Irina"]
LA_LAST = ["Popescu", "Ionescu", "Rusu", "Ceban", "Munteanu", "Țurcanu", "Lungu", "Cojocaru",
           "Moraru", "Ciobanu", "Stan", "Dumitru", "Gheorghiu", "Marin", "Luca", "Botnaru"]


def inn10(body: int) -> str:
    digits = f"{body:09d}"
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return digits + str(check)


def cui(body: int) -> str:
    digits = str(body)
    weights = (7, 5, 3, 2, 1, 7, 5, 3, 2)
    padded = digits.rjust(9, "0")
    check = sum(int(d) * w for d, w in zip(padded, weights, strict=True)) * 10 % 11 % 10
    return digits + str(check)


def phone(i: int, latin: bool) -> str:
    # Unique per row: RU mobiles +7 9xx, Romanian mobiles +40 7xx.
    return f"+4072{i % 10_000_000:07d}" if latin else f"+7916{i % 10_000_000:07d}"


@dataclass
class Generated:
    companies: int
    contacts: int


def company_rows(n: int, first_user_id: int, rnd: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(1, n + 1):
        latin = i % 4 == 0
        if latin:
            name = f"{rnd.choice(LA_A)} {rnd.choice(LA_B)} {rnd.randrange(1, 1000)}"
            tax = cui(1_000_000 + i)
            country = "RO"
        else:
            name = f"{rnd.choice(RU_A)}{rnd.choice(RU_B).lower()} {rnd.randrange(1, 1000)}"
            tax = inn10(100_000_000 + i)
            country = "RU"
        owner = first_user_id + (i % MANAGERS)
        yield (i, owner, name, normalize_name(name), country, tax, phone(i, latin),
               f"office{i}@example.com", NOW.replace(tzinfo=None).isoformat(" "))


def contact_rows(n: int, first_user_id: int, companies: int, rnd: random.Random
                 ) -> Iterator[tuple[Any, ...]]:
    for i in range(1, n + 1):
        latin = i % 4 == 0
        if latin:
            name = f"{rnd.choice(LA_FIRST)} {rnd.choice(LA_LAST)}"
        else:
            name = f"{rnd.choice(RU_LAST)} {rnd.choice(RU_FIRST)}"
        company = (i % companies) + 1
        owner = first_user_id + (company % MANAGERS)
        yield (i, owner, company, name, normalize_name(name), phone(5_000_000 + i, latin),
               f"person{i}@example.org", NOW.replace(tzinfo=None).isoformat(" "))


# --- invoices and payments --------------------------------------------------------------------


def series_id(org: int, year_index: int) -> int:
    return org * len(YEARS) + year_index + 1


def invoice_total(rnd: random.Random) -> int:
    """Minor units: a tenth round sums, the rest a net from 1,000 to ~5,000,000 plus 22% VAT."""
    if rnd.random() < 0.1:
        return rnd.choice(ROUND_TOTALS)
    net = int(10 ** rnd.uniform(3, 6.7)) * 100 + rnd.randrange(100)
    return net + net * 22 // 100


@dataclass
class Row:
    """One generated invoice, and its payment if it was paid."""

    id: int
    owner: int
    org: int
    company: int
    series: int
    number: int
    number_text: str
    year: int
    issued: date
    total: int
    paid: bool
    doc_number: str


def invoice_plan(n: int, n_companies: int, rnd: random.Random) -> Iterator[Row]:
    """Invoices spread over the managers, each for a client of its manager, numbered in order
    within its organization's series of its year (older years first)."""
    counters: dict[int, int] = {}
    per_manager = max(1, n_companies // MANAGERS)
    for i in range(1, n + 1):
        owner = 1 + i % MANAGERS
        k = rnd.randrange(1 if owner == 1 else 0, per_manager)
        company = min(k * MANAGERS + owner - 1, n_companies) or MANAGERS
        year_index = min(len(YEARS) - 1, (i - 1) * len(YEARS) // n)
        org = rnd.randrange(len(ORGS))
        series = series_id(org, year_index)
        number = counters.get(series, 0) + 1
        counters[series] = number
        year = YEARS[year_index]
        issued = date(year, 1, 1) + timedelta(days=rnd.randrange(365 if year < 2026 else 320))
        yield Row(i, owner, org + 1, company, series, number,
                  f"{ORGS[org]}-{year}-{number:05d}", year, issued, invoice_total(rnd),
                  rnd.random() < PAID_SHARE, str(rnd.randrange(1, 10_000)))


def invoice_record(r: Row) -> tuple[Any, ...]:
    """(id, owner_id, organization_id, company_id, series_id, number, number_text, status,
    issue_date, due_date, paid_minor, credited_minor, currency, tax_mode, language,
    subtotal_minor, discount_total_minor, vat_minor, total_minor, reminders_paused,
    reminders_stopped, created_at)"""
    vat = r.total * 22 // 122
    created = datetime.combine(r.issued, datetime.min.time(), UTC)
    return (r.id, r.owner, r.org, r.company, r.series, r.number, r.number_text,
            "paid" if r.paid else "issued", r.issued, r.issued + timedelta(days=5),
            r.total if r.paid else 0, 0, "RUB", "per_line", "ru", r.total - vat, 0, vat,
            r.total, False, False, created)


INVOICE_COLUMNS = ["id", "owner_id", "organization_id", "company_id", "series_id", "number",
                   "number_text", "status", "issue_date", "due_date", "paid_minor",
                   "credited_minor", "currency", "tax_mode", "language", "subtotal_minor",
                   "discount_total_minor", "vat_minor", "total_minor", "reminders_paused",
                   "reminders_stopped", "created_at"]
PAYMENT_COLUMNS = ["id", "source", "external_id", "organization_id", "company_id",
                   "amount_minor", "currency", "received_on", "payer_name", "doc_number",
                   "status", "direction", "created_at"]
ALLOCATION_COLUMNS = ["id", "payment_id", "invoice_id", "amount_minor", "created_at"]


def payment_records(r: Row) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    received = r.issued + timedelta(days=3)
    at = datetime.combine(received, datetime.min.time(), UTC)
    return ((r.id, "bank", f"bench-{r.id}", r.org, r.company, r.total, "RUB", received,
             f"Плательщик {r.company}", r.doc_number, "allocated", "in", at),
            (r.id, r.id, r.id, r.total, at))


def organization_records() -> list[tuple[Any, ...]]:
    return [(i + 1, f"Org {prefix}", "", "RU", True, "", "", "", "RUB", "ru", prefix,
             "{prefix}-{yyyy}-{seq:05}", 5, NOW) for i, prefix in enumerate(ORGS)]


ORG_COLUMNS = ["id", "name", "legal_name", "country", "vat_payer", "address", "director",
               "accountant", "currency", "language", "invoice_prefix", "number_pattern",
               "payment_terms_days", "created_at"]


def series_records(counts: dict[int, int]) -> list[tuple[Any, ...]]:
    return [(series_id(o, y), o + 1, "invoice", year, prefix, counts.get(series_id(o, y), 0))
            for o, prefix in enumerate(ORGS) for y, year in enumerate(YEARS)]


SERIES_COLUMNS = ["id", "organization_id", "kind", "year", "prefix", "last_number"]


def sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def fill_invoices_sqlite(con: sqlite3.Connection, n: int, n_companies: int) -> None:
    def insert(table: str, columns: list[str], rows: Any) -> None:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                        (tuple(sqlite_value(v) for v in row) for row in rows))

    insert("organizations", ORG_COLUMNS, organization_records())
    counts: dict[int, int] = {}
    payments: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []

    def invoices() -> Iterator[tuple[Any, ...]]:
        for r in invoice_plan(n, n_companies, random.Random(4242)):
            counts[r.series] = r.number
            if r.paid:
                pay, alloc = payment_records(r)
                payments.append(pay)
                allocations.append(alloc)
            yield invoice_record(r)

    insert("invoices", INVOICE_COLUMNS, invoices())
    insert("payments", PAYMENT_COLUMNS, payments)
    insert("payment_allocations", ALLOCATION_COLUMNS, allocations)
    insert("number_series", SERIES_COLUMNS, series_records(counts))


async def fill_invoices_pg(con: Any, n: int, n_companies: int) -> None:
    await con.copy_records_to_table("organizations", columns=ORG_COLUMNS,
                                    records=organization_records())
    await con.copy_records_to_table("number_series", columns=SERIES_COLUMNS,
                                    records=series_records({}))
    counts: dict[int, int] = {}
    payments: list[tuple[Any, ...]] = []
    allocations: list[tuple[Any, ...]] = []
    plan = invoice_plan(n, n_companies, random.Random(4242))
    while True:
        chunk = []
        for r in plan:
            counts[r.series] = r.number
            if r.paid:
                pay, alloc = payment_records(r)
                payments.append(pay)
                allocations.append(alloc)
            chunk.append(invoice_record(r))
            if len(chunk) >= 100_000:
                break
        if not chunk:
            break
        await con.copy_records_to_table("invoices", columns=INVOICE_COLUMNS, records=chunk)
    await con.copy_records_to_table("payments", columns=PAYMENT_COLUMNS, records=payments)
    await con.copy_records_to_table("payment_allocations", columns=ALLOCATION_COLUMNS,
                                    records=allocations)
    await con.executemany("UPDATE number_series SET last_number = $2 WHERE id = $1",
                          list(counts.items()))
    for table in ("organizations", "invoices", "payments", "payment_allocations",
                  "number_series"):
        await con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                          f"(SELECT max(id) FROM {table}))")


def build_sqlite(path: Path, rows: int, invoices: int) -> float:
    """Creates the schema with Alembic, then fills it through the sqlite3 module in big
    transactions with the secondary indexes dropped (rebuilt once at the end: far faster
    than keeping them up to date row by row). Returns seconds spent."""
    started = time.perf_counter()
    path.unlink(missing_ok=True)
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-400000")
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
        "AND tbl_name IN ('companies', 'contacts', 'invoices', 'payments', "
        "'payment_allocations')").fetchall()
    for name, _ in indexes:
        con.execute(f'DROP INDEX "{name}"')
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO users (id, telegram_id, role, full_name, is_active, chat_dead, created_at)"
        " VALUES (?, ?, 'manager', ?, 1, 0, ?)",
        [(u, 500_000 + u, f"Manager {u}", NOW.replace(tzinfo=None).isoformat(" "))
         for u in range(1, MANAGERS + 1)])
    rnd = random.Random(42)
    n_companies = rows // 2
    con.executemany(
        "INSERT INTO companies (id, owner_id, name, name_norm, country, tax_id, phone, email,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ((*r, r[-1]) for r in company_rows(n_companies, 1, rnd)))
    con.executemany(
        "INSERT INTO contacts (id, owner_id, company_id, name, name_norm, phone, email,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        contact_rows(rows - n_companies, 1, n_companies, rnd))
    fill_invoices_sqlite(con, invoices, n_companies)
    con.execute(BACKFILL)  # who may see each payment, as migration 0010 fills it
    con.execute("COMMIT")
    for _, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


async def build_postgres(url: str, rows: int, invoices: int) -> float:
    """The same rows through COPY into a fresh, migrated database."""
    started = time.perf_counter()
    await upgrade(url)
    import asyncpg  # the benchmark talks COPY directly; the app never needs it

    raw = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    con = await asyncpg.connect(raw)
    try:
        await con.copy_records_to_table(
            "users", columns=["id", "telegram_id", "role", "full_name", "is_active",
                              "chat_dead", "created_at"],
            records=[(u, 500_000 + u, "manager", f"Manager {u}", True, False, NOW)
                     for u in range(1, MANAGERS + 1)])
        rnd = random.Random(42)
        n_companies = rows // 2
        await con.copy_records_to_table(
            "companies", columns=["id", "owner_id", "name", "name_norm", "country", "tax_id",
                                  "phone", "email", "created_at", "updated_at"],
            records=[(*r[:-1], NOW, NOW) for r in company_rows(n_companies, 1, rnd)])
        await con.copy_records_to_table(
            "contacts", columns=["id", "owner_id", "company_id", "name", "name_norm", "phone",
                                 "email", "created_at"],
            records=[(*r[:-1], NOW) for r in contact_rows(rows - n_companies, 1, n_companies,
                                                          rnd)])
        for table in ("users", "companies", "contacts"):
            await con.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))")
        await fill_invoices_pg(con, invoices, n_companies)
        await con.execute(BACKFILL)  # who may see each payment, as migration 0010 fills it
        # What autovacuum does to a loaded table: statistics and the visibility map (without
        # it an index-only scan still reads every row).
        await con.execute("VACUUM ANALYZE")
    finally:
        await con.close()
    return time.perf_counter() - started


def human_phone(e164: str) -> str:
    if e164.startswith("+7"):
        d = e164[2:]
        return f"8 ({d[:3]}) {d[3:6]}-{d[6:8]}-{d[8:]}"
    d = e164[3:]
    return f"+40 {d[:3]} {d[3:6]} {d[6:]}"


async def samples(db: Database, rnd: random.Random) -> dict[str, list[tuple[int, str]]]:
    """(owner id, typed query) per kind, from real rows."""
    async with db.uow(readonly=True) as uow:
        top = int(await uow.session.scalar(text("SELECT max(id) FROM companies")) or 0)
        ids = [rnd.randrange(1, top + 1) for _ in range(SEARCHES)]
        rows = (await uow.session.execute(
            text("SELECT owner_id, phone, tax_id, name_norm, country FROM companies "
                 f"WHERE id IN ({', '.join(map(str, ids))})"))).all()
        top = int(await uow.session.scalar(text("SELECT max(id) FROM invoices")) or 0)
        ids = [rnd.randrange(1, top + 1) for _ in range(SEARCHES)]
        invs = (await uow.session.execute(
            text("SELECT i.owner_id, i.number, s.prefix, s.year, i.total_minor FROM invoices i"
                 " JOIN number_series s ON s.id = i.series_id "
                 f"WHERE i.id IN ({', '.join(map(str, ids))})"))).all() if top else []
    picked = [rows[i % len(rows)] for i in range(SEARCHES)]  # ids may repeat
    out = {
        "phone": [(r.owner_id, human_phone(r.phone)) for r in picked],
        "taxid": [(r.owner_id, ("RO " if r.country == "RO" else "") + r.tax_id)
                  for r in picked],
        "name": [(r.owner_id, r.name_norm[:rnd.randrange(3, 6)].upper()) for r in picked],
    }
    if invs:
        chosen = [invs[i % len(invs)] for i in range(SEARCHES)]
        out["invoice_number"] = [(r.owner_id, number_typed(i, r.prefix, r.year, r.number))
                                 for i, r in enumerate(chosen)]
        out["amount"] = [(r.owner_id, amount_typed(i, r.total_minor))
                         for i, r in enumerate(chosen)]
    return out


def number_typed(i: int, prefix: str, year: int, number: int) -> str:
    """An invoice number the ways people and banks write it (the matcher's spellings)."""
    return (f"{prefix}-{year}-{number:05d}", f"сч {number}", f"№{number}",
            f"{prefix.lower()}{year}/{number}", f"счёт № {prefix} {year} {number}")[i % 5]


def amount_typed(i: int, minor: int) -> str:
    """"882694,40", "882 694", "882694.4", "882 694 р."."""
    whole, cents = divmod(minor, 100)
    grouped = f"{whole:,}".replace(",", " ")
    return (f"{whole},{cents:02d}", grouped, f"{whole}.{cents:02d}".rstrip("0").rstrip("."),
            f"{grouped} р.")[i % 4]


def manager(user_id: int) -> User:
    return User(id=user_id, telegram_id=500_000 + user_id, role=Role.MANAGER,
                full_name=f"Manager {user_id}", username=None, language="en", timezone=None,
                is_active=True, created_at=NOW)


async def explain(db: Database, query: str, owner_id: int) -> list[str]:
    """The plans of every statement a search of `query` runs (documents and payments too)."""
    async with db.uow(readonly=True) as uow:
        keys = search_keys(query, "RU", await uow.search.series_prefixes())
        stmts = [search_statement(keys, owner_id, 10, db.dialect),
                 *document_statements(keys, owner_id, 10)]
        out: list[str] = []
        conn = await uow.session.connection()
        for stmt in stmts:
            if stmt is None:
                continue
            sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            out.append("--")
            if db.dialect == "sqlite":
                rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                out += [str(r[-1]) for r in rows]
            else:
                rows = await conn.execute(text(f"EXPLAIN {sql}"))
                out += [str(r[0]) for r in rows]
        return out


async def measure(url: str, label: str) -> dict[str, tuple[float, float, float]]:
    db = Database(create_engine(url))
    search = SearchService(db.uow, "RU")
    rnd = random.Random(7)
    results: dict[str, tuple[float, float, float]] = {}
    try:
        picked = await samples(db, rnd)
        for kind, queries in picked.items():
            owner, query = queries[0]
            print(f"\n[{label}] plan for {kind} search {query!r} as manager {owner}:")
            for line in await explain(db, query, owner):
                print("   ", line)
        for kind, queries in picked.items():
            for owner, query in queries[:10]:  # warm-up
                await search.search(manager(owner), query)
            times, found = [], 0
            for owner, query in queries:
                t0 = time.perf_counter()
                result = await search.search(manager(owner), query)
                times.append((time.perf_counter() - t0) * 1000)
                found += bool(result.hits)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            results[kind] = (statistics.median(times), p95, found / len(queries))
    finally:
        await db.dispose()
    return results


def table(label: str, build_s: float, rows: int,
          results: dict[str, tuple[float, float, float]]) -> None:
    print(f"\n{label}: {rows:,} rows generated in {build_s:.1f} s")
    print(f"{'search':<15} {'median ms':>10} {'p95 ms':>8} {'found':>7}")
    for kind, (median, p95, found) in results.items():
        print(f"{kind:<15} {median:>10.2f} {p95:>8.2f} {found:>7.0%}")


async def pg_database(base_url: str) -> tuple[str, str]:
    base = make_url(base_url).set(drivername="postgresql+asyncpg")
    name = f"dealchat_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(base.render_as_string(hide_password=False))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False), name


async def drop_pg(base_url: str, name: str) -> None:
    base = make_url(base_url).set(drivername="postgresql+asyncpg")
    engine = create_engine(base.render_as_string(hide_password=False))
    async with engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite file")
    parser.add_argument("--pg", default=os.environ.get("TEST_POSTGRES_URL"))
    args = parser.parse_args()

    cache = CACHE.with_name(f"{CACHE.stem}_{args.rows}_{args.invoices}.db")
    build_s = 0.0
    if args.fresh or not cache.exists():
        build_s = build_sqlite(cache, args.rows, args.invoices)
    else:
        print(f"SQLite: reusing {cache} (--fresh rebuilds it)")
    sqlite = asyncio.run(measure(f"sqlite+aiosqlite:///{cache}", "SQLite"))
    table("SQLite", build_s, args.rows, sqlite)

    if args.pg:
        async def pg() -> tuple[float, dict[str, tuple[float, float, float]]]:
            url, name = await pg_database(args.pg)
            try:
                seconds = await build_postgres(url, args.rows, args.invoices)
                return seconds, await measure(url, "PostgreSQL")
            finally:
                await drop_pg(args.pg, name)

        pg_build, pg_results = asyncio.run(pg())
        table("PostgreSQL", pg_build, args.rows, pg_results)
    else:
        pg_results = {}
        print("\nPostgreSQL: skipped (give --pg URL or set TEST_POSTGRES_URL)")

    print()
    print(f"figure: search_phone_p95_ms={sqlite['phone'][1]:.2f} ms")
    print(f"figure: search_taxid_p95_ms={sqlite['taxid'][1]:.2f} ms")
    print(f"figure: search_name_p95_ms={sqlite['name'][1]:.2f} ms")
    if "invoice_number" in sqlite:
        print(f"figure: search_invoice_number_p95_ms={sqlite['invoice_number'][1]:.2f} ms")
        print(f"figure: search_amount_p95_ms={sqlite['amount'][1]:.2f} ms")
    if "invoice_number" in pg_results:
        print(f"figure: search_invoice_number_p95_ms_pg="
              f"{pg_results['invoice_number'][1]:.2f} ms")
        print(f"figure: search_amount_p95_ms_pg={pg_results['amount'][1]:.2f} ms")


if __name__ == "__main__":
    main()
