"""Money in: payments recorded by hand or imported from bank statements, allocated to invoices.

Invariants:
- a payment is captured once per (source, external_id): bank payments are keyed by the
  statement line's `stable_key`, so the same file imported twice, or an overlapping one,
  records each payment exactly once (`INSERT … ON CONFLICT DO NOTHING RETURNING`);
- a statement is imported whole in ONE transaction or not at all (a parse error, a foreign
  account or a crash leaves nothing behind);
- an invoice's `paid_minor` always equals the sum of its active (not reversed) allocations,
  and never exceeds its total: what a payment brings beyond that is the client's credit, the
  unallocated remainder of the payment row (status "credit");
- the invoice status follows the money in the same transaction as the allocation:
  issued/sent/viewed/overdue → partially_paid → paid, and back on reversal;
- when every (non-cancelled) invoice of a deal is paid, the deal moves to its pipeline's
  "paid" stage by itself, or "won" when the invoice was shipped before (`services.settlement`,
  which also keeps installments and reminders in step with the money);
- a payment awaiting a decision ("review"/"unmatched") is resolved at most once: a second
  press finds it done (Conflict "payment_done") and changes nothing;
- every read and write is scoped by the actor: another manager's invoice is NotFound.

Services return events (`PaymentApplied`, `ReviewNeeded`) for the direct answer, and write
their pushes (manager, team chat, the customer's receipt, review requests) to the outbox in
the same transaction as the money (`services.notices`): a crash after the commit loses none.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from services.clock import Clock
from services.deals import DealService, parse_date
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices import INVOICE_TRANSITIONS, OPEN_STATUSES, check_transition
from services.matching import (
    IncomingPayment,
    MatchResult,
    OpenInvoice,
    confirmed_account_to_remember,
    match_payments,
)
from services.money import CURRENCIES, AmountError, from_minor, parse_amount, to_minor
from services.notices import THANKS, notice, payment_messages
from services.payment_events import (
    PaymentApplied,
    PaymentEvent,
    ReviewCandidate,
    ReviewNeeded,
)
from services.settlement import Settled, Settlement
from services.statements import Statement, parse_statement
from services.users import Actor, Role

if TYPE_CHECKING:
    from services.ports import UnitOfWork, UowFactory

logger = logging.getLogger(__name__)

SOURCES: Final = ("bank", "cash", "card")

# Runs a picklable CPU-bound function with its arguments somewhere off the event loop and
# returns its result. A thread still holds the GIL (the loop lagged 59-123 ms on a 10,000-line
# statement); the app passes its worker-process pool. Default: a thread (tests, CLI).
CpuRunner = Callable[..., Awaitable[Any]]


async def run_in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)
DOC_NUMBER_MAX: Final = 64
REASON_MAX: Final = 500
#: A transfer typed in by hand and its line in the bank statement may differ by this many days.
TWIN_DAYS: Final = 7
#: Review messages sent per import; the rest wait in /payments.
REVIEW_PUSH_LIMIT: Final = 20
#: Long loops over a statement's rows give the event loop a turn this often.
YIELD_EVERY: Final = 250


class PaymentStatus(StrEnum):
    ALLOCATED = "allocated"  # all of it went to invoices
    CREDIT = "credit"  # a remainder is the client's credit
    REVIEW = "review"  # a person chooses among candidates
    UNMATCHED = "unmatched"  # nobody recognised it
    IGNORED = "ignored"  # "Not ours"
    TWIN = "twin"  # the bank's line for a transfer already recorded by hand: no money twice
    REVERSED = "reversed"


PENDING: Final = frozenset({PaymentStatus.REVIEW, PaymentStatus.UNMATCHED})


# --- values --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payment:
    id: int
    source: str
    external_id: str
    organization_id: int | None
    company_id: int | None
    amount_minor: int
    allocated_minor: int
    currency: str
    received_on: date
    payer_name: str
    purpose: str
    doc_number: str
    status: str
    created_by: int | None
    statement_id: int | None = None

    @property
    def amount(self) -> Decimal:
        return money(self.amount_minor, self.currency)

    @property
    def unallocated_minor(self) -> int:
        return self.amount_minor - self.allocated_minor

    @property
    def unallocated(self) -> Decimal:
        return money(self.unallocated_minor, self.currency)


@dataclass(frozen=True, slots=True)
class InvoiceMoney:
    """What money needs to know about an invoice (storage reads it, locked when asked)."""

    id: int
    owner_id: int
    organization_id: int
    company_id: int | None
    deal_id: int | None
    number_text: str
    currency: str
    total_minor: int
    paid_minor: int
    status: str
    due_date: date | None
    sent: bool
    viewed: bool

    @property
    def open_minor(self) -> int:
        return max(self.total_minor - self.paid_minor, 0)


@dataclass(frozen=True, slots=True)
class InvoiceParty:
    """Who hears about money on an invoice: its manager and the customer's bound chat."""

    invoice_id: int
    number_text: str
    company_name: str
    manager_chat: int
    manager_language: str | None
    customer_chat: int | None
    customer_language: str | None


@dataclass(frozen=True, slots=True)
class MatchNote:
    """Why a payment waits for a person (kept in the audit log as "payment.match")."""

    decision: str
    reason: str
    candidates: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class OrgAccount:
    organization_id: int
    account: str
    currency: str


@dataclass(frozen=True, slots=True)
class NewPaymentRow:
    source: str
    external_id: str
    organization_id: int | None
    company_id: int | None
    statement_id: int | None
    amount_minor: int
    currency: str
    received_on: date
    payer_name: str
    payer_tax_id: str
    payer_account: str
    purpose: str
    doc_number: str
    status: str
    created_by: int | None


@dataclass(frozen=True, slots=True)
class InvoicePaidUpdate:
    invoice_id: int
    paid_minor: int
    status: str
    paid_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    payment: Payment
    events: tuple[PaymentEvent, ...] = ()
    duplicate: bool = False
    # A bank transfer typed in that an imported statement already had: that payment was
    # applied instead of recording the money a second time.
    from_statement: bool = False


@dataclass(frozen=True, slots=True)
class BalanceNote:
    account: str
    kind: str
    expected: Decimal
    actual: Decimal


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The summary of one statement import (counts are incoming payments to our accounts)."""

    format: str
    incoming: int
    new: int
    already: int
    auto: int
    review: int
    unmatched: int
    balances: tuple[BalanceNote, ...]
    statement_id: int | None
    events: tuple[PaymentEvent, ...] = ()
    review_held: int = 0  # review payments beyond REVIEW_PUSH_LIMIT, waiting in /payments
    twins: int = 0  # transfers already recorded by hand: confirmed, not counted again


@dataclass(frozen=True, slots=True)
class ReviewCard:
    payment: Payment
    reason: str
    candidates: tuple[ReviewCandidate, ...]


@dataclass(frozen=True, slots=True)
class CustomerChat:
    chat_id: int
    language: str | None
    invoice_number: str


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """One payment with money on an invoice, as the invoice's payment list shows it."""

    payment: Payment
    on_invoice: Decimal  # how much of it went to this invoice
    can_reverse: bool  # may the viewer reverse it


@dataclass(frozen=True, slots=True)
class InvoiceMoneyCard:
    """What the "Record payment" menu shows for an invoice."""

    invoice_id: int
    number_text: str
    currency: str
    status: str
    total: Decimal
    paid: Decimal
    remaining: Decimal
    credit: Decimal  # the client's credit usable here
    payments: tuple[PaymentLine, ...]

    @property
    def payable(self) -> bool:
        return self.status in OPEN_STATUSES and self.remaining > 0


@dataclass
class _Applied:
    """One allocation made inside a unit of work, before events are built."""

    payment_id: int
    invoice_id: int
    amount_minor: int
    remaining_minor: int
    currency: str
    deal_stage: str | None = None
    deal_won: bool = False


# --- pure rules ------------------------------------------------------------------------------


def status_after(inv: InvoiceMoney, paid_minor: int, today: date) -> str:
    """The invoice status once `paid_minor` is paid. Forward moves follow the invoice
    transitions; with nothing paid any more (a reversal) the invoice returns to where money
    found it: overdue when past due, else viewed, sent or issued."""
    if paid_minor >= inv.total_minor > 0:
        target = "paid"
    elif paid_minor > 0:
        target = "partially_paid"
    elif inv.status in ("paid", "partially_paid"):
        if inv.due_date is not None and inv.due_date < today:
            return "overdue"
        return "viewed" if inv.viewed else "sent" if inv.sent else "issued"
    else:
        return inv.status
    if target != inv.status and inv.status in OPEN_STATUSES:
        check_transition(INVOICE_TRANSITIONS, inv.status, target)
    return target


def settled(inv: InvoiceMoney, update: InvoicePaidUpdate) -> Settled:
    """The invoice's money after `update`, for `Settlement.after_money`."""
    return Settled(inv.id, inv.deal_id, inv.total_minor, update.paid_minor, update.status)


def clean_amount(text: str | Decimal, currency: str) -> Decimal:
    if isinstance(text, Decimal):
        amount = text
    else:
        try:
            amount = parse_amount(text, currency)
        except AmountError as exc:
            raise InvalidInput(f"amount_{exc.code}", field="amount") from None
    if amount <= 0:
        raise InvalidInput("payment_not_positive", field="amount")
    return amount


_SPLIT_LINE: Final = re.compile(r"^\s*(?P<number>\S+)\s+(?P<amount>[+\-]?[\d\s.,\u00a0]+)\s*$")


def parse_split(text: str) -> list[tuple[str, str]]:
    """"INV-2026-00001 600,00" per line → [(number, amount text)]. Bad lines → InvalidInput
    naming the line (1-based)."""
    parts: list[tuple[str, str]] = []
    lines = [x for x in text.splitlines() if x.strip()]
    if not lines:
        raise InvalidInput("split_empty", field="text")
    if len(lines) > 20:
        raise InvalidInput("too_many_lines", field="line", limit=20)
    for i, line in enumerate(lines, start=1):
        m = _SPLIT_LINE.match(line)
        if m is None:
            raise InvalidInput("split_bad_line", field="line", line=i)
        parts.append((m.group("number"), m.group("amount").strip()))
    return parts


def manual_key(actor_id: int, action_key: str | None) -> str:
    """Idempotency key of a payment typed by hand: the action that recorded it (the payment
    form's session, a button press), never its content - a form submitted twice or an
    update delivered again records it once, two genuine equal receipts are two payments.
    Without an action key the call is an action of its own."""
    action = action_key or secrets.token_hex(16)
    raw = f"{actor_id}\x1f{action}"
    return "m:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()


def may_reverse(actor: Actor, payment: Payment) -> bool:
    """Admins and heads reverse any payment they see; a manager only one they recorded by
    hand (their own typo). Money the bank or Telegram reported is not a manager's to undo."""
    if payment.status == PaymentStatus.REVERSED or not actor.is_staff:
        return False
    if actor.role in (Role.ADMIN, Role.HEAD):
        return True
    return payment.source in SOURCES and payment.created_by == actor.id


def doc_key(number: str) -> str:
    """A payment order number as both sides write it: "№ 015", "15", "N15" → "15"."""
    return "".join(ch for ch in number.upper() if ch.isalnum()).lstrip("N").lstrip("0")


def find_twins(incoming: Sequence[IncomingPayment], recorded: Sequence[Payment],
               tax_ids: Mapping[int, str] | None = None) -> dict[str, Payment]:
    """Statement payment key → the bank transfer recorded by hand that it is: the same
    payment order number, amount and currency, dated within `TWIN_DAYS`, and not from another
    payer (the statement's payer tax id against `tax_ids[company]` when both are known). One
    to one."""
    tax_ids = tax_ids or {}

    def same_payer(payment: IncomingPayment, twin: Payment) -> bool:
        ours = tax_ids.get(twin.company_id or 0, "")
        theirs = "".join(payment.payer_tax_id.split()).upper()
        return not ours or not theirs or "".join(ours.split()).upper() == theirs

    pool: dict[tuple[str, int, str], list[Payment]] = {}
    for p in recorded:
        if doc_key(p.doc_number):
            pool.setdefault((doc_key(p.doc_number), p.amount_minor, p.currency), []).append(p)
    found: dict[str, Payment] = {}
    for payment in incoming:
        number = doc_key(payment.doc_number)
        bucket = pool.get((number, payment.amount_minor, payment.currency), []) if number \
            else []
        twin = next((t for t in bucket
                     if abs((t.received_on - payment.received_on).days) <= TWIN_DAYS
                     and same_payer(payment, t)), None)
        if twin is not None:
            found[payment.key] = twin
            bucket.remove(twin)
    return found


def money(minor: int, currency: str) -> Decimal:
    """Minor units → Decimal; a statement may carry a currency we do not sell in (CNY...)."""
    if currency in CURRENCIES:
        return from_minor(minor, currency)
    return Decimal(minor).scaleb(-2)


def _norm_account(account: str) -> str:
    return "".join(account.split()).replace("-", "").upper()


# --- the service -----------------------------------------------------------------------------


class PaymentService:
    def __init__(self, uow: UowFactory, clock: Clock, deals: DealService,
                 timezone: str = "UTC", review_push_limit: int = REVIEW_PUSH_LIMIT,
                 run_cpu: CpuRunner = run_in_thread,
                 settlement: Settlement | None = None,
                 team_chat_id: int | None = None) -> None:
        self._uow = uow
        self._team_chat = team_chat_id
        self._run_cpu = run_cpu
        self._clock = clock
        self._deals = deals
        self._settlement = settlement or Settlement(deals)
        self._tz = ZoneInfo(timezone)
        self._review_limit = review_push_limit

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    # -- recording by hand

    async def record_manual(self, actor: Actor, invoice_id: int, source: str,
                            amount: str | Decimal, doc_number: str = "",
                            received_on: date | str | None = None,
                            action_key: str | None = None) -> PaymentOutcome:
        """Money received for one invoice (cash, card, or a bank transfer typed in). Less than
        open → partial; more → the invoice is paid and the rest is the client's credit.
        `action_key` identifies the person's action (`manual_key`): the same action again
        returns the payment it recorded (`duplicate`), writing nothing."""
        if not actor.is_staff:
            raise Forbidden()
        if source not in SOURCES:
            raise InvalidInput("payment_source", field="source")
        doc_number = " ".join(doc_number.split())
        if len(doc_number) > DOC_NUMBER_MAX:
            raise InvalidInput("too_long", field="doc_number", limit=DOC_NUMBER_MAX)
        day = parse_date(received_on) if isinstance(received_on, str) else (
            received_on or self.today())
        if day > self.today():
            raise InvalidInput("payment_in_future", field="date")
        now = self._clock.now()
        key = manual_key(actor.id, action_key)
        async with self._uow() as uow:
            repo = uow.payments
            inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if action_key is not None:  # the same action again: what it recorded
                done = await repo.by_external(source, key)
                if done is not None:
                    return PaymentOutcome(done, (), duplicate=True)
            if inv.status not in OPEN_STATUSES:
                raise Conflict("invoice_not_payable", status=inv.status)
            value = clean_amount(amount, inv.currency)
            minor = to_minor(value, inv.currency)
            if source == "bank" and doc_key(doc_number):
                twin = await self._statement_twin(uow, inv, doc_number, day, minor)
                if twin is not None:  # the statement brought it already: apply that one
                    applied = [await self._allocate(uow, twin.id, inv, twin.unallocated_minor,
                                                    actor.id, now)]
                    payment = await self._settle(uow, twin.id, inv.company_id,
                                                 expect=PENDING)
                    await uow.audit.add(actor.id, "payment.resolve", "payment", twin.id,
                                        {"invoice_id": inv.id, "typed_in": True})
                    events = await self._applied_events(uow, applied)
                    await uow.commit()
                    return PaymentOutcome(payment, events, from_statement=True)
            payment_id = await repo.insert_payment(NewPaymentRow(
                source=source, external_id=key, organization_id=inv.organization_id,
                company_id=inv.company_id, statement_id=None, amount_minor=minor,
                currency=inv.currency, received_on=day, payer_name="", payer_tax_id="",
                payer_account="", purpose="", doc_number=doc_number,
                status=PaymentStatus.ALLOCATED, created_by=actor.id))
            if payment_id is None:  # the same action, committed concurrently
                existing = await repo.by_external(source, key)
                assert existing is not None
                return PaymentOutcome(existing, (), duplicate=True)
            applied = [await self._allocate(uow, payment_id, inv, minor, actor.id, now)]
            payment = await self._settle(uow, payment_id, inv.company_id)
            await uow.audit.add(actor.id, "payment.record", "payment", payment_id,
                                {"invoice_id": inv.id, "amount_minor": minor,
                                 "source": source})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(payment, events)

    async def money_card(self, actor: Actor, invoice_id: int) -> InvoiceMoneyCard:
        """The invoice's money: total, paid, remaining, the client's usable credit and the
        payments on it (each marked whether this actor may reverse it)."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            credits = (await uow.payments.credits(inv.company_id, inv.currency)
                       if inv.company_id is not None else [])
            lines = await uow.payments.invoice_payments(inv.id)
        cur = inv.currency
        return InvoiceMoneyCard(
            inv.id, inv.number_text, cur, inv.status, from_minor(inv.total_minor, cur),
            from_minor(inv.paid_minor, cur), from_minor(inv.open_minor, cur),
            from_minor(sum(p.unallocated_minor for p in credits), cur),
            tuple(PaymentLine(p, from_minor(on, cur), may_reverse(actor, p))
                  for p, on in lines))

    async def available_credit(self, actor: Actor, invoice_id: int) -> Decimal:
        """The client's credit (remainders of earlier payments) usable on this invoice."""
        async with self._uow(readonly=True) as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.company_id is None:
                return from_minor(0, inv.currency)
            credits = await uow.payments.credits(inv.company_id, inv.currency)
        return from_minor(sum(p.unallocated_minor for p in credits), inv.currency)

    async def apply_credit(self, actor: Actor, invoice_id: int) -> PaymentOutcome:
        """Applies the client's credit, oldest first, to this invoice's open amount."""
        if not actor.is_staff:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow() as uow:
            repo = uow.payments
            inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.status not in OPEN_STATUSES:
                raise Conflict("invoice_not_payable", status=inv.status)
            credits = (await repo.credits(inv.company_id, inv.currency, lock=True)
                       if inv.company_id is not None else [])
            if not credits:
                raise Conflict("no_credit")
            applied: list[_Applied] = []
            last: Payment | None = None
            for credit in credits:
                if inv.open_minor <= 0:
                    break
                step = await self._allocate(uow, credit.id, inv, credit.unallocated_minor,
                                            actor.id, now)
                applied.append(step)
                last = await self._settle(uow, credit.id, inv.company_id)
                inv = await repo.invoice_money(inv.id, None, lock=True) or inv
            assert last is not None
            await uow.audit.add(actor.id, "payment.apply_credit", "invoice", inv.id,
                                {"payments": [a.payment_id for a in applied]})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(last, events)

    async def split(self, actor: Actor, payment_id: int,
                    parts: Sequence[tuple[int, Decimal]]) -> PaymentOutcome:
        """Spreads what is left of a payment over invoices of ONE client; anything beyond the
        parts stays the client's credit. Nothing is written unless every part fits."""
        if not actor.is_staff:
            raise Forbidden()
        if not parts:
            raise InvalidInput("split_empty", field="text")
        now = self._clock.now()
        async with self._uow() as uow:
            repo = uow.payments
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if payment.status not in (*PENDING, PaymentStatus.CREDIT):
                raise Conflict("payment_done")
            invoices: list[tuple[InvoiceMoney, int]] = []
            for invoice_id, amount in parts:
                inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
                if inv is None:
                    raise NotFound(entity="invoice", id=invoice_id)
                if inv.status not in OPEN_STATUSES:
                    raise Conflict("invoice_not_payable", status=inv.status)
                if inv.currency != payment.currency:
                    raise Conflict("payment_currency", currency=payment.currency)
                minor = to_minor(clean_amount(amount, inv.currency), inv.currency)
                if minor > inv.open_minor:
                    raise InvalidInput("split_over_invoice", field="amount",
                                       number=inv.number_text)
                invoices.append((inv, minor))
            companies = {inv.company_id for inv, _ in invoices}
            if len(companies) != 1 or (payment.company_id is not None
                                       and payment.company_id not in companies):
                raise Conflict("split_several_clients")
            if len({inv.id for inv, _ in invoices}) != len(invoices):
                raise InvalidInput("split_duplicate", field="line")
            if sum(minor for _, minor in invoices) > payment.unallocated_minor:
                raise InvalidInput("split_over_payment", field="amount")
            applied = [await self._allocate(uow, payment.id, inv, minor, actor.id, now)
                       for inv, minor in invoices]
            result = await self._settle(uow, payment.id, companies.pop())
            await uow.audit.add(actor.id, "payment.split", "payment", payment.id,
                                {"parts": [[a.invoice_id, a.amount_minor] for a in applied]})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(result, events)

    async def split_text(self, actor: Actor, payment_id: int, text: str) -> PaymentOutcome:
        """`split` from what the manager typed: "INV-2026-00001 600,00" per line."""
        items = parse_split(text)
        async with self._uow(readonly=True) as uow:
            payment = await self._visible_payment(uow, actor, payment_id)
            parts: list[tuple[int, Decimal]] = []
            for i, (number, amount) in enumerate(items, start=1):
                found = await uow.payments.invoice_by_number(number, actor.owner_scope())
                if found is None:
                    raise InvalidInput("split_unknown_invoice", field="line", line=i,
                                       number=number)
                parts.append((found, clean_amount(amount, payment.currency)))
        return await self.split(actor, payment_id, parts)

    async def reverse(self, actor: Actor, payment_id: int, reason: str) -> PaymentOutcome:
        """Undoes a payment (admins and heads; a manager only a payment they typed in
        themselves, see `may_reverse`): its allocations are reversed (kept, stamped), the invoices'
        paid amounts and statuses recomputed; the reason goes to the audit log. The payment row
        stays (status "reversed"), so a re-imported statement does not record it again."""
        reason = " ".join(reason.split())
        if not reason:
            raise InvalidInput("empty", field="junk_reason")
        if len(reason) > REASON_MAX:
            raise InvalidInput("too_long", field="junk_reason", limit=REASON_MAX)
        now = self._clock.now()
        today = self.today()
        async with self._uow() as uow:
            repo = uow.payments
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if payment.status == PaymentStatus.REVERSED:
                raise Conflict("payment_done")
            if not may_reverse(actor, payment):
                raise Forbidden()
            allocations = await repo.allocations(payment.id)
            for invoice_id, _amount in allocations:
                if await repo.invoice_money(invoice_id, actor.owner_scope()) is None:
                    raise NotFound(entity="payment", id=payment_id)
            await repo.reverse_allocations(payment.id, now)
            changed: list[Settled] = []
            for invoice_id in sorted({i for i, _ in allocations}):
                inv = await repo.invoice_money(invoice_id, None, lock=True)
                assert inv is not None
                paid = await repo.allocated_to_invoice(invoice_id)
                update = InvoicePaidUpdate(inv.id, paid, status_after(inv, paid, today), None)
                await repo.set_invoices_paid([update])
                changed.append(settled(inv, update))
            await self._settlement.after_money(uow, changed, actor.id, now)
            await repo.set_status(payment.id, PaymentStatus.REVERSED, reversed_at=now)
            await uow.audit.add(actor.id, "payment.reverse", "payment", payment.id,
                                {"reason": reason,
                                 "allocations": [[i, a] for i, a in allocations]})
            fresh = await repo.get(payment.id)
            await uow.commit()
        assert fresh is not None
        return PaymentOutcome(fresh)

    # -- review

    async def resolve(self, actor: Actor, payment_id: int, invoice_id: int) -> PaymentOutcome:
        """"Apply to INV-…": the payment (what is left of it) goes to this invoice, the rest
        becomes the client's credit. A second press → Conflict("payment_done")."""
        if not actor.is_staff:
            raise Forbidden()
        now = self._clock.now()
        async with self._uow() as uow:
            repo = uow.payments
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if payment.status not in PENDING:
                raise Conflict("payment_done")
            inv = await repo.invoice_money(invoice_id, actor.owner_scope(), lock=True)
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            if inv.status not in OPEN_STATUSES or inv.open_minor <= 0:
                raise Conflict("invoice_not_payable", status=inv.status)
            if inv.currency != payment.currency:
                raise Conflict("payment_currency", currency=payment.currency)
            applied = [await self._allocate(uow, payment.id, inv, payment.unallocated_minor,
                                            actor.id, now)]
            result = await self._settle(uow, payment.id, inv.company_id, expect=PENDING)
            await uow.audit.add(actor.id, "payment.resolve", "payment", payment.id,
                                {"invoice_id": inv.id})
            events = await self._applied_events(uow, applied)
            await uow.commit()
        return PaymentOutcome(result, events)

    async def dismiss(self, actor: Actor, payment_id: int) -> Payment:
        """"Not ours": the payment stays recorded but waits for nobody."""
        async with self._uow() as uow:
            payment = await self._visible_payment(uow, actor, payment_id, lock=True)
            if not await uow.payments.set_status(payment.id, PaymentStatus.IGNORED,
                                                 expect=PENDING):
                raise Conflict("payment_done")
            await uow.audit.add(actor.id, "payment.dismiss", "payment", payment.id)
            fresh = await uow.payments.get(payment.id)
            await uow.commit()
        assert fresh is not None
        return fresh

    async def review_card(self, actor: Actor, payment_id: int) -> ReviewCard:
        async with self._uow(readonly=True) as uow:
            payment = await self._visible_payment(uow, actor, payment_id)
            note = await uow.payments.match_note(payment.id)
            candidates = await self._candidates(uow, note.candidates if note else (),
                                                actor.owner_scope())
        return ReviewCard(payment, note.reason if note else "", candidates)

    async def review_queue(self, actor: Actor, limit: int = 10) -> list[ReviewCard]:
        """Payments waiting for this actor's decision, oldest first."""
        if not actor.is_staff:
            raise Forbidden()
        cards: list[ReviewCard] = []
        async with self._uow(readonly=True) as uow:
            for payment in await uow.payments.pending(500):
                note = await uow.payments.match_note(payment.id)
                ids = note.candidates if note else ()
                if not await self._sees(uow, actor, payment, ids):
                    continue
                cards.append(ReviewCard(payment, note.reason if note else "",
                                        await self._candidates(uow, ids, actor.owner_scope())))
                if len(cards) >= limit:
                    break
        return cards

    async def thank(self, actor: Actor, invoice_id: int, action_key: str) -> CustomerChat:
        """Queues a thank-you into the customer's bound chat (Conflict "no_customer_chat" if
        none); `action_key` (the button press) makes a repeated press one message."""
        async with self._uow() as uow:
            inv = await uow.payments.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            parties = await uow.payments.invoice_parties([inv.id])
            party = parties.get(inv.id)
            if party is None or party.customer_chat is None:
                raise Conflict("no_customer_chat")
            await uow.outbox.enqueue([notice(
                f"thanks{inv.id}:{action_key}:chat{party.customer_chat}:{THANKS}", THANKS,
                party.customer_chat, self._clock.now(), party.customer_language,
                {"number": party.number_text})])
            await uow.commit()
        return CustomerChat(party.customer_chat, party.customer_language, party.number_text)

    # -- statements

    async def import_statement(self, actor: Actor | None, data: bytes,
                               filename: str = "") -> ImportReport:
        """Imports a bank statement (1C, camt.053, MT940) whole, in one transaction.

        `actor` None is the system (the CLI without --as). Only incoming payments to our
        organizations' own accounts count; a file for an account we do not have is refused
        (Conflict "statement_foreign_account" naming it) and a file that does not parse raises
        StatementError with the line; in both cases nothing is written."""
        if actor is not None and not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            ours = {_norm_account(a.account): a
                    for a in await uow.payments.organization_accounts()}
        # Parsing, keys and balances are CPU work: off the event loop, in a worker process
        # when the app gives one (only the slim result travels back). Meanwhile the open
        # invoices of each of our organizations are read (a snapshot: the allocation below
        # re-reads each invoice locked, so one paid meanwhile only leaves a credit).
        parsing = asyncio.ensure_future(self._run_cpu(read_statement, data, filename, ours))
        try:
            async with self._uow(readonly=True) as uow:
                open_by_org = {org: await uow.payments.open_invoices([org]) for org in
                               sorted({a.organization_id for a in ours.values()})}
        except BaseException:
            parsing.cancel()
            raise
        fmt, count, incoming, balances, digest = await parsing
        logger.info("statement %s parsed: %s, %d transactions", filename or "-", fmt, count)
        now = self._clock.now()
        actor_id = actor.id if actor else None
        async with self._uow() as uow:
            repo = uow.payments
            keys = list(dict.fromkeys(p.key for p, _ in incoming))
            known = await repo.existing_keys("bank", keys)
            fresh: dict[str, tuple[IncomingPayment, OrgAccount]] = {}
            for i, (payment, account) in enumerate(incoming):
                if i % YIELD_EVERY == 0:
                    await asyncio.sleep(0)
                if payment.key not in known:
                    fresh.setdefault(payment.key, (payment, account))
            org_ids = sorted({acc.organization_id for _, acc in fresh.values()})
            twins: dict[str, Payment] = {}
            if fresh:
                days = [p.received_on for p, _ in fresh.values()]
                typed = await repo.bank_payments(
                    org_ids, min(days) - timedelta(days=TWIN_DAYS),
                    max(days) + timedelta(days=TWIN_DAYS), manual=True)
                twins = find_twins([p for p, _ in fresh.values()], typed,
                                   await repo.company_tax_ids(
                                       sorted({p.company_id for p in typed if p.company_id})))
            open_invoices = [inv for org in org_ids for inv in open_by_org.get(org, [])]
            batch = [p for p, _ in fresh.values() if p.key not in twins]
            results = await self._run_cpu(match_payments, batch, open_invoices)
            by_org = {inv.id: inv for inv in open_invoices}
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
            await repo.confirm_manual([(twin.id, statement_id)
                                       for key, twin in twins.items() if key in ids])
            for key, twin in twins.items():
                if key in ids:
                    await uow.audit.add(actor_id, "payment.twin", "payment", ids[key],
                                        {"typed_in_as": twin.id})
            logger.info("statement %s: %d new payments written, allocating", filename or "-",
                        len(ids))
            applied = await self._apply_auto(uow, results, ids, actor_id, now)
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
            events += await self._review_events(uow, shown, fresh, ids, by_org, actor)
            await uow.commit()
        counted = [r for r in results if r.payment_key in ids]
        return ImportReport(
            format=fmt, incoming=len(incoming), new=len(ids),
            already=len(incoming) - len(ids),
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
        balances = tuple(BalanceNote(b.account, b.kind, b.expected, b.actual)
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
        for tx in statement.transactions:
            own = _norm_account(tx.account) or single
            if own not in ours:
                if tx.direction == "in":
                    raise Conflict("statement_foreign_account", account=own or "?")
                continue
            payment = IncomingPayment.from_transaction(tx, own)
            if payment is not None:
                found.append((payment, ours[own]))
        return found

    async def _apply_auto(self, uow: UnitOfWork, results: Sequence[MatchResult],
                          ids: Mapping[str, int], actor_id: int | None, now: datetime
                          ) -> list[_Applied]:
        """Writes the automatic allocations of an import in bulk: allocations, then each
        touched invoice's paid amount and status from its locked row."""
        repo = uow.payments
        today = self.today()
        wanted: list[tuple[int, int, int]] = []  # payment id, invoice id, amount
        for result in results:
            if result.decision == "auto" and result.payment_key in ids:
                wanted += [(ids[result.payment_key], a.invoice_id, a.amount_minor)
                           for a in result.allocations]
        if not wanted:
            return []
        locked = {inv.id: inv for inv in await repo.lock_invoices(
            sorted({invoice_id for _, invoice_id, _ in wanted}))}
        paid = {i: inv.paid_minor for i, inv in locked.items()}
        rows: list[tuple[int, int, int]] = []
        applied: list[_Applied] = []
        short: dict[int, int] = {}
        for i, (payment_id, invoice_id, amount) in enumerate(wanted):
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            inv = locked.get(invoice_id)
            room = inv.total_minor - paid[invoice_id] if inv and inv.status in OPEN_STATUSES \
                else 0
            take = min(amount, max(room, 0))
            if take < amount:  # someone paid it meanwhile: the rest stays a credit
                short[payment_id] = short.get(payment_id, 0) + amount - take
            if take <= 0:
                continue
            paid[invoice_id] += take
            rows.append((payment_id, invoice_id, take))
            assert inv is not None
            applied.append(_Applied(payment_id, invoice_id, take,
                                    inv.total_minor - paid[invoice_id], inv.currency))
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

    # -- internals

    async def _allocate(self, uow: UnitOfWork, payment_id: int, inv: InvoiceMoney,
                        amount_minor: int, actor_id: int | None, now: datetime) -> _Applied:
        """Up to `amount_minor` of the payment to the invoice (never beyond its open amount),
        with the invoice's paid amount and status, and the deal's move when all is paid."""
        take = min(amount_minor, inv.open_minor)
        if take <= 0:
            raise Conflict("invoice_not_payable", status=inv.status)
        await uow.payments.add_allocations([(payment_id, inv.id, take)], actor_id, now)
        paid = inv.paid_minor + take
        status = status_after(inv, paid, self.today())
        update = InvoicePaidUpdate(inv.id, paid, status, now if status == "paid" else None)
        await uow.payments.set_invoices_paid([update])
        move = (await self._settlement.after_money(uow, [settled(inv, update)], actor_id,
                                                   now)).get(inv.id)
        return _Applied(payment_id, inv.id, take, inv.total_minor - paid, inv.currency,
                        move.stage if move else None, move.won if move else False)

    async def _statement_twin(self, uow: UnitOfWork, inv: InvoiceMoney, doc_number: str,
                              day: date, minor: int) -> Payment | None:
        """The statement payment a bank transfer being typed in already is: waiting for a
        decision → returned (to be applied); already applied or dismissed → Conflict, so the
        money is never recorded twice."""
        span = timedelta(days=TWIN_DAYS)
        found = await uow.payments.bank_payments([inv.organization_id], day - span, day + span,
                                                 manual=False)
        typed = IncomingPayment(key="typed", amount_minor=minor, currency=inv.currency,
                                received_on=day, doc_number=doc_number)
        twin = find_twins([typed], [p for p in found if p.status != PaymentStatus.TWIN
                                    and p.company_id in (None, inv.company_id)]).get("typed")
        if twin is None:
            return None
        if twin.status not in PENDING:
            raise Conflict("payment_in_statement", number=twin.doc_number,
                           date=f"{twin.received_on:%d.%m.%Y}")
        return await uow.payments.get(twin.id, lock=True)

    async def _settle(self, uow: UnitOfWork, payment_id: int, company_id: int | None,
                      expect: frozenset[PaymentStatus] | None = None) -> Payment:
        """The payment's status from what is allocated: all → allocated, else credit."""
        payment = await uow.payments.get(payment_id)
        assert payment is not None
        status = (PaymentStatus.ALLOCATED if payment.unallocated_minor <= 0
                  else PaymentStatus.CREDIT)
        if not await uow.payments.set_status(payment_id, status, company_id=company_id,
                                             expect=expect):
            raise Conflict("payment_done")
        fresh = await uow.payments.get(payment_id)
        assert fresh is not None
        return fresh

    async def _sees(self, uow: UnitOfWork, actor: Actor, payment: Payment,
                    candidates: Sequence[int]) -> bool:
        """Heads and admins see every payment; a manager the ones they recorded or imported,
        and those with a candidate or an allocation on one of their invoices."""
        if not actor.is_staff:
            return False
        scope = actor.owner_scope()
        if scope is None or payment.created_by == actor.id:
            return True
        ids = [*candidates, *(i for i, _ in await uow.payments.allocations(payment.id))]
        return await uow.payments.owns_any(ids, scope)

    async def _visible_payment(self, uow: UnitOfWork, actor: Actor, payment_id: int,
                               lock: bool = False) -> Payment:
        payment = await uow.payments.get(payment_id, lock=lock)
        if payment is None:
            raise NotFound(entity="payment", id=payment_id)
        note = await uow.payments.match_note(payment.id)
        if not await self._sees(uow, actor, payment, note.candidates if note else ()):
            raise NotFound(entity="payment", id=payment_id)
        return payment

    async def _candidates(self, uow: UnitOfWork, ids: Sequence[int], owner_id: int | None
                          ) -> tuple[ReviewCandidate, ...]:
        out = []
        parties = await uow.payments.invoice_parties(list(ids))
        for invoice_id in ids:
            inv = await uow.payments.invoice_money(invoice_id, owner_id)
            party = parties.get(invoice_id)
            if inv is None or party is None or inv.status not in OPEN_STATUSES:
                continue
            out.append(ReviewCandidate(inv.id, inv.number_text, party.company_name,
                                       from_minor(inv.open_minor, inv.currency)))
        return tuple(out)

    async def _applied_events(self, uow: UnitOfWork, applied: Sequence[_Applied]
                              ) -> tuple[PaymentApplied, ...]:
        parties = await uow.payments.invoice_parties(sorted({a.invoice_id for a in applied}))
        events = []
        for i, a in enumerate(applied):
            if i % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            party = parties.get(a.invoice_id)
            if party is None:
                continue
            events.append(PaymentApplied(
                payment_id=a.payment_id, invoice_id=a.invoice_id,
                invoice_number=party.number_text, company_name=party.company_name,
                amount=from_minor(a.amount_minor, a.currency),
                remaining=from_minor(max(a.remaining_minor, 0), a.currency),
                currency=a.currency, manager_chat=party.manager_chat,
                manager_language=party.manager_language, customer_chat=party.customer_chat,
                customer_language=party.customer_language, deal_stage=a.deal_stage,
                deal_won=a.deal_won))
        await self._queue(uow, events)
        return tuple(events)

    async def _queue(self, uow: UnitOfWork, events: Sequence[PaymentEvent]) -> None:
        """The events' pushes, in the caller's transaction (sent once it commits)."""
        await uow.outbox.enqueue(payment_messages(events, self._clock.now(), self._team_chat))

    async def _review_events(self, uow: UnitOfWork, results: Sequence[MatchResult],
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


def payment_values(row: NewPaymentRow) -> dict[str, Any]:
    """Column values of a new payment row (storage uses it for bulk inserts)."""
    return {"source": row.source, "external_id": row.external_id,
            "organization_id": row.organization_id, "company_id": row.company_id,
            "statement_id": row.statement_id, "amount_minor": row.amount_minor,
            "currency": row.currency, "received_on": row.received_on,
            "payer_name": row.payer_name, "payer_tax_id": row.payer_tax_id,
            "payer_account": row.payer_account, "purpose": row.purpose,
            "doc_number": row.doc_number, "status": str(row.status),
            "created_by": row.created_by}


def read_statement(data: bytes, filename: str, ours: Mapping[str, OrgAccount]
                   ) -> tuple[str, int, list[tuple[IncomingPayment, OrgAccount]],
                              tuple[BalanceNote, ...], str]:
    """Parse + our incoming payments + balance checks + digest, as a module-level function
    so a worker process can run it; returns the format and the transaction count instead of
    the whole statement (less to pickle back)."""
    statement, incoming, balances, digest = PaymentService._read(data, filename, ours)
    return statement.format, len(statement.transactions), incoming, balances, digest
