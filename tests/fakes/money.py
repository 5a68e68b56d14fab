"""Money in memory: payments and their allocations to invoices, what settlement reads of
shipments and installments, and the invoice side of reminders; each method does what its SQL
twin in storage/ does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from services.alerts import InvoiceTarget
from services.payments import (
    PENDING,
    InvoiceMoney,
    InvoicePaidUpdate,
    InvoiceParty,
    MatchNote,
    NewPaymentRow,
    Payment,
    payment_values,
)
from services.reminders import InstallmentForReminders
from services.shipments import InstallmentRow

if TYPE_CHECKING:
    from tests.fakes.outbox import FakeOutbox
    from tests.fakes.store import State

MATCH_ACTION = "payment.match"


class FakePaymentRepository:
    """Payments keyed once by (source, external_id); an invoice's money as the columns hold
    it. What bank statements need (statements, accounts, the matcher's open invoices) is not
    here: the unit tests of statement import run on SQLite."""

    def __init__(self, state: State) -> None:
        self._t = state

    def _allocated(self, payment_id: int) -> int:
        return sum(a["amount_minor"] for a in self._t.allocations
                   if a["payment_id"] == payment_id and a["reversed_at"] is None)

    def _payment(self, row: dict[str, Any]) -> Payment:
        return Payment(id=row["id"], source=row["source"], external_id=row["external_id"],
                       organization_id=row["organization_id"], company_id=row["company_id"],
                       amount_minor=row["amount_minor"],
                       allocated_minor=self._allocated(row["id"]), currency=row["currency"],
                       received_on=row["received_on"], payer_name=row["payer_name"] or "",
                       purpose=row["purpose"] or "", doc_number=row["doc_number"] or "",
                       status=row["status"], created_by=row["created_by"],
                       statement_id=row["statement_id"])

    def _ordered(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: (r["received_on"], r["id"]))

    async def get(self, payment_id: int, lock: bool = False) -> Payment | None:
        row = self._t.payments.get(payment_id)
        return self._payment(row) if row else None

    async def by_external(self, source: str, external_id: str) -> Payment | None:
        row = next((r for r in self._t.payments.values()
                    if (r["source"], r["external_id"]) == (source, external_id)), None)
        return self._payment(row) if row else None

    async def insert_payment(self, row: NewPaymentRow) -> int | None:
        if await self.by_external(row.source, row.external_id) is not None:
            return None
        values = {**payment_values(row), "id": self._t.next_id("payments"),
                  "reversed_at": None}
        self._t.payments[values["id"]] = values
        return int(values["id"])

    async def insert_payments(self, rows: Sequence[NewPaymentRow]) -> dict[str, int]:
        ids: dict[str, int] = {}
        for row in rows:
            new = await self.insert_payment(row)
            if new is not None:
                ids[row.external_id] = new
        return ids

    async def existing_keys(self, source: str, keys: Sequence[str]) -> set[str]:
        wanted = set(keys)
        return {r["external_id"] for r in self._t.payments.values()
                if r["source"] == source and r["external_id"] in wanted}

    async def set_status(self, payment_id: int, status: str, *, company_id: int | None = None,
                         reversed_at: datetime | None = None,
                         expect: Iterable[str] | None = None) -> bool:
        row = self._t.payments.get(payment_id)
        if row is None:
            return False
        if expect is not None and row["status"] not in {str(s) for s in expect}:
            return False
        row["status"] = str(status)
        if company_id is not None:
            row["company_id"] = company_id
        if reversed_at is not None:
            row["reversed_at"] = reversed_at
        return True

    async def credits(self, company_id: int, currency: str, lock: bool = False
                      ) -> list[Payment]:
        rows = self._ordered(r for r in self._t.payments.values()
                             if r["company_id"] == company_id and r["currency"] == currency
                             and r["status"] == "credit")
        return [p for p in map(self._payment, rows) if p.unallocated_minor > 0]

    async def pending(self, limit: int) -> list[Payment]:
        rows = self._ordered(r for r in self._t.payments.values()
                             if r["status"] in {str(s) for s in PENDING})
        return [self._payment(r) for r in rows[:limit]]

    async def add_allocations(self, rows: Sequence[tuple[int, int, int]],
                              actor_id: int | None, now: datetime) -> None:
        for payment_id, invoice_id, amount in rows:
            if payment_id not in self._t.payments or invoice_id not in self._t.invoices:
                raise self._t.integrity("payment_allocations FOREIGN KEY")
            self._t.allocations.append({
                "id": self._t.next_id("allocations"), "payment_id": payment_id,
                "invoice_id": invoice_id, "amount_minor": amount, "created_by": actor_id,
                "created_at": now, "reversed_at": None})

    async def allocations(self, payment_id: int) -> list[tuple[int, int]]:
        return [(a["invoice_id"], a["amount_minor"]) for a in self._t.allocations
                if a["payment_id"] == payment_id and a["reversed_at"] is None
                and a["invoice_id"] is not None]

    async def invoice_payments(self, invoice_id: int) -> list[tuple[Payment, int]]:
        on_invoice: dict[int, int] = {}
        for a in self._t.allocations:
            if a["invoice_id"] == invoice_id and a["reversed_at"] is None:
                on_invoice[a["payment_id"]] = on_invoice.get(a["payment_id"], 0) + a[
                    "amount_minor"]
        rows = self._ordered(self._t.payments[i] for i in on_invoice)
        return [(self._payment(r), on_invoice[r["id"]]) for r in rows]

    async def bank_payments(self, organization_ids: Sequence[int], start: date, end: date,
                            manual: bool) -> list[Payment]:
        def wanted(r: dict[str, Any]) -> bool:
            typed = r["external_id"].startswith("m:")
            return (r["source"] == "bank" and r["organization_id"] in organization_ids
                    and start <= r["received_on"] <= end and r["status"] != "reversed"
                    and ((typed and r["statement_id"] is None) if manual else not typed))

        return [self._payment(r) for r in self._ordered(filter(wanted,
                                                                self._t.payments.values()))]

    async def company_tax_ids(self, company_ids: Sequence[int]) -> dict[int, str]:
        return {i: c["tax_id"] for i, c in self._t.companies.items()
                if i in company_ids and c["tax_id"]}

    async def confirm_manual(self, pairs: Sequence[tuple[int, int]]) -> None:
        for manual_id, statement_id in pairs:
            if manual_id in self._t.payments:
                self._t.payments[manual_id]["statement_id"] = statement_id

    async def reverse_allocations(self, payment_id: int, now: datetime) -> None:
        for a in self._t.allocations:
            if a["payment_id"] == payment_id and a["reversed_at"] is None:
                a["reversed_at"] = now

    async def allocated_to_invoice(self, invoice_id: int) -> int:
        return sum(a["amount_minor"] for a in self._t.allocations
                   if a["invoice_id"] == invoice_id and a["reversed_at"] is None)

    @staticmethod
    def _money(r: dict[str, Any]) -> InvoiceMoney:
        return InvoiceMoney(id=r["id"], owner_id=r["owner_id"],
                            organization_id=r["organization_id"], company_id=r["company_id"],
                            deal_id=r["deal_id"], number_text=r["number_text"] or f"#{r['id']}",
                            currency=r["currency"], total_minor=r["total_minor"],
                            paid_minor=r["paid_minor"], status=r["status"],
                            due_date=r["due_date"], sent=r["sent_at"] is not None,
                            viewed=r["viewed_at"] is not None)

    async def invoice_money(self, invoice_id: int, owner_id: int | None,
                            lock: bool = False) -> InvoiceMoney | None:
        row = self._t.invoices.get(invoice_id)
        if row is None or (owner_id is not None and row["owner_id"] != owner_id):
            return None
        return self._money(row)

    async def lock_invoices(self, ids: Sequence[int]) -> list[InvoiceMoney]:
        return [self._money(self._t.invoices[i]) for i in sorted(set(ids))
                if i in self._t.invoices]

    async def set_invoices_paid(self, updates: Sequence[InvoicePaidUpdate]) -> None:
        for u in updates:
            row = self._t.invoices.get(u.invoice_id)
            if row is not None:
                row.update(paid_minor=u.paid_minor, status=u.status, paid_at=u.paid_at)

    async def invoice_by_number(self, number_text: str, owner_id: int | None) -> int | None:
        key = number_text.strip().upper()
        ids = [r["id"] for r in self._t.invoices.values()
               if (r["number_text"] or "").upper() == key
               and (owner_id is None or r["owner_id"] == owner_id)]
        return max(ids) if ids else None

    async def owns_any(self, invoice_ids: Sequence[int], owner_id: int) -> bool:
        return any(self._t.invoices[i]["owner_id"] == owner_id
                   for i in invoice_ids if i in self._t.invoices)

    async def invoice_parties(self, ids: Sequence[int]) -> dict[int, InvoiceParty]:
        out: dict[int, InvoiceParty] = {}
        bound = sorted((c for c in self._t.contacts.values()
                        if c["telegram_user_id"] is not None), key=lambda c: c["id"])
        for inv_id in ids:
            inv = self._t.invoices.get(inv_id)
            manager = self._t.users.get(inv["owner_id"]) if inv else None
            if inv is None or manager is None:  # an inner join in SQL
                continue
            chat = next((c for c in bound if c["id"] == inv["contact_id"]), None) \
                if inv["contact_id"] is not None else None
            if chat is None and inv["company_id"] is not None:
                chat = next((c for c in bound if c["company_id"] == inv["company_id"]), None)
            company = self._t.companies.get(inv["company_id"]) if inv["company_id"] else None
            out[inv_id] = InvoiceParty(
                invoice_id=inv_id, number_text=inv["number_text"] or f"#{inv_id}",
                company_name=company["name"] if company else "",
                manager_chat=manager.telegram_id, manager_language=manager.language,
                customer_chat=chat["telegram_user_id"] if chat else None,
                customer_language=(chat["language"] or inv["language"]) if chat else None)
        return out

    async def deal_fully_paid(self, deal_id: int) -> bool:
        statuses = [r["status"] for r in self._t.invoices.values()
                    if r["deal_id"] == deal_id and r["status"] not in ("cancelled", "draft")]
        return bool(statuses) and all(s == "paid" for s in statuses)

    async def add_match_notes(self, notes: Sequence[tuple[int, MatchNote]],
                              actor_id: int | None, now: datetime) -> None:
        for pid, n in notes:
            self._t.audit.append({
                "id": self._t.next_id("audit"), "actor_id": actor_id, "action": MATCH_ACTION,
                "entity": "payment", "entity_id": pid, "at": now,
                "data": {"decision": n.decision, "reason": n.reason,
                         "candidates": list(n.candidates)}})

    async def match_note(self, payment_id: int) -> MatchNote | None:
        entries = [e for e in self._t.audit if e["entity"] == "payment"
                   and e["entity_id"] == payment_id and e["action"] == MATCH_ACTION]
        if not entries:
            return None
        data = max(entries, key=lambda e: e["id"])["data"]
        if not data:
            return None
        return MatchNote(str(data.get("decision", "")), str(data.get("reason", "")),
                         tuple(int(i) for i in data.get("candidates", ())))


class FakeShipmentRepository:
    """What settlement reads and writes: which invoices were shipped, their installments."""

    def __init__(self, state: State) -> None:
        self._t = state

    async def shipped_among(self, invoice_ids: Sequence[int]) -> set[int]:
        return {s["invoice_id"] for s in self._t.shipments.values()
                if s["invoice_id"] in invoice_ids}

    async def add(self, invoice_id: int, kind: str, on_credit: bool,
                  guarantee_until: date | None, actor_id: int | None, now: datetime) -> int:
        new_id = self._t.next_id("shipments")
        self._t.shipments[new_id] = {"id": new_id, "invoice_id": invoice_id, "kind": kind,
                                     "on_credit": on_credit,
                                     "guarantee_until": guarantee_until,
                                     "created_by": actor_id, "created_at": now}
        return new_id

    async def installments(self, invoice_ids: Sequence[int]) -> list[InstallmentRow]:
        rows = sorted((r for r in self._t.installments.values()
                       if r["invoice_id"] in invoice_ids),
                      key=lambda r: (r["invoice_id"], r["due_date"], r["id"]))
        return [InstallmentRow(r["id"], r["invoice_id"], r["due_date"], r["amount_minor"],
                               r["paid_minor"], r["status"]) for r in rows]

    async def set_installment_paid(self, installment_id: int, paid_minor: int,
                                   status: str) -> None:
        row = self._t.installments.get(installment_id)
        if row is not None:
            row.update(paid_minor=paid_minor, status=status)


class FakeAlertRepository:
    """The invoice side of reminders (what `services.alerts.replan_invoice` reads and
    writes); the staff alerts and watermarks are not here."""

    def __init__(self, state: State, outbox: FakeOutbox) -> None:
        self._t = state
        self._outbox = outbox

    def _bound_contact(self, inv: dict[str, Any]) -> dict[str, Any] | None:
        if inv["contact_id"] is not None and inv["contact_id"] in self._t.contacts:
            return self._t.contacts[inv["contact_id"]]
        if inv["company_id"] is None:
            return None
        mine = sorted((c for c in self._t.contacts.values()
                       if c["company_id"] == inv["company_id"]),
                      key=lambda c: (c["telegram_user_id"] is None, c["email"] is None,
                                     c["id"]))
        return mine[0] if mine else None

    async def invoice_target(self, invoice_id: int) -> InvoiceTarget | None:
        inv = self._t.invoices.get(invoice_id)
        if inv is None:
            return None
        org = self._t.organizations.get(inv["organization_id"])
        company = self._t.companies.get(inv["company_id"]) if inv["company_id"] else None
        contact = self._bound_contact(inv)
        chat_id = contact["telegram_user_id"] if contact else None
        dead = chat_id is not None and chat_id in self._t.dead_chats
        installments = sorted((r for r in self._t.installments.values()
                               if r["invoice_id"] == invoice_id), key=lambda r: r["due_date"])
        return InvoiceTarget(
            invoice_id=inv["id"], owner_id=inv["owner_id"], status=inv["status"],
            due_date=inv["due_date"], number=str(inv["number_text"] or f"#{inv['id']}"),
            currency=inv["currency"], total_minor=inv["total_minor"],
            paid_minor=inv["paid_minor"], credited_minor=int(inv.get("credited_minor") or 0),
            reminders_paused=bool(inv["reminders_paused"]),
            reminders_stopped=bool(inv["reminders_stopped"]),
            ladder=None, country=org.country if org else None, chat_id=chat_id,
            chat_dead=dead,
            email=(contact["email"] if contact and contact["email"]
                   else company["email"] if company else None),
            timezone=(contact["timezone"] if contact and contact["timezone"]
                      else company["timezone"] if company else None),
            language=(contact["language"] if contact and contact["language"]
                      else inv["language"]),
            company_name=company["name"] if company else "",
            company_id=inv["company_id"],
            installments=tuple(InstallmentForReminders(r["id"], r["due_date"], r["status"])
                               for r in installments))

    async def set_invoice_flags(self, invoice_id: int, **flags: bool) -> None:
        row = self._t.invoices.get(invoice_id)
        if row is not None:
            row.update({k: bool(v) for k, v in flags.items()
                        if k in ("reminders_paused", "reminders_stopped")})

    async def revive(self, keys: Sequence[str], now: datetime) -> int:
        return self._outbox.revive(keys)
