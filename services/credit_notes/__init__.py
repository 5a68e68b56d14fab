"""Credit notes: corrections reducing what an issued invoice asks for.

Invariants:
- a credit note is issued against an issued, not cancelled invoice (a paid one too: the client
  then has money to get back, a refund — `services.payments.refunds`), for the whole of what
  is left or for chosen lines and quantities;
- a line is never credited beyond its invoiced quantity less what earlier credit notes took,
  and a credit note never exceeds the invoice total less the earlier credit notes; the
  amounts are the invoice line's (net and VAT, document discount share included) in
  proportion, rounded HALF_UP per line like the invoice, the last part of a line taking
  exactly what is left — integers, never floats;
- numbers come from the organization's gapless series of kind "credit_note", assigned in the
  issuing transaction (`services.numbering`); the invoice's pattern, prefix "КН" (ru), "NC"
  (ro), else "CN";
- issuing adds the total to the invoice's `credited_minor`: what the client owes is
  `services.money.open_minor(total, paid, credited)` everywhere; an open invoice that owes
  nothing more becomes "paid" (settled by credit: every status switch already handles it)
  and its reminders stop;
- bad input changes nothing; another manager's invoice or credit note is NotFound;
- audited "credit_note.issue" with the client and the deal.
"""

from __future__ import annotations

from services.credit_notes.model import (
    CREDITABLE,
    CreditLine,
    CreditNote,
    CreditNoteStatus,
    CreditState,
    InvoiceLineLeft,
    credit_line,
)
from services.credit_notes.ports import CreditNoteRepository, CreditNoteUow
from services.credit_notes.service import CreditNoteService, clean_reason, credit_prefix

__all__ = [
    "CREDITABLE",
    "CreditLine",
    "CreditNote",
    "CreditNoteRepository",
    "CreditNoteService",
    "CreditNoteStatus",
    "CreditNoteUow",
    "CreditState",
    "InvoiceLineLeft",
    "clean_reason",
    "credit_line",
    "credit_prefix",
]
