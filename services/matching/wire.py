"""The compact form in which a statement's invoices and match results cross the process
boundary: a worker parses and matches, the event loop writes.

Rows are named tuples of str / int / date: unpickling 10,000 `MatchResult` dataclasses (with
their `Allocation` and `Candidate` objects) takes ~145 ms of the loop's GIL, their tuples ~9 ms,
and building the dataclasses again on the loop as long. So the loop reads these rows as they
are, and only the worker builds the matcher's objects (`open_invoice`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from services.matching.matcher import confirmed_account_to_remember, match_payments
from services.matching.model import Decision, IncomingPayment, MatchResult, MatchRule, OpenInvoice


class InvoiceRow(NamedTuple):
    """An open invoice as the database gives it (`OpenInvoice`'s fields and its
    organization's id)."""

    id: int
    organization_id: int
    number_text: str
    number: int
    series_prefix: str
    year: int
    company_id: int
    company_tax_id: str
    confirmed_accounts: frozenset[str]
    currency: str
    total_minor: int
    open_minor: int
    issue_date: date
    due_date: date
    owner_id: int


def open_invoice(row: InvoiceRow) -> OpenInvoice:
    return OpenInvoice(
        id=row.id, number_text=row.number_text, number=row.number,
        series_prefix=row.series_prefix, year=row.year, company_id=row.company_id,
        company_tax_id=row.company_tax_id, confirmed_accounts=row.confirmed_accounts,
        currency=row.currency, total_minor=row.total_minor, open_minor=row.open_minor,
        issue_date=row.issue_date, due_date=row.due_date, owner_id=row.owner_id)


class Matched(NamedTuple):
    """One incoming payment of a statement (to `organization_id`'s account) and its match:
    `MatchResult` flattened. `allocations` are (invoice id, amount) pairs, `candidates` invoice
    ids, best first; `remember` is the payer account the match proves is `company_id`'s
    (`confirmed_account_to_remember`), "" when it proves none."""

    key: str
    organization_id: int
    amount_minor: int
    currency: str
    received_on: date
    purpose: str
    payer_name: str
    payer_tax_id: str
    payer_account: str
    doc_number: str
    decision: Decision
    reason: str
    rule: MatchRule
    company_id: int | None
    overpayment_minor: int
    allocations: tuple[tuple[int, int], ...]
    candidates: tuple[int, ...]
    remember: str


def matched(payment: IncomingPayment, organization_id: int, result: MatchResult) -> Matched:
    pair = confirmed_account_to_remember(result, payment)
    return Matched(
        payment.key, organization_id, payment.amount_minor, payment.currency,
        payment.received_on, payment.purpose, payment.payer_name, payment.payer_tax_id,
        payment.payer_account, payment.doc_number, result.decision, result.reason,
        result.rule, result.company_id, result.overpayment_minor,
        tuple([(a.invoice_id, a.amount_minor) for a in result.allocations]),
        tuple([c.invoice_id for c in result.candidates]), pair[1] if pair else "")


def unmatched(row: Matched) -> Matched:
    """The same payment waiting for a person, nobody's yet."""
    return row._replace(decision="unmatched", reason="no_match", rule="none", company_id=None,
                        overpayment_minor=0, allocations=(), candidates=(), remember="")


def match_rows(payments: Iterable[tuple[IncomingPayment, int]],
               invoices: Iterable[InvoiceRow]) -> list[Matched]:
    """`match_payments` over (payment, organization id) pairs, as rows."""
    batch = list(payments)
    results = match_payments([p for p, _ in batch], [open_invoice(i) for i in invoices])
    return [matched(p, org, r) for (p, org), r in zip(batch, results, strict=True)]
