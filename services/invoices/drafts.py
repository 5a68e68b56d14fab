"""Invoice drafts: the invoice service's base (its repository and organization), a new draft for
a client or a deal, the due date."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.catalog import BASE_LIST
from services.clock import Clock
from services.deals import DealService
from services.errors import Conflict, Forbidden, InvalidInput, NotFound
from services.invoices.editor import DocumentEditor
from services.invoices.model import Invoice, S
from services.invoices.parsing import clean_currency
from services.invoices.ports import DocumentRepository, EditorUnitOfWork, InvoiceUnitOfWork
from services.kernel import UowFactory
from services.organizations import DEFAULT_LANGUAGE, Organization
from services.users import Actor

# --- invoices -------------------------------------------------------------------------------


class InvoiceDrafts(DocumentEditor[Invoice, InvoiceUnitOfWork]):
    """The base of `InvoiceService`: what every invoice use case shares."""

    kind = "invoice"

    def __init__(self, uow: UowFactory[InvoiceUnitOfWork], clock: Clock, timezone: str = "UTC",
                 payment_terms_days: int = 5, deals: DealService | None = None) -> None:
        super().__init__(uow, clock, timezone)
        self.payment_terms_days = payment_terms_days
        # Moves an issued invoice's deal to its pipeline's on_invoice_issued stage.
        self.deals = deals

    def _repo(self, uow: InvoiceUnitOfWork) -> DocumentRepository[Invoice]:
        return uow.invoices

    async def _organization(self, uow: EditorUnitOfWork, organization_id: int | None
                            ) -> Organization:
        org = (await uow.organizations.get(organization_id) if organization_id
               else await uow.organizations.first())
        if org is None:
            raise Conflict("no_organization")
        return org

    async def create_draft(self, actor: Actor, company_id: int | None,
                           deal_id: int | None = None, organization_id: int | None = None,
                           currency: str | None = None) -> Invoice:
        """An empty draft for a client of the actor (or of a deal of theirs), in the
        organization's currency and tax mode unless told otherwise."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            doc_id = await self._create_in(uow, actor, company_id, deal_id, organization_id,
                                           currency)
            doc = await uow.invoices.get(doc_id, None)
            await uow.commit()
        assert doc is not None
        return doc

    async def create_for_deal(self, actor: Actor, deal_id: int) -> Invoice:
        """The "Invoice" button of a deal card: a draft for the deal's company."""
        if not actor.is_staff:
            raise Forbidden()
        async with self._uow() as uow:
            deal = await uow.deals.get(deal_id, actor.owner_scope())
            if deal is None:
                raise NotFound(entity="deal", id=deal_id)
            doc_id = await self._create_in(uow, actor, deal.company_id, deal.id, None,
                                           deal.currency)
            doc = await uow.invoices.get(doc_id, None)
            await uow.commit()
        assert doc is not None
        return doc

    async def _create_in(self, uow: InvoiceUnitOfWork, actor: Actor, company_id: int | None,
                         deal_id: int | None, organization_id: int | None,
                         currency: str | None, **extra: Any) -> int:
        if company_id is not None and await uow.companies.get(
                company_id, actor.owner_scope()) is None:
            raise NotFound(entity="company", id=company_id)
        org = await self._organization(uow, organization_id)
        code = clean_currency(currency) if currency else org.currency
        if "price_list" not in extra:  # the client's price list is the default
            extra["price_list"] = (await uow.products.company_price_list(company_id)
                                   if company_id is not None else None) or BASE_LIST
        acc = org.default_account
        fields: dict[str, Any] = {
            "owner_id": actor.id, "organization_id": org.id,
            "bank_account_id": acc.id if acc else None, "company_id": company_id,
            "deal_id": deal_id, "currency": code, "tax_mode": org.default_tax_mode,
            "language": org.language or DEFAULT_LANGUAGE.get(org.country, "ru"),
            "status": S.DRAFT, "created_at": self._clock.now(), **extra}
        doc_id = await uow.invoices.add(fields)
        await uow.audit.add(actor.id, "invoice.create", "invoice", doc_id)
        return doc_id

    async def set_due_date(self, actor: Actor, invoice_id: int, due: date | None) -> Invoice:
        if due is not None and due < self.today():
            raise InvalidInput("due_in_past", field="due_date")
        return await self._edit(actor, invoice_id, lambda d, _: (d.lines, {"due_date": due}))

