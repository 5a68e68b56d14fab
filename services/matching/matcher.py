"""`match_payments`: the rules, tried in order, over a batch's working book."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence

from services.matching.book import _Book, _due_order, _OrderedIds
from services.matching.model import (
    DUE_GRACE,
    MAX_CANDIDATES,
    SCORE_ACCOUNT_AMOUNT,
    SCORE_AMOUNT_DATE,
    SCORE_AMOUNT_OUTSIDE_WINDOW,
    SCORE_NUMBER,
    SCORE_NUMBER_AMBIGUOUS,
    SCORE_NUMBER_MISMATCH,
    SCORE_SAME_COMPANY,
    SCORE_TAX_ID_AMOUNT,
    Allocation,
    Candidate,
    Decision,
    IncomingPayment,
    MatchResult,
    MatchRule,
    OpenInvoice,
)
from services.matching.normalize import _norm_account, _norm_tax_id
from services.matching.references import _extract_references, _Ref

# --- matching --------------------------------------------------------------------------------


def match_payments(
    payments: Iterable[IncomingPayment], invoices: Iterable[OpenInvoice]
) -> list[MatchResult]:
    """One result per payment, in order; see the `services.matching` docstring for the rules.

    Sequential: what an ``auto`` result allocates is no longer open for the next payments.
    Indexes are built once (O(invoices)); each payment then costs a few dict look-ups plus a
    regex pass over its purpose, so 10,000 x 10,000 runs in a fraction of a second.
    """
    matcher = _Matcher(_Book(invoices))
    return [matcher.match(payment) for payment in payments]


def confirmed_account_to_remember(
    result: MatchResult, payment: IncomingPayment
) -> tuple[int, str] | None:
    """``(company_id, payer account)`` to add to the client's confirmed accounts, or None.

    Only an ``auto`` match made by invoice number or by tax id proves whose account this is
    (a match *by* account proves nothing new; review and unmatched prove nothing). The account
    is returned normalised (no spaces, upper case); the caller skips it if already confirmed.
    """
    if result.decision != "auto" or result.rule not in ("number", "tax_id"):
        return None
    account = _norm_account(payment.payer_account)
    if not account or result.company_id is None:
        return None
    return result.company_id, account


class _Matcher:
    def __init__(self, book: _Book) -> None:
        self.book = book

    def match(self, payment: IncomingPayment) -> MatchResult:
        if payment.amount_minor <= 0:
            return MatchResult(payment.key, "unmatched", [], [], "not_positive")
        tax_id = _norm_tax_id(payment.payer_tax_id)
        account = _norm_account(payment.payer_account)
        for rule in (self._by_number, self._by_tax_id, self._by_account, self._by_amount):
            result = rule(payment, tax_id, account)
            if result is not None:
                return result
        return self._unmatched(payment, tax_id, account)

    # -- helpers

    def _result(
        self,
        payment: IncomingPayment,
        decision: Decision,
        reason: str,
        rule: MatchRule,
        candidates: list[Candidate],
        *,
        allocations: Sequence[Allocation] = (),
        overpayment: int = 0,
        company_id: int | None = None,
        derive_company: bool = True,
    ) -> MatchResult:
        """Build the result and take its allocations off the book. Unless told otherwise the
        company is the candidates' one when they all belong to a single company."""
        if company_id is None and derive_company:
            companies = {self.book.invoices[c.invoice_id].company_id for c in candidates}
            company_id = companies.pop() if len(companies) == 1 else None
        for allocation in allocations:
            self.book.allocate(allocation.invoice_id, allocation.amount_minor)
        return MatchResult(
            payment.key,
            decision,
            list(allocations),
            candidates,
            reason,
            overpayment,
            company_id,
            rule,
        )

    def _sorted(self, ids: Iterable[int], limit: int | None = None) -> list[int]:
        invoices = (self.book.invoices[i] for i in ids)
        if limit is None:
            return [inv.id for inv in sorted(invoices, key=_due_order)]
        return [inv.id for inv in heapq.nsmallest(limit, invoices, key=_due_order)]

    def _auto_exact(
        self, payment: IncomingPayment, invoice_id: int, reason: str, rule: MatchRule, score: int
    ) -> MatchResult:
        return self._result(
            payment,
            "auto",
            reason,
            rule,
            [Candidate(invoice_id, reason, score)],
            allocations=[Allocation(invoice_id, payment.amount_minor)],
        )

    # -- rule 1

    def _narrow(
        self, ids: list[int], payment: IncomingPayment, ref: _Ref, tax_id: str, account: str
    ) -> list[int]:
        """Narrow one reference's invoices; each filter applies only if something survives."""
        book = self.book
        filters: list[Callable[[OpenInvoice], bool]] = [
            lambda inv: inv.currency == payment.currency,
            lambda inv: ref.on is not None and inv.issue_date == ref.on,
            lambda inv: ref.on is not None and inv.year == ref.on.year,
            lambda inv: bool(tax_id) and book.tax_ids[inv.id] == tax_id,
            lambda inv: bool(account) and account in book.accounts[inv.id],
            lambda inv: book.open[inv.id] > 0,
        ]
        for keep in filters:
            if len(ids) == 1:
                break
            narrowed = [i for i in ids if keep(book.invoices[i])]
            if narrowed:
                ids = narrowed
        return ids

    def _by_number(
        self, payment: IncomingPayment, tax_id: str, account: str
    ) -> MatchResult | None:
        book = self.book
        refs = _extract_references(payment.purpose, book.prefixes, book.by_number)
        resolved: _OrderedIds = {}
        ambiguous: _OrderedIds = {}
        for ref in refs:
            ids = book.lookup(ref)
            if len(ids) > 1:
                ids = self._narrow(ids, payment, ref, tax_id, account)
            if len(ids) == 1:
                resolved[ids[0]] = None
            else:
                ambiguous.update(dict.fromkeys(ids))
        for invoice_id in resolved:
            ambiguous.pop(invoice_id, None)
        if not resolved and not ambiguous:
            return None
        found = self._sorted(resolved)
        invoices = [book.invoices[i] for i in found]

        def listed(
            flagged: Callable[[OpenInvoice], bool] | None = None,
            reason: str = "number",
            score: int = SCORE_NUMBER,
        ) -> list[Candidate]:
            """The matched invoices as candidates, the ``flagged`` ones with ``reason``."""
            return [
                Candidate(inv.id, reason, score)
                if flagged is not None and flagged(inv)
                else Candidate(inv.id, "number", SCORE_NUMBER)
                for inv in invoices
            ]

        if ambiguous:
            candidates = listed() + [
                Candidate(i, "number_ambiguous", SCORE_NUMBER_AMBIGUOUS)
                for i in self._sorted(ambiguous)
            ]
            return self._result(payment, "review", "number_ambiguous", "number", candidates)
        if any(inv.currency != payment.currency for inv in invoices):
            candidates = listed(
                lambda inv: inv.currency != payment.currency,
                "number_currency_mismatch",
                SCORE_NUMBER_MISMATCH,
            )
            return self._result(
                payment, "review", "number_currency_mismatch", "number", candidates
            )

        def foreign(inv: OpenInvoice) -> bool:
            return bool(tax_id) and bool(book.tax_ids[inv.id]) and book.tax_ids[inv.id] != tax_id

        if any(foreign(inv) for inv in invoices):
            candidates = listed(foreign, "number_tax_id_mismatch", SCORE_NUMBER_MISMATCH)
            return self._result(payment, "review", "number_tax_id_mismatch", "number", candidates)
        candidates = listed()
        if len({inv.company_id for inv in invoices}) > 1:
            return self._result(
                payment, "review", "number_several_companies", "number", candidates
            )
        company_id = invoices[0].company_id
        still_open = [inv.id for inv in invoices if book.open[inv.id] > 0]
        total_open = sum(book.open[i] for i in still_open)
        amount = payment.amount_minor
        if amount < total_open and len(still_open) > 1:
            return self._result(payment, "review", "number_partial_several", "number", candidates)
        if amount < total_open:
            allocations = [Allocation(still_open[0], amount)]
            reason = "number_partial"
        else:
            allocations = [Allocation(i, book.open[i]) for i in still_open]
            reason = "number_exact" if amount == total_open else "number_overpayment"
        return self._result(
            payment,
            "auto",
            reason,
            "number",
            candidates,
            allocations=allocations,
            overpayment=max(amount - total_open, 0),
            company_id=company_id,
        )

    # -- rules 2 and 3

    def _by_tax_id(
        self, payment: IncomingPayment, tax_id: str, account: str
    ) -> MatchResult | None:
        if not tax_id:
            return None
        ids = self.book.by_tax_amount.get((tax_id, payment.currency, payment.amount_minor))
        if not ids:
            return None
        if len(ids) == 1:
            return self._auto_exact(
                payment, next(iter(ids)), "tax_id_amount", "tax_id", SCORE_TAX_ID_AMOUNT
            )
        candidates = [
            Candidate(i, "tax_id_amount", SCORE_TAX_ID_AMOUNT) for i in self._sorted(ids)
        ]
        return self._result(payment, "review", "tax_id_amount_several", "tax_id", candidates)

    def _by_account(
        self, payment: IncomingPayment, tax_id: str, account: str
    ) -> MatchResult | None:
        if not account:
            return None
        book = self.book
        ids = book.by_account_amount.get((account, payment.currency, payment.amount_minor))
        if not ids:
            return None
        foreign = [i for i in ids if tax_id and book.tax_ids[i] and book.tax_ids[i] != tax_id]
        if foreign:
            candidates = [
                Candidate(i, "account_tax_id_mismatch", SCORE_NUMBER_MISMATCH)
                for i in self._sorted(ids)
            ]
            return self._result(
                payment, "review", "account_tax_id_mismatch", "account", candidates
            )
        if len(ids) == 1:
            return self._auto_exact(
                payment, next(iter(ids)), "account_amount", "account", SCORE_ACCOUNT_AMOUNT
            )
        candidates = [
            Candidate(i, "account_amount", SCORE_ACCOUNT_AMOUNT) for i in self._sorted(ids)
        ]
        return self._result(payment, "review", "account_amount_several", "account", candidates)

    # -- rules 4 and 5

    def _by_amount(
        self, payment: IncomingPayment, tax_id: str, account: str
    ) -> MatchResult | None:
        ids = self.book.by_amount.get((payment.currency, payment.amount_minor))
        if not ids:
            return None
        day = payment.received_on
        invoices = self.book.invoices
        in_window = [
            i for i in ids if invoices[i].issue_date <= day <= invoices[i].due_date + DUE_GRACE
        ]
        if not in_window:
            return None
        candidates = [
            Candidate(i, "amount_date", SCORE_AMOUNT_DATE)
            for i in self._sorted(in_window, MAX_CANDIDATES)
        ]
        # An amount proves no identity: the company is left for the person to choose.
        return self._result(
            payment, "review", "amount_only", "amount", candidates, derive_company=False
        )

    def _unmatched(self, payment: IncomingPayment, tax_id: str, account: str) -> MatchResult:
        book = self.book
        companies = book.companies_by_tax.get(tax_id, set()) if tax_id else set()
        if not companies and account:
            companies = book.companies_by_account.get(account, set())
        if len(companies) == 1:
            (company_id,) = companies
            ids = book.by_company.get((company_id, payment.currency), {})
            candidates = [
                Candidate(i, "same_company", SCORE_SAME_COMPANY)
                for i in self._sorted(ids, MAX_CANDIDATES)
            ]
            return self._result(
                payment, "unmatched", "no_match", "none", candidates, company_id=company_id
            )
        same_amount = book.by_amount.get((payment.currency, payment.amount_minor), {})
        candidates = [
            Candidate(i, "amount_outside_window", SCORE_AMOUNT_OUTSIDE_WINDOW)
            for i in self._sorted(same_amount, MAX_CANDIDATES)
        ]
        return MatchResult(payment.key, "unmatched", [], candidates, "no_match")
