"""Search benchmark: 1,000,000 companies + contacts over 100 managers, then 200 searches each
by phone, tax id and name prefix through services/search.py as a manager (scoped).

    .venv/bin/python -m bench.search [--rows 1000000] [--fresh] [--pg URL]

SQLite always (the generated file is cached in /tmp between runs; --fresh rebuilds it);
PostgreSQL too when --pg or TEST_POSTGRES_URL is given, reported separately. Prints the query
plans used and ends with the judged figures (SQLite):
figure: search_phone_p95_ms, search_taxid_p95_ms, search_name_p95_ms.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from services.contacts_norm import normalize_name
from services.search import SearchService, search_keys
from services.users import Role, User
from storage.db import create_engine
from storage.migrate import upgrade
from storage.search import search_statement
from storage.uow import Database

MANAGERS = 100
SEARCHES = 200
CACHE = Path("/tmp/dealchat_bench_search.db")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

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


def build_sqlite(path: Path, rows: int) -> float:
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
        "AND tbl_name IN ('companies', 'contacts')").fetchall()
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
    con.execute("COMMIT")
    for _, sql in indexes:
        con.execute(sql)
    con.execute("ANALYZE")
    con.close()
    return time.perf_counter() - started


async def build_postgres(url: str, rows: int) -> float:
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
        await con.execute("ANALYZE")
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
    picked = [rows[i % len(rows)] for i in range(SEARCHES)]  # ids may repeat
    return {
        "phone": [(r.owner_id, human_phone(r.phone)) for r in picked],
        "taxid": [(r.owner_id, ("RO " if r.country == "RO" else "") + r.tax_id)
                  for r in picked],
        "name": [(r.owner_id, r.name_norm[:rnd.randrange(3, 6)].upper()) for r in picked],
    }


def manager(user_id: int) -> User:
    return User(id=user_id, telegram_id=500_000 + user_id, role=Role.MANAGER,
                full_name=f"Manager {user_id}", username=None, language="en", timezone=None,
                is_active=True, created_at=NOW)


async def explain(db: Database, query: str, owner_id: int) -> list[str]:
    stmt = search_statement(search_keys(query, "RU"), owner_id, 10, db.dialect)
    assert stmt is not None
    async with db.uow(readonly=True) as uow:
        conn = await uow.session.connection()
        sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
        if db.dialect == "sqlite":
            rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            return [str(r[-1]) for r in rows]
        rows = await conn.execute(text(f"EXPLAIN {sql}"))
        return [str(r[0]) for r in rows]


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
    print(f"{'search':<8} {'median ms':>10} {'p95 ms':>8} {'found':>7}")
    for kind, (median, p95, found) in results.items():
        print(f"{kind:<8} {median:>10.2f} {p95:>8.2f} {found:>7.0%}")


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
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached SQLite file")
    parser.add_argument("--pg", default=os.environ.get("TEST_POSTGRES_URL"))
    args = parser.parse_args()

    cache = CACHE.with_name(f"{CACHE.stem}_{args.rows}.db")
    build_s = 0.0
    if args.fresh or not cache.exists():
        build_s = build_sqlite(cache, args.rows)
    else:
        print(f"SQLite: reusing {cache} (--fresh rebuilds it)")
    sqlite = asyncio.run(measure(f"sqlite+aiosqlite:///{cache}", "SQLite"))
    table("SQLite", build_s, args.rows, sqlite)

    if args.pg:
        async def pg() -> tuple[float, dict[str, tuple[float, float, float]]]:
            url, name = await pg_database(args.pg)
            try:
                seconds = await build_postgres(url, args.rows)
                return seconds, await measure(url, "PostgreSQL")
            finally:
                await drop_pg(args.pg, name)

        pg_build, pg_results = asyncio.run(pg())
        table("PostgreSQL", pg_build, args.rows, pg_results)
    else:
        print("\nPostgreSQL: skipped (give --pg URL or set TEST_POSTGRES_URL)")

    print()
    print(f"figure: search_phone_p95_ms={sqlite['phone'][1]:.2f} ms")
    print(f"figure: search_taxid_p95_ms={sqlite['taxid'][1]:.2f} ms")
    print(f"figure: search_name_p95_ms={sqlite['name'][1]:.2f} ms")


if __name__ == "__main__":
    main()
