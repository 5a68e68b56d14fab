"""Matching incoming bank payments to open invoices (pure domain: no I/O, no clock).

``match_payments(payments, invoices)`` returns one ``MatchResult`` per payment, in order. The
batch is processed sequentially against a private working copy of the invoices' open amounts:
whatever an ``auto`` result allocates is taken off before the next payment is looked at, so two
payments for the same invoice in one statement give "paid" then "overpaid" (or "partial" then
"rest"). The caller's ``OpenInvoice`` objects are never changed.

Rules, tried in this order (the first that applies decides):

1. **Invoice number in the purpose.** References are read tolerantly (see "Reading numbers" in
   `services.matching.references`). Each reference is looked up among the given invoices; a
   reference that matches several invoices (same number in two series or years) is narrowed by the
   payment's currency, by the date written after it ("от 01.11.2026"), by the payer's tax id, by
   the payer's confirmed account and by "still has something open"; if several remain it is
   *ambiguous*.
   Then:

   * any ambiguous reference -> ``review`` (``number_ambiguous``);
   * a matched invoice in another currency -> ``review`` (``number_currency_mismatch``);
   * the payer's tax id is known and differs from a matched invoice's company tax id
     -> ``review`` (``number_tax_id_mismatch``): someone else paying is possible, but a person
     confirms it;
   * the matched invoices belong to several companies -> ``review``
     (``number_several_companies``);
   * payment == sum of open amounts -> ``auto``, each invoice allocated fully (``number_exact``);
   * payment > sum -> ``auto``, each invoice allocated fully, the rest is ``overpayment_minor``
     (the client's credit; ``number_overpayment``). An invoice already settled earlier in the
     same batch has 0 open, so a repeated payment becomes a credit;
   * payment < open amount of the single matched invoice -> ``auto`` partial allocation
     (``number_partial``);
   * payment < sum with *several* invoices still open -> ``review``
     (``number_partial_several``), candidates in the order oldest-due-first allocation would
     use. Decision: not auto, because a client who names two invoices and pays less than both is
     usually withholding a disputed invoice, a discount or a bank fee; guessing "oldest first"
     would mark the wrong invoice paid and stop/start reminders on the wrong one.

2. **Payer tax id + exact amount.** The payer's tax id equals an invoice company's tax id and
   the amount equals the open amount of exactly one open invoice of that tax id (same currency)
   -> ``auto`` (``tax_id_amount``). Several such invoices -> ``review``
   (``tax_id_amount_several``) with those candidates. Keyed by tax id, not company: branches
   sharing one INN with equal open amounts therefore go to review too.

3. **Confirmed payer account + exact amount.** The payer's account is in an invoice's
   ``confirmed_accounts`` and the amount equals exactly one such open amount -> ``auto``
   (``account_amount``); several -> ``review`` (``account_amount_several``). If the payer's tax
   id is known and differs from that company's -> ``review`` (``account_tax_id_mismatch``).

4. **Amount + date window only.** The amount equals an open amount (same currency) and
   ``issue_date <= received_on <= due_date + 30 days`` -> ``review`` (``amount_only``), never
   ``auto``, candidates listed (oldest due first, at most ``MAX_CANDIDATES``). Equal amounts for
   two different clients therefore never auto-match.

5. **Otherwise** ``unmatched`` (``no_match``). Candidates are a hint only: the open invoices of
   the one company the payer's tax id or account points to (``company_id`` is then set), else
   invoices with the same amount outside the date window; possibly none.

A payment with a non-positive amount is ``unmatched`` (``not_positive``). Currency must always
match: an amount in another currency is never compared. ``allocations`` are non-empty only for
``auto`` results, never exceed an invoice's open amount, and with ``overpayment_minor`` add up to
the payment exactly.

The package: `model` (the data, decisions, scores), `normalize` (text, accounts, tax ids),
`references` (invoice numbers read from a purpose), `book` (the batch's open amounts and
indexes), `matcher` (`match_payments` and the rules), `wire` (invoices and results as compact
rows for the trip between a worker process and the event loop).
"""

from services.matching.matcher import (
    confirmed_account_to_remember,
    match_payments,
)
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
from services.matching.wire import InvoiceRow, Matched, match_rows, open_invoice, unmatched

__all__ = [
    "DUE_GRACE",
    "MAX_CANDIDATES",
    "SCORE_ACCOUNT_AMOUNT",
    "SCORE_AMOUNT_DATE",
    "SCORE_AMOUNT_OUTSIDE_WINDOW",
    "SCORE_NUMBER",
    "SCORE_NUMBER_AMBIGUOUS",
    "SCORE_NUMBER_MISMATCH",
    "SCORE_SAME_COMPANY",
    "SCORE_TAX_ID_AMOUNT",
    "Allocation",
    "Candidate",
    "Decision",
    "IncomingPayment",
    "InvoiceRow",
    "MatchResult",
    "MatchRule",
    "Matched",
    "OpenInvoice",
    "confirmed_account_to_remember",
    "match_payments",
    "match_rows",
    "open_invoice",
    "unmatched",
]
