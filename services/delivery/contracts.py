"""Contracts drawn from a deal (issue 19): the deal's lines, both parties' requisites and the
term the manager typed, printed from the organization's template for the contract's language
(else the shipped one) and numbered in the contract's own gapless series.

* The lines are the deal's newest invoice's (a cancelled one aside), else its newest quote's,
  else the deal's amount as one line at the organization's standard VAT rate, prices
  including VAT (what the client was told).
* The seller is the organization of that invoice or quote (else the first one) with its
  requisites and signatories of today; the buyer is the client's card. Both are checked
  first (`missing_requisite("contract", ...)`): a refusal takes no number.
* The number (series "contract" per organization and year, `CONTRACT_PATTERN`) is taken in
  the write transaction that stores the contract, its `issued_documents` row and its PDF.
  The PDF is rendered before that transaction (never inside one) with the number the series
  will give next; when another contract took it meanwhile, the transaction is rolled back and
  the PDF rendered again with the next one (as the act's, `services.delivery.printing`).
* The stored PDF is the contract as signed: sending or reprinting it later sends those bytes
  (`RenderingMixin._read_pdf`), whatever the template or the requisites became since.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final

from services.contracts import CONTRACT_PATTERN, Contract, ContractTerms, check_period
from services.deals import Deal
from services.delivery.model import DocHeader, PdfFile
from services.delivery.printing import TRANSFER_ATTEMPTS, with_signatories
from services.delivery.rendering import (
    Reading,
    RenderingMixin,
    layout_for,
    pdf_filename,
    template_key,
    view_hash,
)
from services.documents import (
    LANGUAGES,
    DocumentView,
    PartyView,
    as_contract,
    build_invoice_view,
    missing_requisite,
)
from services.errors import Conflict, InvalidInput, NotFound
from services.invoices import Party, seller_party
from services.money import from_minor, to_minor
from services.numbering import assign_number, format_number
from services.organizations import DEFAULT_LANGUAGE, Organization
from services.pricing import NO_VAT, LineInput, PricingError, TaxMode, VatRate, default_vat
from services.users import User

if TYPE_CHECKING:
    from services.delivery.ports import DeliveryUnitOfWork as UnitOfWork

#: The contract's series in `number_series` and `issued_documents`.
CONTRACT_KIND: Final = "contract"


@dataclass(frozen=True, slots=True)
class ContractSubject:
    """What a contract is drawn from: the lines of the deal's invoice or quote ("invoice",
    "quote", with its number) or the deal's amount ("deal")."""

    source: str
    source_number: str
    organization_id: int
    lines: tuple[LineInput, ...]
    units: tuple[str, ...]
    supplies: tuple[str, ...]
    currency: str
    tax_mode: TaxMode
    discount_percent: Decimal | None = None
    discount_amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ContractPlan:
    """What `/contract` tells before asking the term: the deal, its client, where the lines
    come from, the price with VAT and the language the client reads (the default)."""

    deal_id: int
    deal_title: str
    client_name: str
    source: str  # invoice | quote | deal
    source_number: str
    total: Decimal
    currency: str
    language: str


@dataclass(frozen=True, slots=True)
class IssuedContract:
    contract: Contract
    pdf: PdfFile


@dataclass(frozen=True, slots=True)
class _Drawn:
    """A contract read and viewed, not numbered yet."""

    reading: Reading
    deal: Deal
    expected: int  # the number its series will give next
    day: date
    total: Decimal


@dataclass(frozen=True, slots=True)
class _Parties:
    """A deal's contract as checked: what it sells, the seller's organization, both parties
    and the payment terms (days: the client's own, else the organization's)."""

    deal: Deal
    subject: ContractSubject
    org: Organization
    seller: Party
    buyer: Party
    payment_days: int


class ContractsMixin(RenderingMixin):
    """A contract drawn from a deal: planned, then issued (numbered, printed, stored)."""

    async def contract_plan(self, actor: User, deal_id: int) -> ContractPlan:
        """The deal's contract as it would be drawn now; the refusals `issue_contract` would
        give (another manager's deal, a deal with no client or nothing to sell, a missing
        requisite) come here first, before the manager types the term."""
        async with self._uow(readonly=True) as uow:
            p = await self._contract_parties(uow, actor, deal_id)
            language = await self._client_language(uow, p.deal, p.org)
        view = self._contract_view(p, language, {})
        return ContractPlan(p.deal.id, p.deal.title, p.buyer.name, p.subject.source,
                            p.subject.source_number, view.grand_total, p.subject.currency,
                            language)

    async def issue_contract(self, actor: User, terms: ContractTerms) -> IssuedContract:
        """Numbers, prints and stores the contract of `terms.deal_id` (see the module's
        invariants); it belongs to the deal's manager and joins `/contracts` and the expiry
        alerts."""
        check_period(terms.starts_on, terms.ends_on)
        if terms.language not in LANGUAGES:
            raise InvalidInput("bad_language", field="language")
        for _ in range(TRANSFER_ATTEMPTS):
            async with self._uow(readonly=True) as uow:
                drawn = await self._read_contract(uow, actor, terms)
                done = (await uow.contracts.by_origin(terms.origin_key)
                        if terms.origin_key else None)
            if done is not None:  # the same button again: the contract it drew
                return IssuedContract(done, await self.pdf(actor, CONTRACT_KIND, done.id))
            made = await self._make(drawn.reading)
            header, deal = drawn.reading.header, drawn.deal
            async with self._uow() as uow:
                taken = await assign_number(uow, header.organization_id, CONTRACT_KIND,
                                            drawn.day.year, "", CONTRACT_PATTERN)
                if taken.number != drawn.expected or (
                        terms.origin_key and await uow.contracts.by_origin(terms.origin_key)):
                    # Another contract came first (or this very action, pressed twice):
                    # rolled back, read again.
                    continue
                contract = await uow.contracts.add_drawn(
                    deal.owner_id, terms, title=deal.title, number=taken.text,
                    company_id=header.company_id or 0, contact_id=deal.contact_id,
                    organization_id=header.organization_id, currency=header.currency,
                    amount_minor=to_minor(drawn.total, header.currency),
                    now=self._clock.now())
                await uow.issued_documents.add(
                    organization_id=header.organization_id, subject_type=CONTRACT_KIND,
                    subject_id=contract.id, kind=CONTRACT_KIND, number=taken,
                    issue_date=drawn.day, created_by=actor.id, now=self._clock.now())
                pdf = await self._keep(uow, replace(made, header=replace(header,
                                                                         id=contract.id)),
                                       actor.id)
                await uow.audit.add(actor.id, "contract.issue", "contract", contract.id,
                                    {"number": taken.text, "deal_id": deal.id,
                                     "document_id": pdf.document_id})
                await uow.commit()
            return IssuedContract(replace(contract, client_name=header.buyer_name), pdf)
        raise Conflict("busy")

    # --- reading --------------------------------------------------------------------------

    async def _contract_parties(self, uow: UnitOfWork, actor: User, deal_id: int
                                ) -> _Parties:
        """The deal (scoped), what it sells, the seller's organization and both parties,
        checked: NotFound for another manager's deal, Conflict for a deal with no client
        or nothing to sell, InvalidInput naming the first missing requisite."""
        if not actor.is_staff:
            raise NotFound(entity="deal", id=deal_id)
        deal = await uow.deals.get(deal_id, actor.owner_scope())
        if deal is None:
            raise NotFound(entity="deal", id=deal_id)
        if deal.company_id is None:
            raise Conflict("contract_without_client")
        subject = await self._contract_subject(uow, actor, deal)
        org = await uow.organizations.get(subject.organization_id)
        if org is None:
            raise Conflict("no_organization")
        seller = with_signatories(seller_party(org), org)
        req = await uow.invoices.company_requisites(deal.company_id)
        buyer = req.as_party() if req is not None else Party(name="")
        missing = missing_requisite("contract", seller, buyer)
        if missing is not None:
            whose, field = missing
            raise InvalidInput(f"missing_{whose}_requisite", field=field)
        days = req.payment_terms_days if req is not None else None
        return _Parties(deal, subject, org, seller, buyer,
                        days if days is not None else org.payment_terms_days)

    async def _contract_subject(self, uow: UnitOfWork, actor: User, deal: Deal
                                ) -> ContractSubject:
        found = await uow.contracts.deal_document(deal.id)
        if found is not None:
            kind, doc_id = found
            doc = (await self._invoices.read_in(uow, actor, doc_id) if kind == "invoice"
                   else await self._quotes.read_in(uow, actor, doc_id))
            if doc.lines:
                mode: Any = doc.tax_mode
                return ContractSubject(
                    kind, doc.number_text or str(doc.id), doc.organization_id,
                    tuple(x.as_input() for x in doc.lines), tuple(x.unit for x in doc.lines),
                    tuple(x.supplied for x in doc.lines), doc.currency, mode,
                    doc.discount_percent, doc.discount_amount)
        org = await uow.organizations.first()
        if org is None:
            raise Conflict("no_organization")
        if deal.amount_minor is None or not deal.currency:
            raise Conflict("contract_without_lines")
        rate: VatRate = NO_VAT
        if org.vat_payer:
            try:
                rate = default_vat(org.country, self._invoices.today())
            except PricingError:  # a country whose rates we do not know: none assumed
                rate = NO_VAT
        price = from_minor(deal.amount_minor, deal.currency)
        return ContractSubject("deal", "", org.id, (LineInput(deal.title, Decimal(1), price,
                                                              rate),),
                               ("pcs",), ("service",), deal.currency, "included")

    async def _client_language(self, uow: UnitOfWork, deal: Deal, org: Organization) -> str:
        """The language on the client's card, else the organization's documents'."""
        chosen = (await uow.contracts.client_language(deal.company_id)
                  if deal.company_id is not None else None)
        if chosen in LANGUAGES:
            return str(chosen)
        fallback = org.language or DEFAULT_LANGUAGE.get(org.country, "ru")
        return fallback if fallback in LANGUAGES else "ru"

    def _contract_view(self, p: _Parties, language: str, images: dict[str, bytes],
                       number: str = "—", day: date | None = None) -> DocumentView:
        """The deal's lines priced once (`build_invoice_view`) for its contract."""
        lang: Any = language
        return build_invoice_view(
            seller=PartyView(**asdict(p.seller)), buyer=PartyView(**asdict(p.buyer)),
            lines=p.subject.lines, units=p.subject.units, currency=p.subject.currency,
            number=number, issue_date=day or self._invoices.today(),
            tax_mode=p.subject.tax_mode, language=lang, layout=layout_for(p.org.country),
            kind="contract", total_discount_percent=p.subject.discount_percent,
            total_discount_amount=p.subject.discount_amount, logo=images.get("logo"),
            stamp=images.get("stamp"), signature=images.get("signature"))

    async def _read_contract(self, uow: UnitOfWork, actor: User, terms: ContractTerms
                             ) -> _Drawn:
        p = await self._contract_parties(uow, actor, terms.deal_id)
        deal, org = p.deal, p.org
        day = self._invoices.today()
        expected = await uow.numbering.last_number(org.id, CONTRACT_KIND, day.year) + 1
        number = format_number(CONTRACT_PATTERN, prefix="", year=day.year, seq=expected)
        images = await uow.stored_documents.organization_images(org.id)
        view = as_contract(self._contract_view(p, terms.language, images, number, day),
                           number, day, starts_on=terms.starts_on, ends_on=terms.ends_on,
                           supplies=p.subject.supplies, payment_days=p.payment_days,
                           place=org.city)
        template = await uow.stored_documents.template(org.id, template_key(view))
        header = DocHeader(
            kind=CONTRACT_KIND, id=0, owner_id=deal.owner_id, organization_id=org.id,
            company_id=deal.company_id, contact_id=deal.contact_id, status="issued",
            number_text=number, language=terms.language, currency=p.subject.currency,
            grand_total=view.grand_total, paid=Decimal("0.00"), due_date=None,
            buyer_name=p.buyer.name)
        reading = Reading(header, view, CONTRACT_KIND, pdf_filename(CONTRACT_KIND, number, 0),
                          template, view_hash(view, template), None)
        return _Drawn(reading, deal, expected, day, view.grand_total)
