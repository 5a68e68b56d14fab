"""Bank statements in: read the open invoices, then parse AND match in one call of a worker
process when the app gives one (the file's bytes and the invoices in, compact rows out:
`services.matching.wire`), then write the whole statement in ONE transaction that first checks
what the match was computed from still holds. No transaction is open while the worker runs."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from services.errors import Conflict, Forbidden
from services.invoices import OPEN_STATUSES
from services.matching import IncomingPayment, InvoiceRow, Matched, match_rows, unmatched
from services.money import from_minor, open_minor
from services.payment_events import (
    PaymentApplied,
    PaymentDigest,
    PaymentEvent,
    ReviewCandidate,
    ReviewNeeded,
)
from services.payments.base import _Base
from services.payments.model import (
    MATCH_ATTEMPTS,
    TWIN_DAYS,
    YIELD_EVERY,
    BalanceNote,
    ImportReport,
    InvoiceMoney,
    InvoicePaidUpdate,
    InvoiceParty,
    MatchNote,
    NewPaymentRow,
    OrgAccount,
    Payment,
    PaymentStatus,
    _Applied,
    money,
)
from services.payments.rules import (
    _norm_account,
    find_twins,
    invoice_unchanged,
    settled,
    status_after,
)
from services.statements import Statement, parse_statement
from services.users import Actor

if TYPE_CHECKING:
    from services.payments.ports import PaymentUnitOfWork


logger = logging.getLogger(__name__)


class _Stale(Exception):
    """What matching read changed before the write: the write is rolled back, matched again."""


@dataclass(frozen=True, slots=True)
class _Read:
    """The statement as the worker read it (`read_and_match`)."""

    format: str
    transactions: int
    incoming: int  # incoming payments to our accounts (a key twice counts twice)
    balances: tuple[BalanceNote, ...]
    sha256: str
    rows: list[Matched]  # each incoming payment once (by key), matched as if all were new


@dataclass(frozen=True, slots=True)
class _Plan:
    """What is new, read before the write in a read-only unit of work."""

    fresh: dict[str, Matched]  # key → not yet recorded (its payment; the match is redone)
    org_ids: list[int]  # their organizations
    twins: dict[str, Payment]  # key → the transfer typed in by hand that it is
    invoices: dict[int, InvoiceRow]  # the open invoices matched against, as read
    skip: frozenset[str]  # not to match: recorded already, or twins


class StatementImportMixin(_Base):
    """Importing bank statements."""

    # -- statements

    async def import_statement(self, actor: Actor | None, data: bytes,
                               filename: str = "") -> ImportReport:
        """Imports a bank statement (1C, camt.053, MT940) whole, in one transaction.

        `actor` None is the system (the CLI without --as). Only incoming payments to our
        organizations' own accounts count; a file for an account we do not have is refused
        (Conflict "statement_foreign_account" naming it) and a file that does not parse raises
        StatementError with the line; in both cases nothing is written.

        The open invoices are read first; parsing and matching then happen in one worker call
        (`read_and_match`), before the write transaction and outside it (no writer waits for
        the worker pool). Matching takes every payment of the file as new; when some are
        recorded already (an overlapping statement) or are transfers typed in by hand, the
        rest is matched again without them (a file imported again whole is not).

        The write transaction then checks that what the match was computed from still holds:
        the same payments are new (the same file imported at the same time: the bank's keys
        collide), the same transfers typed in by hand are its twins, and every invoice a
        result pays or names is still open with the money it had. If anything changed, it is
        rolled back and the statement matched again on fresh reads, as if it had come a moment
        later; after `MATCH_ATTEMPTS` it is written anyway, safely: an allocation never
        exceeds what an invoice still has open (the rest stays the payer's credit), a payment
        imported meanwhile is not recorded twice and a transfer typed in meanwhile is its
        twin. An invoice issued meanwhile is not looked for: the payment waits for a person,
        as it would have had the file come a minute earlier."""
        if actor is not None and not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            ours = {_norm_account(a.account): a
                    for a in await uow.payments.organization_accounts()}
        org_ids = sorted({a.organization_id for a in ours.values()})
        invoices = await self._open_invoices(org_ids)
        read = _Read(*await self._run_cpu(read_and_match, data, filename, ours, invoices, []))
        logger.info("statement %s parsed and matched: %s, %d transactions", filename or "-",
                    read.format, read.transactions)
        payments = {row.key: row for row in read.rows}
        for attempt in range(1, MATCH_ATTEMPTS + 1):
            if attempt > 1:
                invoices = await self._open_invoices(org_ids)
            plan = await self._plan(payments, invoices)
            rows = read.rows
            if attempt > 1 or (plan.skip and len(plan.skip) < len(payments)):
                rows = (await self._run_cpu(read_and_match, data, filename, ours, invoices,
                                            sorted(plan.skip)))[-1]
            elif plan.skip:  # the whole file is recorded already
                rows = []
            try:
                return await self._write_statement(actor, plan, rows, read, filename,
                                                   strict=attempt < MATCH_ATTEMPTS)
            except _Stale as stale:
                logger.info("statement %s: %s changed while matching, matching again",
                            filename or "-", stale)
        raise AssertionError("unreachable: the last attempt writes")  # pragma: no cover

    async def _open_invoices(self, org_ids: Sequence[int]) -> list[InvoiceRow]:
        async with self._uow(readonly=True) as uow:
            return await uow.payments.open_invoice_rows(org_ids)

    async def _plan(self, payments: Mapping[str, Matched],
                    invoices: Sequence[InvoiceRow]) -> _Plan:
        """The payments not recorded yet and their twins typed in by hand."""
        async with self._uow(readonly=True) as uow:
            known = await uow.payments.existing_keys("bank", list(payments))
            fresh: dict[str, Matched] = {}
            for i, (key, row) in enumerate(payments.items()):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if key not in known:
                    fresh[key] = row
            org_ids = sorted({row.organization_id for row in fresh.values()})
            twins = await self._twins(uow, fresh, org_ids)
        return _Plan(fresh, org_ids, twins, {inv.id: inv for inv in invoices},
                     frozenset(known) | frozenset(twins))

    @staticmethod
    async def _twins(uow: PaymentUnitOfWork, fresh: Mapping[str, Matched],
                     org_ids: Sequence[int]) -> dict[str, Payment]:
        if not fresh:
            return {}
        repo = uow.payments
        days = [p.received_on for p in fresh.values()]
        typed = await repo.bank_payments(
            org_ids, min(days) - timedelta(days=TWIN_DAYS),
            max(days) + timedelta(days=TWIN_DAYS), manual=True)
        if not typed:
            return {}
        return find_twins(list(fresh.values()), typed, await repo.company_tax_ids(
            sorted({p.company_id for p in typed if p.company_id})))

    async def _write_statement(self, actor: Actor | None, plan: _Plan, rows: list[Matched],
                               read: _Read, filename: str, strict: bool) -> ImportReport:
        """The ONE write transaction of an import. `strict`: raise _Stale (rolling back) when
        what the plan was read from changed; else write what still holds."""
        now = self._clock.now()
        actor_id = actor.id if actor else None
        fresh, twins = plan.fresh, plan.twins
        async with self._uow() as uow:
            repo = uow.payments
            now_twins = await self._twins(uow, fresh, plan.org_ids)
            if {k: t.id for k, t in now_twins.items()} != {k: t.id for k, t in twins.items()}:
                if strict:
                    raise _Stale("the transfers typed in by hand")
                rows = [r for r in rows if r.key not in now_twins] + [
                    unmatched(fresh[k]) for k in twins if k not in now_twins]
                twins = now_twins
            # The invoices the rows pay or name, locked (PostgreSQL) until the commit.
            named = sorted({i for r in rows if r.decision == "auto" for i, _ in r.allocations}
                           | {c for r in rows for c in r.candidates})
            locked = {inv.id: inv for inv in await repo.lock_invoices(named)}
            for i, invoice_id in enumerate(named if strict else ()):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if not invoice_unchanged(plan.invoices[invoice_id], locked.get(invoice_id)):
                    raise _Stale("an invoice")
            org_ids = plan.org_ids
            statement_id = await repo.add_statement(
                organization_id=org_ids[0] if len(org_ids) == 1 else None,
                format=read.format, filename=filename[:255], sha256=read.sha256,
                imported_by=actor_id, transactions=read.transactions, now=now)
            new_rows = []
            for i, row in enumerate(rows):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # 10,000 rows: let the loop breathe
                status = (PaymentStatus.ALLOCATED if row.decision == "auto"
                          else PaymentStatus(row.decision))
                if row.decision == "auto" and row.overpayment_minor:
                    status = PaymentStatus.CREDIT
                new_rows.append(statement_row(row, row.company_id, statement_id, status,
                                              actor_id))
            new_rows += [statement_row(fresh[key], twin.company_id, statement_id,
                                       PaymentStatus.TWIN, actor_id)
                         for key, twin in twins.items()]
            ids = await repo.insert_payments(new_rows)
            if strict and len(ids) < len(new_rows):  # the same payments, imported meanwhile
                raise _Stale("the payments recorded")
            await repo.confirm_manual([(twin.id, statement_id)
                                       for key, twin in twins.items() if key in ids])
            for key, twin in twins.items():
                if key in ids:
                    await uow.audit.add(actor_id, "payment.twin", "payment", ids[key],
                                        {"typed_in_as": twin.id})
            logger.info("statement %s: %d new payments written, allocating", filename or "-",
                        len(ids))
            applied = await self._apply_auto(uow, rows, ids, locked, actor_id, now)
            await repo.remember_accounts(sorted(
                {(r.company_id, r.remember) for r in rows
                 if r.remember and r.company_id is not None and r.key in ids}))
            waiting = [r for r in rows if r.key in ids and r.decision != "auto"]
            await repo.add_match_notes(
                [(ids[r.key], MatchNote(r.decision, r.reason, r.candidates)) for r in waiting],
                actor_id, now)
            await repo.finish_statement(statement_id, len(ids))
            await uow.audit.add(actor_id, "statement.import", "bank_statement", statement_id,
                                {"format": read.format, "new": len(ids)})
            digest = len(applied) > self._digest_above
            events: list[PaymentEvent] = list(await self._applied_events(
                uow, applied, manager_pushes=not digest))
            if digest:
                digests = statement_digests(statement_id, filename, events, self._team_chat)
                await self._queue(uow, digests)
                events += digests
            reviews = [r for r in waiting if r.decision == "review"]
            shown = reviews[: self._review_limit]
            events += await self._review_events(uow, shown, ids, plan.invoices, actor)
            await uow.commit()
        counted = [r for r in rows if r.key in ids]
        return ImportReport(
            format=read.format, incoming=read.incoming, new=len(ids),
            already=read.incoming - len(ids),
            auto=sum(r.decision == "auto" for r in counted),
            review=sum(r.decision == "review" for r in counted),
            unmatched=sum(r.decision == "unmatched" for r in counted),
            balances=read.balances,
            statement_id=statement_id, events=tuple(events),
            review_held=len(reviews) - len(shown), twins=len(twins))

    @classmethod
    def _read(cls, data: bytes, filename: str, ours: Mapping[str, OrgAccount]
              ) -> tuple[Statement, list[tuple[IncomingPayment, OrgAccount]],
                         tuple[BalanceNote, ...], str]:
        statement = parse_statement(data, filename or None)
        incoming = cls._incoming(statement, ours)
        balances = tuple(BalanceNote(b.account, b.kind, b.expected, b.actual,
                                     b.balance_currency, b.currency)
                         for b in statement.check_balances())
        return statement, incoming, balances, hashlib.sha256(data).hexdigest()

    @staticmethod
    def _incoming(statement: Statement, ours: Mapping[str, OrgAccount]
                  ) -> list[tuple[IncomingPayment, OrgAccount]]:
        """Incoming payments to our own accounts; a statement of any other account is
        refused whole."""
        listed = [_norm_account(a.account) for a in statement.accounts]
        single = listed[0] if len(set(listed)) == 1 else ""
        for account in listed:
            if account and account not in ours:
                raise Conflict("statement_foreign_account", account=account)
        found: list[tuple[IncomingPayment, OrgAccount]] = []
        for tx in (t for t in statement.transactions if not t.reversal):
            own = _norm_account(tx.account) or single
            if own not in ours:
                if tx.direction == "in":
                    raise Conflict("statement_foreign_account", account=own or "?")
                continue
            payment = IncomingPayment.from_transaction(tx, own)
            if payment is not None:
                found.append((payment, ours[own]))
        return found

    async def _apply_auto(self, uow: PaymentUnitOfWork, matched: Sequence[Matched],
                          ids: Mapping[str, int], named: Mapping[int, InvoiceMoney],
                          actor_id: int | None, now: datetime) -> list[_Applied]:
        """Writes the automatic allocations of an import in bulk: allocations, then each
        touched invoice's paid amount and status from its locked row (`named`: the rows
        locked by the caller, a superset of the invoices paid here)."""
        repo = uow.payments
        today = self.today()
        wanted: list[tuple[int, int, int]] = []  # payment id, invoice id, amount
        for row in matched:
            if row.decision == "auto" and row.key in ids:
                wanted += [(ids[row.key], invoice_id, amount)
                           for invoice_id, amount in row.allocations]
        if not wanted:
            return []
        locked = {i: named[i] for i in sorted({invoice_id for _, invoice_id, _ in wanted})
                  if i in named}
        paid = {i: inv.paid_minor for i, inv in locked.items()}
        rows: list[tuple[int, int, int]] = []
        applied: list[_Applied] = []
        short: dict[int, int] = {}
        for i, (payment_id, invoice_id, amount) in enumerate(wanted):
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            inv = locked.get(invoice_id)
            room = open_minor(inv.total_minor, paid[invoice_id], inv.credited_minor) \
                if inv and inv.status in OPEN_STATUSES else 0
            take = min(amount, max(room, 0))
            if take < amount:  # someone paid it meanwhile: the rest stays a credit
                short[payment_id] = short.get(payment_id, 0) + amount - take
            if take <= 0:
                continue
            paid[invoice_id] += take
            rows.append((payment_id, invoice_id, take))
            assert inv is not None
            applied.append(_Applied(payment_id, invoice_id, take,
                                    open_minor(inv.total_minor, paid[invoice_id],
                                               inv.credited_minor), inv.currency))
        await repo.add_allocations(rows, actor_id, now)
        updates = []
        for i, (invoice_id, inv) in enumerate(locked.items()):
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            if paid[invoice_id] == inv.paid_minor:
                continue
            status = status_after(inv, paid[invoice_id], today)
            updates.append(InvoicePaidUpdate(invoice_id, paid[invoice_id], status,
                                             now if status == "paid" else None))
        await repo.set_invoices_paid(updates)
        for payment_id in short:
            await repo.set_status(payment_id, PaymentStatus.CREDIT)
        moves = await self._settlement.after_money(
            uow, [settled(locked[u.invoice_id], u) for u in updates], actor_id, now)
        for item in applied:
            move = moves.get(item.invoice_id)
            if move is not None:
                item.deal_stage, item.deal_won = move.stage, move.won
                item.deal_stage_names = move.names
        return applied

    async def _review_events(self, uow: PaymentUnitOfWork, rows: Sequence[Matched],
                             ids: Mapping[str, int], invoices: Mapping[int, InvoiceRow],
                             importer: Actor | None) -> list[ReviewNeeded]:
        wanted = sorted({c for r in rows for c in r.candidates})
        parties = await uow.payments.invoice_parties(wanted)
        events: list[ReviewNeeded] = []
        for row in rows:
            per_owner: dict[int, tuple[InvoiceParty, list[ReviewCandidate]]] = {}
            for c in row.candidates:
                party, inv = parties.get(c), invoices.get(c)
                if party is None or inv is None:
                    continue
                slot = per_owner.setdefault(party.manager_chat, (party, []))
                slot[1].append(ReviewCandidate(inv.id, party.number_text, party.company_name,
                                               from_minor(inv.open_minor, inv.currency)))
            targets = [(p.manager_chat, p.manager_language, tuple(cs))
                       for p, cs in per_owner.values()]
            if not targets and importer is not None:
                targets = [(importer.telegram_id, importer.language, ())]
            for chat, language, candidates in targets:
                events.append(ReviewNeeded(
                    payment_id=ids[row.key],
                    amount=money(row.amount_minor, row.currency),
                    currency=row.currency, received_on=row.received_on,
                    payer_name=row.payer_name, purpose=row.purpose,
                    reason=row.reason, recipient_chat=chat, recipient_language=language,
                    candidates=candidates))
        await self._queue(uow, events)
        return events


def statement_row(payment: Matched, company_id: int | None, statement_id: int,
                  status: PaymentStatus, actor_id: int | None) -> NewPaymentRow:
    return NewPaymentRow(
        source="bank", external_id=payment.key, organization_id=payment.organization_id,
        company_id=company_id, statement_id=statement_id, amount_minor=payment.amount_minor,
        currency=payment.currency, received_on=payment.received_on,
        payer_name=payment.payer_name[:300], payer_tax_id=payment.payer_tax_id[:20],
        payer_account=payment.payer_account[:34], purpose=payment.purpose,
        doc_number=payment.doc_number[:64], status=status, created_by=actor_id)


def statement_digests(statement_id: int, filename: str, events: Iterable[PaymentEvent],
                      team_chat: int | None) -> list[PaymentDigest]:
    """One digest per manager of the money a statement applied to their invoices, and one of
    all of it for the team chat (unless that is a manager's own chat)."""
    per_chat: dict[int, list[PaymentApplied]] = defaultdict(list)
    for e in events:
        if isinstance(e, PaymentApplied):
            per_chat[e.manager_chat].append(e)
    out = [_digest(statement_id, filename, chat, items[0].manager_language, items)
           for chat, items in per_chat.items()]
    if team_chat is not None and team_chat not in per_chat and per_chat:
        out.append(_digest(statement_id, filename, team_chat, None,
                           [e for items in per_chat.values() for e in items], team=True))
    return out


def _digest(statement_id: int, filename: str, chat: int, language: str | None,
            items: Sequence[PaymentApplied], team: bool = False) -> PaymentDigest:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    left: dict[int, Decimal] = {}
    for e in items:
        totals[e.currency] += e.amount
        left[e.invoice_id] = min(left.get(e.invoice_id, e.remaining), e.remaining)
    return PaymentDigest(
        statement_id=statement_id, filename=filename, recipient_chat=chat,
        recipient_language=language, payments=len({e.payment_id for e in items}),
        totals=tuple(sorted(totals.items())), paid=sum(v <= 0 for v in left.values()),
        partial=sum(v > 0 for v in left.values()),
        deals_won=len({e.invoice_id for e in items if e.deal_won}),
        deals_moved=len({e.invoice_id for e in items if e.deal_stage and not e.deal_won}),
        team=team)


def read_and_match(data: bytes, filename: str, ours: Mapping[str, OrgAccount],
                   invoices: Sequence[InvoiceRow], skip: Sequence[str]
                   ) -> tuple[str, int, int, tuple[BalanceNote, ...], str, list[Matched]]:
    """The worker's part of an import, in ONE call: parse, our incoming payments, balance
    checks, digest, and the match of each payment (the first of a key; not those in `skip`)
    against the open invoices of its organization. Module-level, so a worker process can run
    it; returns a tuple whose last item is a list of compact rows (`bot.cpu_pool` sends a
    long list back in chunks)."""
    statement, incoming, balances, digest = StatementImportMixin._read(data, filename, ours)
    skipped = frozenset(skip)
    fresh: dict[str, tuple[IncomingPayment, int]] = {}
    for payment, account in incoming:
        if payment.key not in skipped:
            fresh.setdefault(payment.key, (payment, account.organization_id))
    orgs = {org for _, org in fresh.values()}
    rows = match_rows(fresh.values(), [inv for inv in invoices if inv.organization_id in orgs])
    return (statement.format, len(statement.transactions), len(incoming), balances, digest,
            rows)


def read_statement(data: bytes, filename: str, ours: Mapping[str, OrgAccount]
                   ) -> tuple[str, int, list[tuple[IncomingPayment, OrgAccount]],
                              tuple[BalanceNote, ...], str]:
    """Parse + our incoming payments + balance checks + digest, without matching."""
    statement, incoming, balances, digest = StatementImportMixin._read(data, filename, ours)
    return statement.format, len(statement.transactions), incoming, balances, digest
