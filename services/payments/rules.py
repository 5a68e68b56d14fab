"""Pure rules of money: invoice status after a payment, amounts typed in, who may reverse,
which typed-in transfer a statement line already is, the columns of a new payment row."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final, Protocol

from services.errors import InvalidInput
from services.invoices import INVOICE_TRANSITIONS, OPEN_STATUSES, check_transition
from services.matching import InvoiceRow, OpenInvoice
from services.money import AmountError, parse_amount
from services.payments.model import (
    SOURCES,
    TWIN_DAYS,
    InvoiceMoney,
    InvoicePaidUpdate,
    NewPaymentRow,
    Payment,
    PaymentStatus,
)
from services.settlement import Settled
from services.users import Actor, Role


def status_after(inv: InvoiceMoney, paid_minor: int, today: date) -> str:
    """The invoice status once `paid_minor` is paid. Forward moves follow the invoice
    transitions; with nothing paid any more (a reversal) the invoice returns to where money
    found it: overdue when past due, else viewed, sent or issued."""
    # What paying in full means: the total less the credit notes (`InvoiceMoney.due_minor`).
    if paid_minor > 0 and paid_minor >= inv.due_minor and inv.total_minor > 0:
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


def invoice_unchanged(seen: OpenInvoice | InvoiceRow, now: InvoiceMoney | None) -> bool:
    """Whether an invoice, as matching saw it (`seen`), is still what it is `now`: open,
    with the same total, open amount, currency, company and due date. An invoice paid,
    cancelled or edited meanwhile is not."""
    return (now is not None and now.status in OPEN_STATUSES
            and now.total_minor == seen.total_minor and now.open_minor == seen.open_minor
            and now.currency == seen.currency and now.company_id == seen.company_id
            and (now.due_date or seen.issue_date) == seen.due_date)


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
    if payment.status in (PaymentStatus.REVERSED, PaymentStatus.REFUND) or not actor.is_staff:
        return False  # a refund is corrected by its credit note's next refund, not undone
    if actor.role in (Role.ADMIN, Role.HEAD):
        return True
    return payment.source in SOURCES and payment.created_by == actor.id


def doc_key(number: str) -> str:
    """A payment order number as both sides write it: "№ 015", "15", "N15" → "15"."""
    return "".join(ch for ch in number.upper() if ch.isalnum()).lstrip("N").lstrip("0")


class StatementLine(Protocol):
    """What twins are looked for by: an `IncomingPayment`, or a statement's `Matched` row."""

    @property
    def key(self) -> str: ...
    @property
    def amount_minor(self) -> int: ...
    @property
    def currency(self) -> str: ...
    @property
    def received_on(self) -> date: ...
    @property
    def payer_tax_id(self) -> str: ...
    @property
    def doc_number(self) -> str: ...


def find_twins(incoming: Sequence[StatementLine], recorded: Sequence[Payment],
               tax_ids: Mapping[int, str] | None = None) -> dict[str, Payment]:
    """Statement payment key → the bank transfer recorded by hand that it is: the same
    payment order number, amount and currency, dated within `TWIN_DAYS`, and not from another
    payer (the statement's payer tax id against `tax_ids[company]` when both are known). One
    to one."""
    tax_ids = tax_ids or {}

    def same_payer(payment: StatementLine, twin: Payment) -> bool:
        ours = tax_ids.get(twin.company_id or 0, "")
        theirs = "".join(payment.payer_tax_id.split()).upper()
        return not ours or not theirs or "".join(ours.split()).upper() == theirs

    pool: dict[tuple[str, int, str], list[Payment]] = {}
    for p in recorded:
        if doc_key(p.doc_number):
            pool.setdefault((doc_key(p.doc_number), p.amount_minor, p.currency), []).append(p)
    # Most statements meet no transfer typed in: nothing to read a number for (10,000
    # numbers read for nothing held the event loop ~50 ms).
    amounts = {(amount, currency) for _, amount, currency in pool}
    found: dict[str, Payment] = {}
    for payment in incoming:
        if (payment.amount_minor, payment.currency) not in amounts:
            continue
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


def _norm_account(account: str) -> str:
    return "".join(account.split()).replace("-", "").upper()


def payment_values(row: NewPaymentRow) -> dict[str, Any]:
    """Column values of a new payment row (storage uses it for bulk inserts)."""
    return {"source": row.source, "external_id": row.external_id,
            "organization_id": row.organization_id, "company_id": row.company_id,
            "statement_id": row.statement_id, "amount_minor": row.amount_minor,
            "currency": row.currency, "received_on": row.received_on,
            "payer_name": row.payer_name, "payer_tax_id": row.payer_tax_id,
            "payer_account": row.payer_account, "purpose": row.purpose,
            "doc_number": row.doc_number, "status": str(row.status),
            "created_by": row.created_by, "direction": row.direction,
            "credit_note_id": row.credit_note_id}
