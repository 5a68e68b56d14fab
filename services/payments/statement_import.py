"""Bank statements in: read, parse and match outside any transaction (in a worker process
when the app gives one), then write the whole statement in ONE transaction that first checks
what the match was computed from still holds."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from services.errors import Conflict, Forbidden
from services.invoices import OPEN_STATUSES
from services.matching import (
    IncomingPayment,
    MatchResult,
    OpenInvoice,
    confirmed_account_to_remember,
    match_payments,
)
from services.money import from_minor, open_minor
from services.payment_events import PaymentEvent, ReviewCandidate, ReviewNeeded
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
class _Plan:
    """What matching needs, read before it in a read-only unit of work."""

    fresh: dict[str, tuple[IncomingPayment, OrgAccount]]  # key → not yet recorded
    org_ids: list[int]  # their organizations
    twins: dict[str, Payment]  # key → the transfer typed in by hand that it is
    invoices: list[OpenInvoice]  # the open invoices of those organizations, as read
    batch: list[IncomingPayment]  # what is matched: fresh, not twins


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

        Reading, parsing and matching happen before the write transaction and outside it (no
        writer waits for the worker pool). The write transaction then checks that what the
        match was computed from still holds: the same payments are new (the same file imported
        at the same time: the bank's keys collide), the same transfers typed in by hand are
        its twins, and every invoice a result pays or names is still open with the money it
        had. If anything changed, it is rolled back and the statement matched again on fresh
        reads, as if it had come a moment later; after `MATCH_ATTEMPTS` it is written anyway,
        safely: an allocation never exceeds what an invoice still has open (the rest stays the
        payer's credit), a payment imported meanwhile is not recorded twice and a transfer
        typed in meanwhile is its twin. An invoice issued meanwhile is not looked for: the
        payment waits for a person, as it would have had the file come a minute earlier."""
        if actor is not None and not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            ours = {_norm_account(a.account): a
                    for a in await uow.payments.organization_accounts()}
        # Parsing, keys and balances are CPU work: off the event loop, in a worker process
        # when the app gives one (only the slim result travels back). Meanwhile the open
        # invoices of each of our organizations are read.
        parsing = asyncio.ensure_future(self._run_cpu(read_statement, data, filename, ours))
        try:
            open_by_org = await self._open_invoices(sorted({a.organization_id
                                                            for a in ours.values()}))
        except BaseException:
            parsing.cancel()
            raise
        fmt, count, incoming, balances, digest = await parsing
        logger.info("statement %s parsed: %s, %d transactions", filename or "-", fmt, count)
        for attempt in range(1, MATCH_ATTEMPTS + 1):
            if attempt > 1:
                open_by_org = await self._open_invoices(sorted(open_by_org))
            plan = await self._plan(incoming, open_by_org)
            results = await self._run_cpu(match_payments, plan.batch, plan.invoices)
            try:
                return await self._write_statement(
                    actor, plan, results, fmt, count, len(incoming), balances, digest,
                    filename, strict=attempt < MATCH_ATTEMPTS)
            except _Stale as stale:
                logger.info("statement %s: %s changed while matching, matching again",
                            filename or "-", stale)
        raise AssertionError("unreachable: the last attempt writes")  # pragma: no cover

    async def _open_invoices(self, org_ids: Sequence[int]) -> dict[int, list[OpenInvoice]]:
        async with self._uow(readonly=True) as uow:
            return {org: await uow.payments.open_invoices([org]) for org in org_ids}

    async def _plan(self, incoming: Sequence[tuple[IncomingPayment, OrgAccount]],
                    open_by_org: Mapping[int, list[OpenInvoice]]) -> _Plan:
        """The payments not recorded yet, their twins typed in by hand, and what to match."""
        async with self._uow(readonly=True) as uow:
            keys = list(dict.fromkeys(p.key for p, _ in incoming))
            known = await uow.payments.existing_keys("bank", keys)
            fresh: dict[str, tuple[IncomingPayment, OrgAccount]] = {}
            for i, (payment, account) in enumerate(incoming):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if payment.key not in known:
                    fresh.setdefault(payment.key, (payment, account))
            org_ids = sorted({acc.organization_id for _, acc in fresh.values()})
            twins = await self._twins(uow, fresh, org_ids)
        invoices = [inv for org in org_ids for inv in open_by_org.get(org, [])]
        return _Plan(fresh, org_ids, twins, invoices,
                     [p for p, _ in fresh.values() if p.key not in twins])

    @staticmethod
    async def _twins(uow: PaymentUnitOfWork,
                     fresh: Mapping[str, tuple[IncomingPayment, OrgAccount]],
                     org_ids: Sequence[int]) -> dict[str, Payment]:
        if not fresh:
            return {}
        repo = uow.payments
        days = [p.received_on for p, _ in fresh.values()]
        typed = await repo.bank_payments(
            org_ids, min(days) - timedelta(days=TWIN_DAYS),
            max(days) + timedelta(days=TWIN_DAYS), manual=True)
        return find_twins([p for p, _ in fresh.values()], typed, await repo.company_tax_ids(
            sorted({p.company_id for p in typed if p.company_id})))

    async def _write_statement(
            self, actor: Actor | None, plan: _Plan, results: list[MatchResult], fmt: str,
            count: int, incoming: int, balances: tuple[BalanceNote, ...], digest: str,
            filename: str, strict: bool) -> ImportReport:
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
                results = [r for r in results if r.payment_key not in now_twins] + [
                    MatchResult(k, "unmatched", [], [], "no_match")
                    for k in twins if k not in now_twins]
                twins = now_twins
            # The invoices the results pay or name, locked (PostgreSQL) until the commit.
            by_id = {inv.id: inv for inv in plan.invoices}
            named = sorted({a.invoice_id for r in results if r.decision == "auto"
                            for a in r.allocations}
                           | {c.invoice_id for r in results for c in r.candidates})
            locked = {inv.id: inv for inv in await repo.lock_invoices(named)}
            for i, invoice_id in enumerate(named if strict else ()):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if not invoice_unchanged(by_id[invoice_id], locked.get(invoice_id)):
                    raise _Stale("an invoice")
            org_ids = plan.org_ids
            statement_id = await repo.add_statement(
                organization_id=org_ids[0] if len(org_ids) == 1 else None,
                format=fmt, filename=filename[:255], sha256=digest,
                imported_by=actor_id, transactions=count, now=now)
            rows = []
            for i, result in enumerate(results):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)  # 10,000 rows: let the loop breathe
                payment, account = fresh[result.payment_key]
                status = (PaymentStatus.ALLOCATED if result.decision == "auto"
                          else PaymentStatus(result.decision))
                if result.decision == "auto" and result.overpayment_minor:
                    status = PaymentStatus.CREDIT
                rows.append(statement_row(payment, account, result.company_id, statement_id,
                                          status, actor_id))
            rows += [statement_row(fresh[key][0], fresh[key][1], twin.company_id, statement_id,
                                   PaymentStatus.TWIN, actor_id)
                     for key, twin in twins.items()]
            ids = await repo.insert_payments(rows)
            if strict and len(ids) < len(rows):  # the same payments, imported meanwhile
                raise _Stale("the payments recorded")
            await repo.confirm_manual([(twin.id, statement_id)
                                       for key, twin in twins.items() if key in ids])
            for key, twin in twins.items():
                if key in ids:
                    await uow.audit.add(actor_id, "payment.twin", "payment", ids[key],
                                        {"typed_in_as": twin.id})
            logger.info("statement %s: %d new payments written, allocating", filename or "-",
                        len(ids))
            applied = await self._apply_auto(uow, results, ids, locked, actor_id, now)
            remember = {pair for r in results if r.payment_key in ids
                        for pair in [confirmed_account_to_remember(
                            r, fresh[r.payment_key][0])] if pair is not None}
            await repo.remember_accounts(sorted(remember))
            waiting = [r for r in results if r.payment_key in ids and r.decision != "auto"]
            await repo.add_match_notes(
                [(ids[r.payment_key], MatchNote(r.decision, r.reason,
                                                tuple(c.invoice_id for c in r.candidates)))
                 for r in waiting], actor_id, now)
            await repo.finish_statement(statement_id, len(ids))
            await uow.audit.add(actor_id, "statement.import", "bank_statement", statement_id,
                                {"format": fmt, "new": len(ids)})
            events: list[PaymentEvent] = list(await self._applied_events(uow, applied))
            reviews = [r for r in waiting if r.decision == "review"]
            shown = reviews[: self._review_limit]
            events += await self._review_events(uow, shown, fresh, ids, by_id, actor)
            await uow.commit()
        counted = [r for r in results if r.payment_key in ids]
        return ImportReport(
            format=fmt, incoming=incoming, new=len(ids), already=incoming - len(ids),
            auto=sum(r.decision == "auto" for r in counted),
            review=sum(r.decision == "review" for r in counted),
            unmatched=sum(r.decision == "unmatched" for r in counted),
            balances=balances,
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

    async def _apply_auto(self, uow: PaymentUnitOfWork, results: Sequence[MatchResult],
                          ids: Mapping[str, int], named: Mapping[int, InvoiceMoney],
                          actor_id: int | None, now: datetime) -> list[_Applied]:
        """Writes the automatic allocations of an import in bulk: allocations, then each
        touched invoice's paid amount and status from its locked row (`named`: the rows
        locked by the caller, a superset of the invoices paid here)."""
        repo = uow.payments
        today = self.today()
        wanted: list[tuple[int, int, int]] = []  # payment id, invoice id, amount
        for result in results:
            if result.decision == "auto" and result.payment_key in ids:
                wanted += [(ids[result.payment_key], a.invoice_id, a.amount_minor)
                           for a in result.allocations]
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
        return applied

    async def _review_events(self, uow: PaymentUnitOfWork, results: Sequence[MatchResult],
                             fresh: Mapping[str, tuple[IncomingPayment, OrgAccount]],
                             ids: Mapping[str, int], invoices: Mapping[int, OpenInvoice],
                             importer: Actor | None) -> list[ReviewNeeded]:
        wanted = sorted({c.invoice_id for r in results for c in r.candidates})
        parties = await uow.payments.invoice_parties(wanted)
        events: list[ReviewNeeded] = []
        for result in results:
            payment, _ = fresh[result.payment_key]
            per_owner: dict[int, tuple[InvoiceParty, list[ReviewCandidate]]] = {}
            for c in result.candidates:
                party, inv = parties.get(c.invoice_id), invoices.get(c.invoice_id)
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
                    payment_id=ids[result.payment_key],
                    amount=money(payment.amount_minor, payment.currency),
                    currency=payment.currency, received_on=payment.received_on,
                    payer_name=payment.payer_name, purpose=payment.purpose,
                    reason=result.reason, recipient_chat=chat, recipient_language=language,
                    candidates=candidates))
        await self._queue(uow, events)
        return events


def statement_row(payment: IncomingPayment, account: OrgAccount, company_id: int | None,
                  statement_id: int, status: PaymentStatus, actor_id: int | None
                  ) -> NewPaymentRow:
    return NewPaymentRow(
        source="bank", external_id=payment.key, organization_id=account.organization_id,
        company_id=company_id, statement_id=statement_id, amount_minor=payment.amount_minor,
        currency=payment.currency, received_on=payment.received_on,
        payer_name=payment.payer_name[:300], payer_tax_id=payment.payer_tax_id[:20],
        payer_account=payment.payer_account[:34], purpose=payment.purpose,
        doc_number=payment.doc_number[:64], status=status, created_by=actor_id)


def read_statement(data: bytes, filename: str, ours: Mapping[str, OrgAccount]
                   ) -> tuple[str, int, list[tuple[IncomingPayment, OrgAccount]],
                              tuple[BalanceNote, ...], str]:
    """Parse + our incoming payments + balance checks + digest, as a module-level function
    so a worker process can run it; returns the format and the transaction count instead of
    the whole statement (less to pickle back)."""
    statement, incoming, balances, digest = StatementImportMixin._read(data, filename, ours)
    return statement.format, len(statement.transactions), incoming, balances, digest
