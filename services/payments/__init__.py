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

The package, one module per use case (submodules import `model`, never this `__init__`):
`model` (values, statuses, limits), `rules` (pure functions), `base` (the service's state and
shared internals), `manual` (typed in: record, credit, reverse), `review` (apply, split, not
ours), `statement_import` (bank statements), `refunds` (money paid back against a credit
note: an outgoing payment, never counted as money in), `service` (`PaymentService`
composing them).
"""

from services.payment_events import (
    PaymentApplied,
    PaymentDigest,
    PaymentEvent,
    ReviewCandidate,
    ReviewNeeded,
)
from services.payments.base import CpuRunner, run_in_thread
from services.payments.model import (
    DIGEST_ABOVE,
    DOC_NUMBER_MAX,
    PENDING,
    REASON_MAX,
    REVIEW_PUSH_LIMIT,
    SOURCES,
    TWIN_DAYS,
    YIELD_EVERY,
    BalanceNote,
    CustomerChat,
    ImportReport,
    InvoiceMoney,
    InvoiceMoneyCard,
    InvoicePaidUpdate,
    InvoiceParty,
    MatchNote,
    NewPaymentRow,
    OrgAccount,
    Payment,
    PaymentLine,
    PaymentOutcome,
    PaymentStatus,
    ReviewCard,
    money,
)
from services.payments.rules import (
    clean_amount,
    doc_key,
    find_twins,
    manual_key,
    may_reverse,
    parse_split,
    payment_values,
    settled,
    status_after,
)
from services.payments.service import PaymentService
from services.payments.statement_import import read_and_match, read_statement, statement_row

__all__ = [
    "DIGEST_ABOVE",
    "DOC_NUMBER_MAX",
    "PENDING",
    "REASON_MAX",
    "REVIEW_PUSH_LIMIT",
    "SOURCES",
    "TWIN_DAYS",
    "YIELD_EVERY",
    "BalanceNote",
    "CpuRunner",
    "CustomerChat",
    "ImportReport",
    "InvoiceMoney",
    "InvoiceMoneyCard",
    "InvoicePaidUpdate",
    "InvoiceParty",
    "MatchNote",
    "NewPaymentRow",
    "OrgAccount",
    "Payment",
    "PaymentApplied",
    "PaymentDigest",
    "PaymentEvent",
    "PaymentLine",
    "PaymentOutcome",
    "PaymentService",
    "PaymentStatus",
    "ReviewCandidate",
    "ReviewCard",
    "ReviewNeeded",
    "clean_amount",
    "doc_key",
    "find_twins",
    "manual_key",
    "may_reverse",
    "money",
    "parse_split",
    "payment_values",
    "read_and_match",
    "read_statement",
    "run_in_thread",
    "settled",
    "statement_row",
    "status_after",
]
