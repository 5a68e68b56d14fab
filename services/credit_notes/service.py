"""Issuing credit notes against invoices, and reading them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.alerts import replan_invoice
from services.clock import Clock
from services.credit_notes.model import (
    CREDITABLE,
    REASON_MAX,
    CreditLine,
    CreditNote,
    CreditState,
    credit_line,
    total_of,
    whole,
)
from services.credit_notes.ports import CreditNoteUow
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices.model import OPEN_STATUSES
from services.kernel import UowFactory
from services.money import from_minor, open_minor
from services.numbering import assign_number
from services.organizations import Organization
from services.users import Actor

#: Credit note number prefixes by the organization's language (the pattern is the invoices').
PREFIXES: Mapping[str, str] = {"ru": "КН", "ro": "NC"}
DEFAULT_PREFIX = "CN"


def credit_prefix(org: Organization) -> str:
    return PREFIXES.get(org.language, DEFAULT_PREFIX)


def clean_reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise InvalidInput("reason_empty", field="junk_reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput("too_long", field="junk_reason", limit=REASON_MAX)
    return reason


class CreditNoteService:
    def __init__(self, uow: UowFactory[CreditNoteUow], clock: Clock,
                 timezone: str = "UTC") -> None:
        self._uow = uow
        self._clock = clock
        self._tz = ZoneInfo(timezone)

    def today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    async def state(self, actor: Actor, invoice_id: int) -> CreditState:
        """What may still be credited on the actor's invoice (another manager's: NotFound);
        Conflict when the invoice takes no credit note (a draft, cancelled, fully credited)."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            return await self._state(uow, actor, invoice_id)

    async def _state(self, uow: CreditNoteUow, actor: Actor, invoice_id: int,
                     lock: bool = False) -> CreditState:
        inv = await uow.credit_notes.invoice_money(invoice_id, actor.owner_scope(), lock=lock)
        if inv is None:
            raise NotFound(entity="invoice", id=invoice_id)
        if inv.status not in CREDITABLE:
            raise Conflict("not_creditable", status=inv.status)
        state = CreditState(inv.id, inv.number_text, inv.currency, inv.status, inv.total_minor,
                            inv.paid_minor, inv.credited_minor,
                            tuple(await uow.credit_notes.invoice_lines(inv.id)))
        if state.creditable_minor <= 0:
            raise Conflict("fully_credited")
        return state

    async def issue(self, actor: Actor, invoice_id: int,
                    quantities: Mapping[int, Decimal] | None, reason: str) -> CreditNote:
        """A credit note for `quantities` (invoice line id → quantity; None: everything still
        creditable), numbered in the organization's gapless "credit_note" series. The
        invoice's credited amount grows by its total; an invoice owing nothing more is
        settled ("paid") and its reminders stop. Bad input changes nothing."""
        if not actor.is_staff:
            raise Forbidden()
        reason = clean_reason(reason)
        async with self._uow() as uow:
            state = await self._state(uow, actor, invoice_id, lock=True)
            inv = await uow.credit_notes.invoice_money(invoice_id, None)
            assert inv is not None
            wanted = whole(state) if quantities is None else dict(quantities)
            lines = self._lines(state, wanted)
            total = total_of(lines)
            if total <= 0:
                raise InvalidInput("credit_empty", field="quantity")
            if total > state.creditable_minor:
                raise InvalidInput("credit_over_invoice", field="amount",
                                   left=from_minor(state.creditable_minor, state.currency),
                                   currency=state.currency)
            org = await uow.organizations.get(inv.organization_id)
            if org is None:
                raise NotFound(entity="organization", id=inv.organization_id)
            credited = inv.credited_minor + total
            status, stamp = inv.status, False
            if open_minor(inv.total_minor, inv.paid_minor, credited) == 0 \
                    and inv.status in OPEN_STATUSES:
                status, stamp = "paid", True  # nothing more is owed: settled by credit
            today = self.today()
            net = sum(x.net_minor for x in lines)
            vat = sum(x.vat_minor for x in lines)
            # The number last: the series row stays locked from here to the commit.
            number = await assign_number(uow, org.id, "credit_note", today.year,
                                         credit_prefix(org), org.number_pattern)
            note_id = await uow.credit_notes.add({
                "invoice_id": inv.id, "organization_id": inv.organization_id,
                "owner_id": inv.owner_id, "company_id": inv.company_id,
                "series_id": number.series_id, "number": number.number,
                "number_text": number.text, "issue_date": today, "reason": reason,
                "currency": inv.currency, "subtotal_minor": net, "vat_minor": vat,
                "total_minor": total, "refunded_minor": 0, "status": "issued",
                "created_by": actor.id, "created_at": self._clock.now()}, lines)
            if not await uow.credit_notes.set_credited(
                    inv.id, credited, status, inv.status, self._clock.now() if stamp else None):
                raise Conflict("bad_transition", current=inv.status, target=status)
            await uow.audit.add(actor.id, "credit_note.issue", "credit_note", note_id, {
                "number": number.text, "invoice_id": inv.id, "invoice": inv.number_text,
                "amount": str(from_minor(total, inv.currency)), "currency": inv.currency,
                "reason": reason,
                "lines": [{"line_id": x.source_line_id, "quantity": str(x.quantity)}
                          for x in lines]}, company_id=inv.company_id, deal_id=inv.deal_id)
            if status != inv.status:
                await replan_invoice(uow, inv.id, self._clock.now())
            note = await uow.credit_notes.get(note_id, None)
            await uow.commit()
        assert note is not None
        return note

    @staticmethod
    def _lines(state: CreditState, wanted: Mapping[int, Decimal]) -> list[CreditLine]:
        out: list[CreditLine] = []
        for line_id, quantity in sorted(wanted.items(),
                                        key=lambda kv: getattr(state.line(kv[0]),
                                                               "position", 0)):
            line = state.line(line_id)
            if line is None:
                raise NotFound(entity="line", id=line_id)
            if quantity <= 0:
                continue
            if quantity > line.quantity_left:
                raise InvalidInput("credit_quantity_over", field="quantity",
                                   line=line.position, left=line.quantity_left)
            out.append(credit_line(line, quantity, len(out) + 1, state.currency))
        if not out:
            raise InvalidInput("credit_empty", field="quantity")
        return out

    async def get(self, actor: Actor, credit_note_id: int) -> CreditNote:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            note = await uow.credit_notes.get(credit_note_id, actor.owner_scope())
        if note is None:
            raise NotFound(entity="credit_note", id=credit_note_id)
        return note

    async def for_invoice(self, actor: Actor, invoice_id: int) -> list[CreditNote]:
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow(readonly=True) as uow:
            inv = await uow.credit_notes.invoice_money(invoice_id, actor.owner_scope())
            if inv is None:
                raise NotFound(entity="invoice", id=invoice_id)
            return await uow.credit_notes.for_invoice(invoice_id)
