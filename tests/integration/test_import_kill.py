"""A statement import killed with SIGKILL in the middle leaves nothing behind; the re-run
records each payment exactly once and the money adds up (SQLite and PostgreSQL). Its pushes
are in the same transaction: none after the kill, and after the re-runs ONE digest for the
manager (a statement this large is told in a digest, not a push per payment).

`dealchat import-statement` runs in a subprocess on a generated 2,000-document statement
against 2,000 open invoices; it is killed when it logs that the payments are written but not
yet committed: a kill at a fixed delay (0.3 s) could land before the transaction even began
and prove nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from bench.statement import make_statement, seed_open_invoices
from services.notices import PAYMENT_APPLIED, PAYMENT_DIGEST, PAYMENT_REVIEW
from services.payments import DIGEST_ABOVE, REVIEW_PUSH_LIMIT
from storage import models as m
from storage.db import create_engine
from storage.uow import Database

ROOT = Path(__file__).resolve().parents[2]
DOCS = 2000
assert DOCS * 0.8 > DIGEST_ABOVE  # the automatic matches are told in a digest
MARKER = "new payments written"


def run_cli(url: str, file: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": url, "BOT_TOKEN": "", "ADMIN_IDS": ""}
    env.pop("BOT_TOKEN")
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--log-level", "INFO", "import-statement",
         str(file), "--as", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_midway(proc: subprocess.Popen[str]) -> list[str]:
    """Reads the log until the marker, then SIGKILL."""
    assert proc.stdout is not None
    seen: list[str] = []
    os.set_blocking(proc.stdout.fileno(), False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        line = proc.stdout.readline()
        if line:
            seen.append(line)
            if MARKER in line:
                break
        else:
            time.sleep(0.002)
    assert proc.poll() is None, f"the import finished before it could be killed: {seen}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return seen


async def pushes(url: str) -> Counter[str]:
    db = Database(create_engine(url))
    try:
        async with db.uow(readonly=True) as uow:
            return Counter((await uow.session.scalars(select(m.OutboxMessage.kind))).all())
    finally:
        await db.dispose()


async def money_state(url: str) -> tuple[int, int, int, int, list[tuple[int, int, int]]]:
    db = Database(create_engine(url))
    try:
        async with db.uow(readonly=True) as uow:
            s = uow.session
            payments = int(await s.scalar(select(func.count()).select_from(m.Payment)) or 0)
            keys = int(await s.scalar(select(func.count(func.distinct(
                m.Payment.external_id)))) or 0)
            statements = int(await s.scalar(select(func.count()).select_from(
                m.BankStatement)) or 0)
            allocations = int(await s.scalar(select(func.count()).select_from(
                m.PaymentAllocation)) or 0)
            per_invoice = select(m.PaymentAllocation.invoice_id.label("invoice_id"),
                                 func.sum(m.PaymentAllocation.amount_minor).label("total")
                                 ).group_by(m.PaymentAllocation.invoice_id).subquery()
            rows = (await s.execute(
                select(m.Invoice.id, m.Invoice.total_minor, m.Invoice.paid_minor,
                       func.coalesce(per_invoice.c.total, 0))
                .outerjoin(per_invoice, per_invoice.c.invoice_id == m.Invoice.id))).all()
            # Per payment: never more allocated than received.
            over = int(await s.scalar(select(func.count()).select_from(
                select(m.Payment.id).join(m.PaymentAllocation,
                                          m.PaymentAllocation.payment_id == m.Payment.id)
                .group_by(m.Payment.id, m.Payment.amount_minor)
                .having(func.sum(m.PaymentAllocation.amount_minor) > m.Payment.amount_minor)
                .subquery())) or 0)
    finally:
        await db.dispose()
    assert over == 0
    assert payments == keys
    return payments, statements, allocations, over, [
        (int(t), int(p), int(a)) for _, t, p, a in rows]


async def test_sigkill_midway_then_rerun_records_each_payment_once(
        database_url: str, tmp_path: Path) -> None:
    db = Database(create_engine(database_url))
    try:
        seeded = await seed_open_invoices(db, DOCS)
    finally:
        await db.dispose()
    file = tmp_path / "kl_to_1c.txt"
    file.write_bytes(make_statement(seeded, DOCS))

    proc = await asyncio.to_thread(run_cli, database_url, file)
    log = await asyncio.to_thread(kill_midway, proc)
    # Killed after the payments were written inside the transaction, before its commit.
    assert any(MARKER in line for line in log), log
    payments, statements, allocations, _, invoices = await money_state(database_url)
    assert (payments, statements, allocations) == (0, 0, 0)  # nothing partial
    assert all(paid == 0 for _, paid, _ in invoices)
    assert await pushes(database_url) == Counter()

    for expected_new in (DOCS, 0):
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-m", "bot.cli", "import-statement", str(file),
                             "--as", "1"],
            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url}, capture_output=True,
            text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert f"Statement: {DOCS} incoming, {expected_new} new" in done.stdout
    payments, statements, allocations, _, invoices = await money_state(database_url)
    assert (payments, statements) == (DOCS, 2)
    assert allocations > DOCS * 0.8
    for total, paid, allocated in invoices:
        assert paid == allocated <= total
    queued = await pushes(database_url)
    assert (queued[PAYMENT_DIGEST], queued[PAYMENT_APPLIED]) == (1, 0)
    assert queued[PAYMENT_REVIEW] == REVIEW_PUSH_LIMIT
